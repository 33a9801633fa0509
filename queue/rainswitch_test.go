package queue_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"natq/planner/rainswitch"
	"natq/queue"
	"natq/queue/queuetest"
)

// TestRainSwitchRuleShared books the contest compound's dry day, switches
// to wet at 09:40 with switch.lua on a real redis-server, and checks that
// every ticket went where planner/rainswitch (the simulator's copy of the
// rule) sends it. A change to one side of the rule fails here until the
// other follows.
func TestRainSwitchRuleShared(t *testing.T) {
	p, svc, clk, coord := contestDay(t, queuetest.Stores()[0].Client(t))
	var tickets []rainswitch.Ticket
	n := 0
	rooms := map[string]int{} // households booked so far per building and unit
	for _, w := range p.Windows {
		if w.Variant != "dry" {
			continue
		}
		for _, g := range w.Groups {
			for left := g.People; left > 0; {
				party := min(1+(n*7)%5, left)
				n++
				rooms[g.Building+"|"+g.Unit]++
				res, err := svc.PreBook(ctx, coord, p.Compound.ID, stringsReader(g.Building+","+g.Unit+","+room(rooms[g.Building+"|"+g.Unit])+","+itoa(party)+"\n"))
				if err != nil || res[0].Error != nil {
					t.Fatalf("booking %s unit %q: %v %v", g.Building, g.Unit, err, res)
				}
				// The window it was given, which may be another than w
				// (a booking takes the earliest with room).
				bk := res[0].Booking
				tickets = append(tickets, rainswitch.Ticket{Building: g.Building, Unit: g.Unit, Party: party,
					OldStart: bk.Window.Start, OldEnd: bk.Window.End, OldSite: bk.Site})
				left -= party
			}
		}
	}
	var target []rainswitch.Window
	var all [][]rainswitch.Group
	for _, w := range p.Windows {
		var gs []rainswitch.Group
		for _, g := range w.Groups {
			gs = append(gs, rainswitch.Group{Building: g.Building, Unit: g.Unit, People: g.People})
		}
		all = append(all, gs)
		if w.Variant == "wet" {
			target = append(target, rainswitch.Window{Index: w.Index, Site: w.Site, Start: w.Start, End: w.End, Capacity: w.Capacity, Groups: gs})
		}
	}
	rainswitch.SortWindows(target)
	lists := rainswitch.BuildLists(target, all)

	// At 09:40 with nobody sampled yet, the wet windows left cannot hold
	// the whole day: both refuse, at the same ticket (ids count from 1 in
	// booking order), and nothing moves.
	clk.Set(time.Date(2026, 12, 1, 9, 40, 0, 0, p.TZ))
	_, err := rainswitch.Reassign(clk.Now(), target, lists, tickets)
	var nr *rainswitch.NoRoomError
	if !errors.As(err, &nr) {
		t.Fatalf("rainswitch at 09:40: %v, want no room", err)
	}
	_, err = svc.SwitchVariant(ctx, coord, p.Compound.ID, "wet")
	if !errors.Is(err, queue.ErrNoRoom) || !strings.Contains(err.Error(), fmt.Sprintf("(ticket %d)", nr.Ticket+1)) {
		t.Fatalf("switch.lua at 09:40: %v, want no room for ticket %d as rainswitch says", err, nr.Ticket+1)
	}

	// At 06:30 everything fits: every ticket must land where rainswitch
	// puts it.
	clk.Set(time.Date(2026, 12, 1, 6, 30, 0, 0, p.TZ))
	picks, err := rainswitch.Reassign(clk.Now(), target, lists, tickets)
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.SwitchVariant(ctx, coord, p.Compound.ID, "wet")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Moved) != len(tickets) {
		t.Fatalf("switch.lua moved %d tickets, rainswitch %d", len(res.Moved), len(tickets))
	}
	differ, retimed := 0, 0
	for i, m := range res.Moved {
		if want := target[picks[i]].Index; m.Ticket.WindowIdx != want {
			if differ++; differ <= 5 {
				t.Errorf("ticket %d (%s unit %s, party %d): switch.lua gave window %d, rainswitch %d",
					i, tickets[i].Building, tickets[i].Unit, tickets[i].Party, m.Ticket.WindowIdx, want)
			}
		}
		if m.Retimed {
			retimed++
		}
	}
	if differ > 0 {
		t.Errorf("%d of %d tickets differ", differ, len(tickets))
	}
	t.Logf("%d tickets: both refuse at 09:40 (ticket %d), agree on every window at 06:30 (%d re-timed)", len(tickets), nr.Ticket+1, retimed)
}
