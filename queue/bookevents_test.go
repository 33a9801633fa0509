package queue_test

import (
	"context"
	"testing"

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
			cb := redis.NewClient(&redis.Options{Addr: st.Addr(c)})
			defer cb.Close()
			b, _ := queuetest.Service(t, cb, nil)
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
