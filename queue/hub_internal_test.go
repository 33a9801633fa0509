package queue

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestHubDropsListenerBehind: a listener that takes nothing is dropped
// once it is listenerBuffer events behind; the events it had are still
// handed over, oldest first, before it ends. A listener that keeps up on
// the same channel gets every event and stays.
func TestHubDropsListenerBehind(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistestAddr(t)})
	defer rdb.Close()
	h := newHub(rdb, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const ch = "natq:{c1}:ev:s:s1"
	idle, err := h.watch(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	keen, err := h.watch(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	const n = listenerBuffer + 40
	var got [][]byte
	for i := 0; i < n; i++ {
		if err := rdb.Publish(ctx, ch, fmt.Sprintf(`{"n":%d}`, i)).Err(); err != nil {
			t.Fatal(err)
		}
		// The keen listener takes each event before the next is sent.
		for len(got) == i {
			<-keen.ready
			var ended bool
			if got, ended = keen.take(got); ended {
				t.Fatalf("the listener that keeps up ended after %d events", len(got))
			}
		}
	}
	if len(got) != n {
		t.Fatalf("the listener that keeps up got %d events, want %d", len(got), n)
	}
	// The idle listener was dropped at event listenerBuffer+1, in a
	// fan-out done before the keen listener's last events.
	if h.listeners() != 1 {
		t.Fatalf("%d listeners, want 1 (the idle one dropped)", h.listeners())
	}
	var late [][]byte
	for {
		<-idle.ready
		var ended bool
		if late, ended = idle.take(late); ended {
			break
		}
	}
	if len(late) != listenerBuffer {
		t.Errorf("the idle listener was handed %d events before its end, want %d", len(late), listenerBuffer)
	}
	for i, b := range late {
		if want := fmt.Sprintf(`{"n":%d}`, i); string(b) != want {
			t.Fatalf("the idle listener's event %d = %s, want %s", i, b, want)
		}
	}
	cancel()
	for {
		<-keen.ready
		if _, ended := keen.take(nil); ended {
			break
		}
	}
	if h.listeners() != 0 {
		t.Errorf("%d listeners after the context ended, want 0", h.listeners())
	}
}
