package queue_test

import (
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/queue"
	"natq/queue/queuetest"
)

// contestDay opens the round of the contest plan on c with the clock at
// 06:00 there, and returns the service, its clock and a coordinator.
func contestDay(t *testing.T, c redis.UniversalClient) (*queue.Plan, *queue.Service, *queuetest.Clock, *queue.Staff) {
	p := contestPlan(t)
	clk := queuetest.NewClock(time.Date(2026, 12, 1, 6, 0, 0, 0, p.TZ))
	o := queue.DefaultOptions()
	o.Now = clk.Now
	svc := queue.New(c, queuetest.Signer(t), o)
	if err := svc.OpenRound(ctx, p); err != nil {
		t.Fatal(err)
	}
	return p, svc, clk, &queue.Staff{Compound: p.Compound.ID, Role: queue.RoleCoordinator}
}

// contestPlan is the planner's golden plan of the bundled contest compound
// (30 desks, 2026-12-01, Asia/Shanghai; go test ./planner -update rewrites
// it): 103 buildings, hundreds of windows shared by several buildings'
// units, a wet variant that is smaller than the dry one.
func contestPlan(t *testing.T) *queue.Plan {
	f, err := os.Open("../planner/testdata/golden/contest.plan.geojson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := queue.LoadPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// testRainSwitchContest books every resident the dry schedule calls, in
// the dry windows' order, with parties of 1 to 4, then switches to wet:
// every ticket must end in a wet window with room, none lost, booking
// order kept within each building and unit.
func testRainSwitchContest(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	p, svc, _, coord := contestDay(t, c)
	n, people := 0, 0
	rooms := map[string]int{}
	var order []string
	for _, w := range p.Windows {
		if w.Variant != "dry" {
			continue
		}
		for _, g := range w.Groups {
			for left := g.People; left > 0; {
				party := min(1+n%4, left)
				n++
				rooms[g.Building+"|"+g.Unit]++
				res, err := svc.PreBook(ctx, coord, p.Compound.ID, stringsReader(g.Building+","+g.Unit+","+room(rooms[g.Building+"|"+g.Unit])+","+itoa(party)+"\n"))
				if err != nil || res[0].Error != nil {
					t.Fatalf("booking %s unit %q: %v %v", g.Building, g.Unit, err, res)
				}
				order = append(order, res[0].Booking.Ticket)
				people += party
				left -= party
			}
		}
	}
	t0 := time.Now()
	res, err := svc.SwitchVariant(ctx, coord, p.Compound.ID, "wet")
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(t0)
	if len(res.Moved) != len(order) {
		t.Fatalf("moved %d tickets of %d", len(res.Moved), len(order))
	}
	wins := map[int]queue.Window{}
	for _, w := range p.Windows {
		wins[w.Index] = w
	}
	last := map[string]time.Time{}
	own, retimed := 0, 0
	for i, m := range res.Moved {
		tv := m.Ticket
		if tv.Ticket != order[i] {
			t.Fatalf("move %d is ticket %s, want %s: not in booking order", i, tv.Ticket, order[i])
		}
		w := wins[tv.WindowIdx]
		if w.Variant != "wet" || tv.Variant != "wet" || w.Site != tv.Site || !w.Start.Equal(tv.Window.Start) {
			t.Fatalf("ticket %s in window %d (%s %s), not a wet window of its site", tv.Ticket, tv.WindowIdx, w.Variant, w.Site)
		}
		key := tv.Household.Building + "|" + tv.Household.Unit
		if tv.Window.Start.Before(last[key]) {
			t.Errorf("ticket %s (%s) at %s, before the previous booking's %s: order lost",
				tv.Ticket, key, tv.Window.Start.Format("15:04"), last[key].Format("15:04"))
		}
		last[key] = tv.Window.Start
		for _, g := range w.Groups {
			if g.Building == tv.Household.Building {
				own++
				break
			}
		}
		if m.Retimed {
			retimed++
		}
	}
	checkInvariants(t, c, p) // every wet window within its capacity
	t.Logf("%d tickets (%d people) moved to wet in %v: %d in a window calling their building, %d re-timed",
		len(res.Moved), people, took, own, retimed)
}
