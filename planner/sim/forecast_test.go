package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A scripted morning at one site: two desks, 40 people sampled so far at
// a minute each (the plan said 30 s), six parties of one waiting.
func morning(t0 time.Time) SiteNow {
	s := SiteNow{Now: t0, Desks: 2}
	for i := 0; i < 40; i++ {
		at := t0.Add(-time.Duration(40-i) * 30 * time.Second)
		s.Samples = append(s.Samples, Sampled{Party: 1, CalledAt: at.Add(-time.Minute), At: at})
	}
	for i := 0; i < 6; i++ {
		s.Line = append(s.Line, InLine{Ticket: fmt.Sprint("t", i), Party: 1, CheckIn: t0.Add(-time.Duration(6-i) * time.Minute)})
	}
	return s
}

func TestSimulateForecast(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 10, 0, 0, time.UTC)
	p := Params{Runs: 50, Seed: 1, Early: 10, Grace: 15} // fixed sample times: an exact forecast
	f, err := Forecast(morning(t0), 120, p)
	if err != nil {
		t.Fatal(err)
	}
	// (40 x 60 s + 20 x 30 s) / 60 = 50 s a person.
	if f.Rate != 72 || f.Measured != 40 {
		t.Errorf("rate %v measured on %d, want 72 on 40", f.Rate, f.Measured)
	}
	for i, want := range []int{0, 0, 50, 50, 100, 100} {
		if got := f.Line[i].At.Sub(t0); got != time.Duration(want)*time.Second || f.Line[i].Ahead != i {
			t.Errorf("turn %d at +%v with %d ahead, want +%ds with %d", i, got, f.Line[i].Ahead, want, i)
		}
	}
	if !strings.Contains(f.Method, "72") || !strings.Contains(f.Method, "measured on 40 people") {
		t.Errorf("method %q does not say the rate and what it was measured on", f.Method)
	}
	// With nothing sampled yet the plan's rate holds.
	s := morning(t0)
	s.Samples = nil
	f, _ = Forecast(s, 120, p)
	if f.Rate != 120 || f.Line[5].At.Sub(t0) != 60*time.Second {
		t.Errorf("no samples: rate %v, last turn +%v; want 120 and +60s", f.Rate, f.Line[5].At.Sub(t0))
	}
	// A party at a desk since 08:09:30 holds it until 08:10:20; one
	// desk down doubles the wait.
	s = morning(t0)
	s.Line = append([]InLine{{Ticket: "c", Party: 1, CalledAt: t0.Add(-30 * time.Second)}}, s.Line...)
	s.Desks = 1
	f, _ = Forecast(s, 120, p)
	if got := f.Line[1].At.Sub(t0); got != 20*time.Second {
		t.Errorf("first waiting after the called party: +%v, want +20s", got)
	}
	if got := f.Line[6].At.Sub(t0); got != 270*time.Second {
		t.Errorf("last of six on one desk: +%v, want +270s", got)
	}
	// Tickets still to come queue behind the line, inside their window.
	s = morning(t0)
	s.Coming = []Booked{{Ticket: "b1", Party: 2, Start: t0.Add(20 * time.Minute), End: t0.Add(35 * time.Minute)}}
	f, _ = Forecast(s, 120, p)
	if c := f.Coming[0]; c.At.Before(s.Coming[0].Start) || c.At.After(s.Coming[0].End) || c.Wait != 0 {
		t.Errorf("coming ticket at %v waiting %v, want inside its window, no wait", c.At, c.Wait)
	}
	// With spread the median stays near the fixed forecast and the
	// band widens around it.
	p.ServiceCV = 0.5
	p.Runs = 400
	f, _ = Forecast(morning(t0), 120, p)
	last := f.Line[5]
	if d := last.At.Sub(t0); d < 70*time.Second || d > 130*time.Second || !last.Early.Before(last.At) || !last.Late.After(last.At) {
		t.Errorf("with spread: last turn +%v in [%v, %v], want about +100s inside a band", d, last.Early.Sub(t0), last.Late.Sub(t0))
	}
}
