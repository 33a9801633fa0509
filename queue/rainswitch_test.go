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
	var tokens []string
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
				tokens = append(tokens, bk.Ticket)
				left -= party
			}
		}
	}
	target, lists := wetTarget(p)

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

	// At 06:55 everything fits. Every third household of a 07:00 window
	// is in its site's line by then, and the first of each site is
	// called: they are seated first, at a window of their site, or of
	// the site the search finds when theirs closes in the rain. Every
	// ticket must land where rainswitch puts it.
	clk.Set(time.Date(2026, 12, 1, 6, 55, 0, 0, p.TZ))
	inLine, called := 0, map[string]bool{}
	for i := range tickets {
		if !tickets[i].OldStart.Equal(time.Date(2026, 12, 1, 7, 0, 0, 0, p.TZ)) || i%3 != 0 {
			continue
		}
		if _, err := svc.CheckIn(ctx, coord, tickets[i].OldSite, tokens[i]); err != nil {
			continue // the site's line is full
		}
		tickets[i].InLine = true
		inLine++
		if !called[tickets[i].OldSite] {
			called[tickets[i].OldSite] = true
			if _, err := svc.CallNext(ctx, coord, tickets[i].OldSite, 1); err != nil {
				t.Fatalf("calling at %s: %v", tickets[i].OldSite, err)
			}
		}
	}
	if inLine < 20 {
		t.Fatalf("%d households in line before the switch; want at least 20", inLine)
	}
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
	// switch.lua lists those in line first; the tickets' ids count from
	// 1 in booking order.
	differ, retimed, moved := 0, 0, 0
	for _, m := range res.Moved {
		i := int(m.Ticket.ID) - 1
		if tickets[i].InLine && m.Ticket.Site != tickets[i].OldSite {
			moved++
		}
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
	t.Logf("%d tickets: both refuse at 09:40 (ticket %d), agree on every window at 06:55 (%d re-timed; %d in line, %d of them to another site)",
		len(tickets), nr.Ticket+1, retimed, inLine, moved)
}

// wetTarget is plan p's wet windows as rainswitch takes them, sorted, and
// their lists.
func wetTarget(p *queue.Plan) ([]rainswitch.Window, rainswitch.Lists) {
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
	return target, rainswitch.BuildLists(target, all)
}

// TestRainSwitchRuleSharedInLine: c1's s1 has no wet window, so its line
// moves to s2 in the rain; s2's stays. People in both lines, one of each
// called, and booked households behind them: switch.lua and rainswitch
// put every ticket in the same window.
func TestRainSwitchRuleSharedInLine(t *testing.T) {
	c := queuetest.Stores()[0].Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	p := queuetest.Plan(t, "c1.plan.geojson")
	var tickets []rainswitch.Ticket
	var tokens []string
	book := func(h queue.Household) {
		b, _, err := s.Book(ctx, "c1", h)
		if err != nil {
			t.Fatalf("Book(%+v): %v", h, err)
		}
		tickets = append(tickets, rainswitch.Ticket{Building: h.Building, Unit: h.Unit, Party: h.Party,
			OldStart: b.Window.Start, OldEnd: b.Window.End, OldSite: b.Site})
		tokens = append(tokens, b.Ticket)
	}
	for i := 0; i < 12; i++ {
		book(hh("b1", "", room(i+1), 1+i%3)) // s1 07:00, then 07:15
	}
	for i := 0; i < 8; i++ {
		book(hh("b2", "1", room(i+1), 1+i%2)) // s2 07:00
		book(hh("b4", "", room(i+1), 2))      // s1 08:00
	}
	clk.Set(queuetest.At(7, 2))
	for i := range tickets {
		if !tickets[i].OldStart.Equal(queuetest.At(7, 0)) || i%2 != 0 {
			continue
		}
		if _, err := s.CheckIn(ctx, m, tickets[i].OldSite, tokens[i]); err != nil {
			t.Fatalf("CheckIn(ticket %d at %s): %v", i+1, tickets[i].OldSite, err)
		}
		tickets[i].InLine = true
	}
	for _, site := range []string{"s1", "s2"} {
		if _, err := s.CallNext(ctx, m, site, 1); err != nil {
			t.Fatal(err)
		}
	}
	target, lists := wetTarget(p)
	picks, err := rainswitch.Reassign(clk.Now(), target, lists, tickets)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.SwitchVariant(ctx, staff(t, s, "c1", queue.RoleCoordinator), "c1", "wet")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Moved) != len(tickets) {
		t.Fatalf("switch.lua moved %d tickets, rainswitch %d", len(res.Moved), len(tickets))
	}
	kept, moved := 0, 0
	for _, mv := range res.Moved {
		i := int(mv.Ticket.ID) - 1
		if want := target[picks[i]]; mv.Ticket.WindowIdx != want.Index {
			t.Errorf("ticket %d (%s unit %q, party %d, in line %v at %s): switch.lua gave window %d (%s), rainswitch %d (%s)", i+1,
				tickets[i].Building, tickets[i].Unit, tickets[i].Party, tickets[i].InLine, tickets[i].OldSite, mv.Ticket.WindowIdx, mv.Ticket.Site, want.Index, want.Site)
		}
		switch mv.What {
		case "kept":
			kept++
		case "moved":
			moved++
		}
	}
	if kept == 0 || moved == 0 {
		t.Errorf("%d kept in line, %d moved to another site's; want both", kept, moved)
	}
}
