package queue_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/queue"
	"natq/queue/queuetest"
)

// holdPublish delays the publishing of events on one instance's client
// until released: the instance that changed a ticket first tells of it
// last, as happens across instances on a cluster.
type holdPublish struct {
	mu      sync.Mutex
	on      bool
	release chan struct{}
}

func (h *holdPublish) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *holdPublish) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return next
}
func (h *holdPublish) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.mu.Lock()
		on := h.on
		h.mu.Unlock()
		if on && len(cmds) > 0 && cmds[0].Name() == "publish" {
			<-h.release
		}
		return next(ctx, cmds)
	}
}

// TestEventsOutOfOrder: instance a checks a ticket in and is slow to tell;
// instance b calls it meanwhile and tells at once. The listener hears
// "called" before "checked_in", and the versions say which is newer: the
// later-arriving event is older, and carries the state of its own version
// (checked_in), never a newer one under an older number.
func TestEventsOutOfOrder(t *testing.T) {
	queuetest.EachStore(t, func(t *testing.T, st queuetest.Store) {
		c := st.Client(t)
		a, clk := queuetest.Service(t, c, nil)
		// b on a connection of its own (a one-node cluster holds every
		// slot, so a plain client reaches it too).
		cb := redis.NewClient(&redis.Options{Addr: st.Addr(c)})
		defer cb.Close()
		b, clkB := queuetest.Service(t, cb, nil)
		m := staff(t, a, "c1", queue.RoleMarshal)
		tok := bookAt(t, a, hh("b1", "", "101", 2))
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		evs, err := b.WatchTicket(wctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		clk.Set(queuetest.At(7, 0))
		clkB.Set(queuetest.At(7, 0))
		hold := &holdPublish{on: true, release: make(chan struct{})}
		c.AddHook(hold)
		done := make(chan error)
		go func() { _, err := a.CheckIn(ctx, m, "s1", tok); done <- err }()
		// b calls once a's check-in is in the store and stamped with its
		// version (stamp.lua runs just after the change: a call between the
		// two would be stamped first, and a's event would rightly carry the
		// called state at the later version).
		deadline := time.Now().Add(5 * time.Second)
		for {
			tk, err := b.Ticket(ctx, tok)
			if err == nil && tk.State == "checked_in" && tk.Version >= 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("check-in not in the store: %+v %v", tk, err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if _, err := b.CallNext(ctx, m, "s1", 1); err != nil {
			t.Fatal(err)
		}
		first := next(t, evs)
		hold.mu.Lock()
		hold.on = false
		hold.mu.Unlock()
		close(hold.release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		second := next(t, evs)
		if first.Type != "called" || second.Type != "checked_in" {
			t.Fatalf("events arrived %s, %s; the test wants them out of order (called, checked_in)", first.Type, second.Type)
		}
		if first.Version <= second.Version || first.Ticket.Version != first.Version {
			t.Errorf("versions: called %d, checked_in %d (ticket %d): want the later change's higher", first.Version, second.Version, first.Ticket.Version)
		}
		if second.Ticket.State != "checked_in" || first.Ticket.State != "called" {
			t.Errorf("states at their versions: %s at %d, %s at %d", first.Ticket.State, first.Version, second.Ticket.State, second.Version)
		}
		// What a page fetches carries its version too.
		if tk, err := a.Ticket(ctx, tok); err != nil || tk.Version != first.Version || tk.State != "called" {
			t.Errorf("Ticket = %+v, %v; want version %d, called", tk, err, first.Version)
		}
	})
}

func next(t *testing.T, ch <-chan []byte) queue.Event {
	t.Helper()
	select {
	case b := <-ch:
		var e queue.Event
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return queue.Event{}
}
