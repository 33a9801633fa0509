package queue_test

import (
	"testing"

	"natq/queue"
	"natq/queue/queuetest"
)

// TestOneRoundTrip: a booking, each desk change (check-in, call, sampled,
// a missed call, a requeue, a cancel, a repeated call) and a booked
// ticket's read (its site's forecast cached) are each one round trip to
// the store: the change script versions the ticket and publishes its
// event itself (tell in prelude.lua), and the read is one pipeline.
func TestOneRoundTrip(t *testing.T) {
	queuetest.EachStore(t, func(t *testing.T, st queuetest.Store) {
		c := st.Client(t)
		s, clk := queuetest.Service(t, c, nil)
		m := staff(t, s, "c1", queue.RoleMarshal)
		clk.Set(queuetest.At(7, 0))
		hook := &tripCounter{}
		c.AddHook(hook)
		trips := func(what string, fn func() error) {
			t.Helper()
			before := hook.n.Load()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if n := hook.n.Load() - before; n != 1 {
				t.Errorf("%s took %d round trips, want 1", what, n)
			}
		}
		desk := func(tok string, count bool) {
			run := func(what string, fn func() error) {
				if count {
					trips(what, fn)
				} else if err := fn(); err != nil {
					t.Fatalf("%s: %v", what, err)
				}
			}
			run("CheckIn", func() error { _, err := s.CheckIn(ctx, m, "s1", tok); return err })
			run("CallNext", func() error { _, err := s.CallNext(ctx, m, "s1", 1); return err })
			run("RepeatCall", func() error { _, err := s.RepeatCall(ctx, m, tok); return err })
			run("Requeue", func() error { _, err := s.Requeue(ctx, m, tok); return err })
			run("CallNext", func() error { _, err := s.CallNext(ctx, m, "s1", 1); return err })
			run("Sampled", func() error { _, err := s.Sampled(ctx, m, tok, ""); return err })
		}
		// Once uncounted: the store loads each script on its first call.
		desk(bookAt(t, s, hh("b1", "", "101", 1)), false)
		s.Cancel(ctx, bookAt(t, s, hh("b1", "", "102", 1)))
		var tok string
		trips("Book", func() error {
			b, _, err := s.Book(ctx, "c1", hh("b1", "", "103", 2))
			if err == nil {
				tok = b.Ticket
			}
			return err
		})
		s.Ticket(ctx, tok) // the site's forecast is made (reading its line) and cached
		trips("Ticket (booked)", func() error { _, err := s.Ticket(ctx, tok); return err })
		desk(tok, true)
		other := bookAt(t, s, hh("b1", "", "104", 1))
		trips("Cancel", func() error { _, err := s.Cancel(ctx, other); return err })
	})
}
