package queue

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

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

// TestHubBookingsToKeenListeners: a new booking's and a party's new size's
// events that an older instance published on the site's events channel
// go only to the listeners that hear bookings (a site's tablet, which
// watches the site's bookings channel too), the others of the channel
// (its phones and display) get the rest, in order; with no listener that
// hears bookings, a booking's event is not even expanded. An instance's
// older event still (a JSON array) goes to all.
func TestHubBookingsToKeenListeners(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistestAddr(t)})
	defer rdb.Close()
	var expanded atomic.Int64
	h := newHub(rdb, func(_, raw string) []byte { expanded.Add(1); return []byte(raw) }, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const ch = "natq:{c1}:ev:s:s1"
	quiet, err := h.watch(ctx, ch)
	if err != nil {
		t.Fatal(err)
	}
	ev := func(typ string) string { return rawEventHead + "c1\n" + typ + "\n7\n0\n1\n0" }
	publish := func(msgs ...string) {
		t.Helper()
		for _, m := range msgs {
			if err := rdb.Publish(ctx, ch, m).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	// takeAll waits for want events on l.
	takeAll := func(l *listener, want int) []string {
		t.Helper()
		var got [][]byte
		deadline := time.After(10 * time.Second)
		for len(got) < want {
			select {
			case <-l.ready:
			case <-deadline:
				t.Fatalf("%d events within 10 s, want %d", len(got), want)
			}
			got, _ = l.take(got)
		}
		out := make([]string, len(got))
		for i, b := range got {
			out[i] = string(b)
		}
		return out
	}

	// Only a listener without bookings: a booking's event is not expanded.
	publish(ev("booked"), ev("party"), ev("checked_in"))
	if got := takeAll(quiet, 1); len(got) != 1 || got[0] != ev("checked_in") {
		t.Fatalf("the listener without bookings got %q, want only the check-in", got)
	}
	if n := expanded.Load(); n != 1 {
		t.Errorf("%d events expanded for a listener without bookings, want 1 (the check-in's)", n)
	}

	keen, err := h.watch(ctx, ch, "natq:{c1}:bk:s:s1")
	if err != nil {
		t.Fatal(err)
	}
	old := `[1,"c1","booked",7]` // natq1's JSON array: its type is not read
	publish(ev("booked"), ev("called"), ev("party"), old, ev("sampled"))
	if got, want := takeAll(keen, 5), []string{ev("booked"), ev("called"), ev("party"), old, ev("sampled")}; !slices.Equal(got, want) {
		t.Errorf("the listener with bookings got %q, want %q", got, want)
	}
	if got, want := takeAll(quiet, 3), []string{ev("called"), old, ev("sampled")}; !slices.Equal(got, want) {
		t.Errorf("the listener without bookings got %q, want %q", got, want)
	}
	cancel()
	for _, l := range []*listener{quiet, keen} {
		for {
			<-l.ready
			if _, ended := l.take(nil); ended {
				break
			}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) != 0 {
		t.Errorf("after both ended the hub holds %d channels; want none", len(h.subs))
	}
}

// TestHubWatchWaitsForConfirmation: a watch returns once Redis confirmed
// the subscription it needs, and a store that took the subscription and
// does not answer (here paused) has the watch say the store is
// unavailable after subscribeWait, not hang; once the store answers
// again, the same channel is watched and heard.
func TestHubWatchWaitsForConfirmation(t *testing.T) {
	defer func(w time.Duration) { subscribeWait = w }(subscribeWait)
	subscribeWait = 300 * time.Millisecond
	h, admin := hubOnRedis(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := h.watch(ctx, "natq:{c1}:ev:s:s1"); err != nil {
		t.Fatal(err)
	}
	const bk = "natq:{c1}:bk:s:s1"
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "1500", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	_, err := h.watch(ctx, bk)
	var qe *Error
	if !errors.As(err, &qe) || qe.Code != ErrUnavailable.Code {
		t.Fatalf("a watch the paused store does not confirm = %v, want unavailable", err)
	}
	if n := h.listeners(); n != 1 {
		t.Errorf("after the failed watch the hub holds %d listeners, want 1", n)
	}
	if err := admin.Do(ctx, "CLIENT", "UNPAUSE").Err(); err != nil {
		t.Fatal(err)
	}
	l, err := h.watch(ctx, bk)
	if err != nil {
		t.Fatalf("the watch once the store answers: %v", err)
	}
	msg := rawEventHead + "c1\nbooked\n7\n0\n1\n0"
	if err := admin.Publish(ctx, bk, msg).Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.ready:
	case <-time.After(5 * time.Second):
		t.Fatal("the booking did not reach the listener within 5 s")
	}
	if got, _ := l.take(nil); len(got) != 1 || string(got[0]) != msg {
		t.Errorf("the listener got %q, want the booking", got)
	}
}

// TestHubFirstWatchOfTwoPatterns: a tablet's stream may be an instance's
// first: its watch subscribes to both of the compound's patterns at once
// and returns once Redis confirmed both, and it hears both channels.
func TestHubFirstWatchOfTwoPatterns(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistestAddr(t)})
	defer rdb.Close()
	h := newHub(rdb, func(_, raw string) []byte { return []byte(raw) }, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const ev, bk = "natq:{c1}:ev:s:s1", "natq:{c1}:bk:s:s1"
	l, err := h.watch(ctx, ev, bk)
	if err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	for _, p := range []string{"natq:{c1}:ev:*", "natq:{c1}:bk:*"} {
		select {
		case <-h.patterns[p]:
		default:
			t.Errorf("the watch returned before Redis confirmed %s", p)
		}
	}
	h.mu.Unlock()
	booked, called := rawEventHead+"c1\nbooked\n7\n0\n1\n0", rawEventHead+"c1\ncalled\n7\n0\n1\n0"
	for ch, m := range map[string]string{bk: booked, ev: called} {
		if n, err := rdb.Publish(ctx, ch, m).Result(); err != nil || n != 1 {
			t.Fatalf("PUBLISH %s = %d %v, want 1 subscriber", ch, n, err)
		}
	}
	var got [][]byte
	for deadline := time.After(5 * time.Second); len(got) < 2; {
		select {
		case <-l.ready:
		case <-deadline:
			t.Fatalf("%d events within 5 s, want 2", len(got))
		}
		got, _ = l.take(got)
	}
	if !slices.ContainsFunc(got, func(b []byte) bool { return string(b) == booked }) ||
		!slices.ContainsFunc(got, func(b []byte) bool { return string(b) == called }) {
		t.Errorf("the tablet got %q, want the booking and the call", got)
	}
}

// TestHubResyncAfterReconnect: the hub's connection to Redis breaks
// (Redis restarted, a failover, the network); go-redis connects again
// and subscribes anew, but what was published meanwhile is lost. Every
// listener is then told to read its state afresh (resyncEvent), and
// hears the events published after.
func TestHubResyncAfterReconnect(t *testing.T) {
	h, admin := hubOnRedis(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const ev, bk, other = "natq:{c1}:ev:s:s1", "natq:{c1}:bk:s:s1", "natq:{c2}:ev:t:9"
	var ls []*listener
	for _, c := range []string{ev, bk, other} {
		l, err := h.watch(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	next := func(l *listener, what string) []byte {
		t.Helper()
		select {
		case <-l.ready:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: nothing within 10 s", what)
		}
		got, _ := l.take(nil)
		if len(got) != 1 {
			t.Fatalf("%s: %d events %q, want 1", what, len(got), got)
		}
		return got[0]
	}
	if n, err := admin.ClientKillByFilter(ctx, "TYPE", "pubsub").Result(); err != nil || n != 1 {
		t.Fatalf("CLIENT KILL TYPE pubsub = %d, %v; want the hub's one connection", n, err)
	}
	for i, l := range ls {
		if got := next(l, "listener of "+l.channels[0]); string(got) != string(resyncEvent) {
			t.Errorf("listener %d got %q after the reconnection, want %s", i, got, resyncEvent)
		}
	}
	called := rawEventHead + "c1\ncalled\n7\n0\n1\n0"
	if err := admin.Publish(ctx, ev, called).Err(); err != nil {
		t.Fatal(err)
	}
	if got := next(ls[0], "the site's listener"); string(got) != called {
		t.Errorf("after the resync the site's listener got %q, want the call", got)
	}
	if n := h.listeners(); n != 3 {
		t.Errorf("the hub holds %d listeners, want all 3", n)
	}
}

// hubOnRedis is a hub on the test's redis-server, handing listeners the
// raw payloads, and a second client on the same server for the test's
// own commands (PUBLISH, CLIENT PAUSE or KILL); both closed with t.
func hubOnRedis(t *testing.T) (*hub, *redis.Client) {
	t.Helper()
	addr := redistestAddr(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	admin := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { rdb.Close(); admin.Close() })
	return newHub(rdb, func(_, raw string) []byte { return []byte(raw) }, nil), admin
}
