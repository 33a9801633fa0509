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
		tripsN := func(want int64, what string, fn func() error) {
			t.Helper()
			before := hook.n.Load()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if n := hook.n.Load() - before; n != want {
				t.Errorf("%s took %d round trips, want %d", what, n, want)
			}
		}
		trips := func(what string, fn func() error) { t.Helper(); tripsN(1, what, fn) }
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
		// A ticket in line: its people ahead are the line before it, whose
		// members carry their parties: a second round trip, no more.
		var last string
		for i, room := range []string{"105", "106", "107"} {
			last = bookAt(t, s, hh("b1", "", room, 2-i/2))
			if _, err := s.CheckIn(ctx, m, "s1", last); err != nil {
				t.Fatal(err)
			}
		}
		s.Ticket(ctx, last) // the forecast, made again after the check-ins
		tripsN(2, "Ticket (checked in)", func() error {
			tk, err := s.Ticket(ctx, last)
			if err == nil && tk.Ahead != 4 {
				t.Errorf("the third in line has %d people ahead, want 4", tk.Ahead)
			}
			return err
		})
	})
}
