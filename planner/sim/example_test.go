package sim_test

import (
	"fmt"
	"time"

	"natq/planner/sim"
)

// A site at 08:10: two desks have sampled 30 people at 40 s each, and
// five households wait. The queue service would pass what it knows; the
// pages show each household its turn.
func ExampleForecast() {
	now := time.Date(2026, 12, 1, 8, 10, 0, 0, time.UTC)
	s := sim.SiteNow{Now: now, Desks: 2}
	for i := 0; i < 30; i++ {
		at := now.Add(-time.Duration(30-i) * 40 * time.Second)
		s.Samples = append(s.Samples, sim.Sampled{Party: 1, CalledAt: at.Add(-40 * time.Second), At: at})
	}
	for i, party := range []int{3, 1, 2, 4, 2} {
		s.Line = append(s.Line, sim.InLine{Ticket: fmt.Sprint("A", i+1), Party: party, CheckIn: now.Add(-time.Duration(10-i) * time.Minute)})
	}
	p := sim.DefaultParams()
	p.ServiceCV = 0 // a fixed pace, for a forecast this example can print
	f, err := sim.Forecast(s, 120, p)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.0f samples a desk an hour\n", f.Rate)
	for _, t := range f.Line {
		fmt.Printf("%s: %d ahead, your turn at about %s\n", t.Ticket, t.Ahead, t.At.Round(time.Minute).Format("15:04"))
	}
	// Output:
	// 100 samples a desk an hour
	// A1: 0 ahead, your turn at about 08:10
	// A2: 3 ahead, your turn at about 08:10
	// A3: 4 ahead, your turn at about 08:11
	// A4: 6 ahead, your turn at about 08:12
	// A5: 10 ahead, your turn at about 08:12
}
