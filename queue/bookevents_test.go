package queue_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/queue"
	"natq/queue/queuetest"
)

// TestBookingEvents: the book script publishes its own events, which
// another instance's hub expands into the Event its listeners get: a new
// ticket on its site's stream (no token), a changed party on the ticket's
// stream (the whole ticket), each with the ticket's version, which the
// desk's later change continues. The booking's answer is what a read of
// the ticket gives.
func TestBookingEvents(t *testing.T) {
	for _, st := range queuetest.Stores() {
		t.Run(st.Name, func(t *testing.T) {
			c := st.Client(t)
			a, clk := queuetest.Service(t, c, nil)
			b, _ := secondInstance(t, st, c)
			wctx, cancel := context.WithCancel(ctx)
			defer cancel()
			sites, err := b.WatchSite(wctx, "c1~s1")
			if err != nil {
				t.Fatal(err)
			}
			bk, created, err := a.Book(ctx, "c1", hh("b1", "", "101", 2))
			if err != nil || !created {
				t.Fatalf("Book = %+v %v %v", bk, created, err)
			}
			e := next(t, sites)
			if e.Type != "booked" || e.Compound != "c1" || e.Site != bk.Site || e.TicketID != bk.ID || e.Party != 2 ||
				e.State != "booked" || e.Version != 1 || e.Ticket != nil || e.InLine != 0 {
				t.Errorf("site event = %+v; want booked, ticket %d at %s, party 2, version 1, no ticket", e, bk.ID, bk.Site)
			}
			tk, err := a.Ticket(ctx, bk.Ticket)
			if err != nil {
				t.Fatal(err)
			}
			if tk.ID != bk.ID || tk.Site != bk.Site || tk.SiteName != bk.SiteName || bk.SiteName == "" ||
				!tk.Window.Start.Equal(bk.Window.Start) || !tk.Window.End.Equal(bk.Window.End) ||
				tk.Window.Start.Location().String() != bk.Window.Start.Location().String() ||
				tk.Party != bk.Party || tk.Household != bk.Household || tk.URL != bk.URL || tk.Version != 1 {
				t.Errorf("Book answered %+v; the ticket reads %+v", bk, tk)
			}
			tevs, err := b.WatchTicket(wctx, bk.Ticket)
			if err != nil {
				t.Fatal(err)
			}
			again, created, err := a.Book(ctx, "c1", hh("b1", "", "101", 3))
			if err != nil || created || !again.PartyChanged || again.Party != 3 || again.Ticket != bk.Ticket {
				t.Fatalf("Book with party 3 = %+v %v %v", again, created, err)
			}
			e = next(t, tevs)
			if e.Type != "party" || e.Version != 2 || e.Ticket == nil || e.Ticket.Ticket != bk.Ticket ||
				e.Ticket.Party != 3 || e.Ticket.Version != 2 || e.Ticket.State != "booked" || e.Ticket.SiteName != bk.SiteName {
				t.Errorf("ticket event = %+v (ticket %+v); want party, version 2, the ticket with party 3", e, e.Ticket)
			}
			if e = next(t, sites); e.Type != "party" || e.Party != 3 || e.Ticket != nil {
				t.Errorf("site event = %+v; want party 3, no ticket", e)
			}
			// Asking again with the same party changes nothing: no version.
			if _, _, err := a.Book(ctx, "c1", hh("b1", "", "101", 3)); err != nil {
				t.Fatal(err)
			}
			m := staff(t, a, "c1", queue.RoleMarshal)
			clk.Set(queuetest.At(7, 0))
			if _, err := a.CheckIn(ctx, m, bk.Site, bk.Ticket); err != nil {
				t.Fatal(err)
			}
			if e = next(t, tevs); e.Type != "checked_in" || e.Version != 3 {
				t.Errorf("after the check-in: %+v; want checked_in at version 3", e)
			}
		})
	}
}

// TestBookingsReachOnlyTablets: a site's new bookings and parties' new
// sizes are published on a channel of their own, so that an instance
// whose listeners are only phones and displays is not sent them at all
// (in a morning rush they are most of a site's events, and every
// instance holding one of its phones would receive each and drop it).
// The instance subscribes to that channel once a tablet (a listener that
// hears bookings) watches the site, and the tablet gets the bookings, the
// party's new size and the changes in order, the phone the changes alone.
func TestBookingsReachOnlyTablets(t *testing.T) {
	queuetest.EachStore(t, func(t *testing.T, st queuetest.Store) {
		c := st.Client(t)
		a, _ := queuetest.Service(t, c, nil)
		b, _ := secondInstance(t, st, c)
		const bookings = "natq:{c1}:bk:s:s1"
		sharded := st.Name == "redis-cluster"
		// receivers is how many subscribers Redis sends the site's
		// bookings to (a probe no hub can read, so none hands it on).
		receivers := func() int64 {
			t.Helper()
			pub := c.Publish
			if sharded {
				pub = c.SPublish
			}
			n, err := pub(ctx, bookings, "probe").Result()
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// A plain subscriber to the site's events channel, which every
		// instance holding one of its phones hears.
		var events *redis.PubSub
		switch st.Name {
		case "redis-server":
			events = c.Subscribe(ctx, "natq:{c1}:ev:s:s1")
		case "redis-cluster":
			events = c.SSubscribe(ctx, "natq:{c1}:ev:s:s1")
		}
		if events != nil {
			defer events.Close()
			if _, err := events.Receive(ctx); err != nil {
				t.Fatal(err)
			}
		}
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ps, err := b.StreamSite(wctx, "c1~s1", false)
		if err != nil {
			t.Fatal(err)
		}
		phone := streamChan(ps)
		// An earlier test's subscriptions may take a moment to close.
		waitFor(t, func() bool { return receivers() == 0 })
		book := func(room string, party int) *queue.Booking {
			t.Helper()
			bk, _, err := a.Book(ctx, "c1", hh("b1", "", room, party))
			if err != nil {
				t.Fatal(err)
			}
			return bk
		}
		cancelled := func(bk *queue.Booking) {
			t.Helper()
			if _, err := a.Cancel(ctx, bk.Ticket); err != nil {
				t.Fatal(err)
			}
		}
		first := book("101", 1)
		if n := receivers(); n != 0 {
			t.Errorf("with only a phone listening, Redis sends the site's bookings to %d subscribers, want 0", n)
		}
		cancelled(first)
		if e := next(t, phone); e.Type != "cancelled" || e.TicketID != first.ID {
			t.Errorf("the phone's first event is %+v, want ticket %d cancelled", e, first.ID)
		}
		if events != nil {
			select {
			case m := <-events.Channel():
				if typ := strings.Split(m.Payload, "\n"); len(typ) < 3 || typ[2] != "cancelled" {
					t.Errorf("the site's events channel carried %.60q first, want the cancellation", m.Payload)
				}
			case <-time.After(5 * time.Second):
				t.Error("the cancellation did not reach the site's events channel")
			}
		}

		tctx, endTablet := context.WithCancel(ctx)
		defer endTablet()
		ts, err := b.StreamSite(tctx, "c1~s1", true)
		if err != nil {
			t.Fatal(err)
		}
		tablet := streamChan(ts)
		if n := receivers(); n != 1 {
			t.Errorf("with a tablet listening, Redis sends the site's bookings to %d subscribers, want 1", n)
		}
		bk := book("102", 1)
		book("102", 2)
		cancelled(bk)
		for _, want := range []string{"booked", "party", "cancelled"} {
			if e := next(t, tablet); e.Type != want || e.TicketID != bk.ID {
				t.Errorf("the tablet heard %+v, want ticket %d %s", e, bk.ID, want)
			}
		}
		if e := next(t, phone); e.Type != "cancelled" || e.TicketID != bk.ID {
			t.Errorf("the phone's next event is %+v, want ticket %d cancelled", e, bk.ID)
		}
		endTablet()
		if sharded {
			// A sharded subscription is given up with its last listener.
			waitFor(t, func() bool { return receivers() == 0 })
		}
	})
}

// streamChan hands a stream's events over a channel, as WatchSite does.
func streamChan(st *queue.Stream) <-chan []byte {
	ch := make(chan []byte, 64)
	ready := make(chan struct{}, 1)
	st.OnReady(func() {
		select {
		case ready <- struct{}{}:
		default:
		}
	})
	go func() {
		for range ready {
			evs, ended := st.Take(nil)
			for _, e := range evs {
				ch <- e
			}
			if ended {
				close(ch)
				return
			}
		}
	}()
	return ch
}
