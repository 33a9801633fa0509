package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/queue"
	"natq/queue/queuetest"
)

// TestEventsInVersionOrder: two instances change the same tickets at
// once (one checks a ticket in and cancels it, the other calls and
// samples). Every change counts its version and publishes its event in
// the same step (tell in prelude.lua), so a listener hears each ticket's
// events in version order, one version apart, each carrying the state of
// its own change: never an event whose version shows another change's
// state, as when the version was stamped after the change.
func TestEventsInVersionOrder(t *testing.T) {
	queuetest.EachStore(t, func(t *testing.T, st queuetest.Store) {
		c := st.Client(t)
		a, clk := queuetest.Service(t, c, nil)
		b, clkB := secondInstance(t, st, c)
		m := staff(t, a, "c1", queue.RoleMarshal)
		clk.Set(queuetest.At(7, 0))
		clkB.Set(queuetest.At(7, 0))
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		const n = 12
		toks := make([]string, n)
		evs := make([]<-chan []byte, n)
		for i := range toks {
			toks[i] = bookAt(t, a, hh("b1", "", strconv.Itoa(101+i), 1))
			var err error
			if evs[i], err = b.WatchTicket(wctx, toks[i]); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		wg.Add(2)
		checkedIn := make(chan struct{})
		go func() {
			defer wg.Done()
			defer close(checkedIn)
			for i, tok := range toks {
				if _, err := a.CheckIn(ctx, m, "s1", tok); err != nil {
					t.Errorf("CheckIn %d: %v", i, err)
				}
				if i%3 == 0 {
					a.Cancel(ctx, tok) // may come before or after b's call
				}
			}
		}()
		go func() {
			defer wg.Done()
			for {
				select {
				case <-checkedIn:
					// Every check-in is made: an empty line now stays empty.
					if _, err := b.CallNext(ctx, m, "s1", 1); errors.Is(err, queue.ErrLineEmpty) {
						return
					}
				default:
				}
				tk, err := b.CallNext(ctx, m, "s1", 1)
				if errors.Is(err, queue.ErrLineEmpty) {
					continue
				}
				var busy *queue.DeskBusyError
				if errors.As(err, &busy) {
					tk = busy.Ticket // called by the check above
				} else if err != nil {
					t.Errorf("CallNext: %v", err)
					return
				}
				b.Sampled(ctx, m, tk.Ticket, "") // may find it cancelled
			}
		}()
		wg.Wait()
		stateOf := map[string]string{"booked": "booked", "checked_in": "checked_in", "called": "called",
			"sampled": "sampled", "cancelled": "cancelled"}
		for i, tok := range toks {
			final, err := a.Ticket(ctx, tok)
			if err != nil {
				t.Fatal(err)
			}
			ver := uint64(1) // booked
			for ver < final.Version {
				e := next(t, evs[i])
				if e.Version != ver+1 || e.Ticket == nil || e.Ticket.Version != e.Version {
					t.Fatalf("ticket %d: event %s at version %d (ticket %+v) after version %d: want version %d",
						i, e.Type, e.Version, e.Ticket, ver, ver+1)
				}
				if e.Ticket.State != stateOf[e.Type] || e.State != e.Ticket.State {
					t.Errorf("ticket %d: a %s event at version %d shows state %s", i, e.Type, e.Version, e.Ticket.State)
				}
				ver = e.Version
			}
			if final.State != "sampled" && final.State != "cancelled" {
				t.Errorf("ticket %d ends %s; want sampled or cancelled", i, final.State)
			}
		}
	})
}

// secondInstance is another instance of the service on st, beside the
// one on its client c, with a connection of its own (a one-node cluster
// holds every slot, so a plain client reaches it too).
func secondInstance(t *testing.T, st queuetest.Store, c redis.UniversalClient) (*queue.Service, *queuetest.Clock) {
	t.Helper()
	cb := redis.NewClient(&redis.Options{Addr: st.Addr(c)})
	t.Cleanup(func() { cb.Close() })
	return queuetest.Service(t, cb, nil)
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
