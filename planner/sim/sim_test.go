package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"natq/planner/planfile"
)

var day0 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// oneSite is a day of one site with one window of n people, one-person
// parties and no walking.
func oneSite(desks, markers, n int, rate float64, length time.Duration) *Day {
	start := day0.Add(7 * time.Hour)
	v := &Variant{Name: "dry", Sites: []Site{{ID: "s1", Name: "test", Desks: desks, Markers: markers}},
		Windows: []Window{{Index: 0, Site: "s1", Start: start, End: start.Add(length), Capacity: n,
			Groups: []Group{{Building: "b1", People: n}}}},
		Walk: map[string]time.Duration{"b1|": 0}, Home: map[string]string{"b1": "s1"}}
	return &Day{Compound: "t", TZ: time.UTC, Date: day0, Rate: rate, WalkSpeed: 1.2, Variants: []*Variant{v},
		Buildings: map[string]Building{"b1": {Residents: n, Households: n}}}
}

// quiet are parameters with nothing but the arrivals and the service
// drawn: everyone comes, alone, inside the window, walking no time.
func quiet() Params {
	return Params{Seed: 1, Runs: 1, PartyMean: 1, PartyMax: 1, Early: 10, Grace: 15}
}

// erlangC is the M/M/c mean wait in line: arrival rate lambda, service
// rate mu per server, c servers.
func erlangC(lambda, mu float64, c int) float64 {
	a := lambda / mu
	term, sum := 1.0, 0.0
	for k := 0; k < c; k++ {
		sum += term
		term *= a / float64(k+1)
	}
	top := term * float64(c) / (float64(c) - a) // a^c/c! * c/(c-a)
	return top / (sum + top) / (float64(c)*mu - lambda)
}

// TestSimulateMMc: Poisson arrivals (a fixed number at uniform times is a
// Poisson process given its count) and exponential service at three
// desks; the mean wait over many runs must match Erlang C within the
// runs' 99% confidence interval.
func TestSimulateMMc(t *testing.T) {
	const c, rate, rho, hours, warm = 3, 20.0, 0.8, 150, 10
	lambda := rho * c * rate / 3600 // per second
	mu := rate / 3600
	n := int(lambda * hours * 3600)
	d := oneSite(c, 1<<30, n, rate, hours*time.Hour)
	p := quiet()
	p.ServiceCV = 1
	want := erlangC(lambda, mu, c)
	var means []float64
	for seed := int64(1); seed <= 40; seed++ {
		r, err := RunOnce(d, "dry", p, seed)
		if err != nil {
			t.Fatal(err)
		}
		from := d.Variants[0].Windows[0].Start.Add(warm * time.Hour)
		to := d.Variants[0].Windows[0].End
		sum, k := 0.0, 0
		for _, o := range r.Outcomes() {
			if o.CheckIn.After(from) && o.CheckIn.Before(to) {
				sum += o.Wait.Seconds()
				k++
			}
		}
		means = append(means, sum/float64(k))
	}
	m, sd := meanSD(means)
	half := 2.704 * sd / math.Sqrt(float64(len(means))) // t(0.995, 39)
	t.Logf("M/M/%d at rho %.1f: simulated mean wait %.1f s +- %.1f (99%%), Erlang C %.1f s", c, rho, m, half, want)
	if math.Abs(m-want) > half {
		t.Errorf("mean wait %.1f s +- %.1f, Erlang C says %.1f s", m, half, want)
	}
	// And the same machinery with slower desks must wait longer: the
	// test can tell a wrong model.
	p.Rate = rate * 0.9
	r, _ := RunOnce(d, "dry", p, 1)
	slow, outs := 0.0, r.Outcomes()
	for _, o := range outs {
		slow += o.Wait.Seconds() / float64(len(outs))
	}
	if slow < want+3*half {
		t.Errorf("desks 10%% slower wait %.1f s, not clearly more than %.1f s", slow, want)
	}
}

func meanSD(xs []float64) (m, sd float64) {
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	for _, x := range xs {
		sd += (x - m) * (x - m)
	}
	return m, math.Sqrt(sd / float64(len(xs)-1))
}

// TestSimulateDeterministic: arrivals exactly at the desks' rate and a
// fixed sample time give no wait at all; one arrival more than the rate
// does make a wait.
func TestSimulateDeterministic(t *testing.T) {
	for _, desks := range []int{1, 2, 5} {
		n := desks * 120 // one hour at 120 a desk an hour
		d := oneSite(desks, 1000, n, 120, time.Hour)
		p := quiet()
		p.Even = true
		rep, err := Simulate(d, p, WhatIfs{})
		if err != nil {
			t.Fatal(err)
		}
		s := rep.Scenarios[0].Sites[0]
		if s.WaitMax.Max != 0 || s.People.Mean != float64(n) {
			t.Errorf("%d desks, even arrivals at the rate: max wait %v min for %v people, want 0 for %d", desks, s.WaitMax.Max, s.People.Mean, n)
		}
		if s.MaxLine.Max != float64(desks) {
			t.Errorf("%d desks: line reached %v, want the people at the desks and nobody waiting", desks, s.MaxLine.Max)
		}
		d = oneSite(desks, 1000, n+desks*12, 120, time.Hour) // 10% more than the desks take
		rep, _ = Simulate(d, p, WhatIfs{})
		if s := rep.Scenarios[0].Sites[0]; s.WaitMax.Max < 4 {
			t.Errorf("%d desks, arrivals 10%% over the rate: max wait %.1f min, want about 5", desks, s.WaitMax.Max)
		}
	}
}

// TestSimulateLineGuard: a burst into a short line is held at the
// building: the line never holds more than its markers, the demand
// does, and the report says for how long and by how much.
func TestSimulateLineGuard(t *testing.T) {
	d := oneSite(2, 20, 200, 120, 5*time.Minute) // 200 people in 5 minutes, 20 markers
	p := quiet()
	p.Runs = 3
	rep, err := Simulate(d, p, WhatIfs{})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Scenarios[0].Sites[0]
	if s.MaxLine.Max > 20 {
		t.Errorf("line held %v people, markers 20", s.MaxLine.Max)
	}
	if s.MaxDemand.Min <= 20 || s.OverMinutes.Min <= 0 || s.OverBy.Min <= 0 {
		t.Errorf("demand %v, %v minutes over, by %v: want the burst shown over the markers", s.MaxDemand, s.OverMinutes, s.OverBy)
	}
	if s.HeldMax.Min <= 0 || s.HeldMax.Max > 60 {
		t.Errorf("held at the building up to %v min, want some, under the hour the burst takes", s.HeldMax)
	}
	if s.TurnedBack.Min <= 0 || s.People.Mean != 200 {
		t.Errorf("turned back %v, sampled %v: want people held and everyone sampled in the end", s.TurnedBack, s.People)
	}
	if s.Series == nil || len(s.Series.MaxLine) == 0 {
		t.Fatal("no series")
	}
	for i, x := range s.Series.MaxLine {
		if x > 20 {
			t.Fatalf("minute %d: line %d over its 20 markers", i, x)
		}
	}
}

func contestDay(t testing.TB) *Day { return readDay(t, "../testdata/golden/contest.plan.geojson") }

// readDay reads the plan file at path.
func readDay(t testing.TB, path string) *Day {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := ReadPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSimulateContest: when residents keep to their windows the contest
// compound's lines stay within their markers in both variants; a 30% late
// share is reported against that base, site by site.
func TestSimulateContest(t *testing.T) {
	d := contestDay(t)
	if len(d.Variants) != 2 || len(d.Variants[0].Sites) != 6 {
		t.Fatalf("read %d variants, %d sites", len(d.Variants), len(d.Variants[0].Sites))
	}
	p := DefaultParams()
	p.Runs = 5
	p.EarlyShare, p.LateShare, p.WalkinShare = 0, 0, 0
	late := 0.3
	rep, err := Simulate(d, p, WhatIfs{LateShare: &late})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Scenarios) != 3 {
		t.Fatalf("%d scenarios, want dry, wet, late share", len(rep.Scenarios))
	}
	for _, sc := range rep.Scenarios[:2] {
		for _, s := range sc.Sites {
			if s.MaxDemand.Max > float64(s.Markers) || s.TurnedBack.Max > 0 || s.OverMinutes.Max > 0 {
				t.Errorf("%s %s: demand up to %v (markers %d), %v turned back, %v min over: keeping to windows should fit",
					sc.Name, s.Site, s.MaxDemand.Max, s.Markers, s.TurnedBack.Max, s.OverMinutes.Max)
			}
			if s.WaitMax.Max > 20 {
				t.Errorf("%s %s: a wait of %.0f min, over the 20 min cap", sc.Name, s.Site, s.WaitMax.Max)
			}
		}
	}
	lateSc := rep.Scenarios[2]
	if lateSc.Base != "dry" || lateSc.Name != "late share 0.3" {
		t.Errorf("what-if %q against %q", lateSc.Name, lateSc.Base)
	}
	for _, s := range lateSc.Sites {
		over := s.MaxDemand.Max > float64(s.Markers)
		if over != (s.OverMinutes.Max > 0) || over != (s.TurnedBack.Max > 0) {
			t.Errorf("late %s: demand %v against %d markers, but %v min over and %v turned back", s.Site, s.MaxDemand.Max, s.Markers, s.OverMinutes.Max, s.TurnedBack.Max)
		}
		t.Logf("late share 0.3, %s: demand up to %.0f of %d markers, %.1f min over, wait p95 %.1f min", s.Site, s.MaxDemand.Max, s.Markers, s.OverMinutes.Mean, s.WaitP95.Mean)
	}
	var b bytes.Buffer
	if err := WriteText(&b, rep, d.Rate); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"== dry ==", "== wet ==", "== late share 0.3 ==", "against dry:", "one sample takes 30 s"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text report lacks %q", want)
		}
	}
}

// TestSimulateAllDesksDown: c1's s1 losing both its desks at 07:10 for
// good leaves people in its line and at their buildings who are never
// sampled; the report counts them and says so, rather than showing the
// short waits of those sampled before.
func TestSimulateAllDesksDown(t *testing.T) {
	c1 := readDay(t, "../../queue/testdata/c1.plan.geojson")
	p := DefaultParams()
	p.Runs = 3
	rep, err := Simulate(c1, p, WhatIfs{DesksDown: []DesksDown{{Site: "s1", N: 2, At: time.Date(2026, 12, 1, 7, 10, 0, 0, c1.TZ)}}})
	if err != nil {
		t.Fatal(err)
	}
	down, base := site(rep.Scenarios[len(rep.Scenarios)-1], "s1"), site(rep.Scenarios[0], "s1")
	if down.Unsampled.Min == 0 || base.Unsampled.Max != 0 {
		t.Fatalf("s1 never sampled: %v with its desks gone, %v on the day as planned; want some, and none", down.Unsampled, base.Unsampled)
	}
	if got := down.People.Mean + down.Unsampled.Mean; math.Abs(got-base.People.Mean) > 0.2*base.People.Mean {
		t.Errorf("s1 sampled %.0f and never sampled %.0f; want them to add up to about the %.0f of its day as planned",
			down.People.Mean, down.Unsampled.Mean, base.People.Mean)
	}
	var b bytes.Buffer
	if err := WriteText(&b, rep, c1.Rate); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "people were never sampled") {
		t.Errorf("the text report does not say people were never sampled:\n%s", b.String())
	}
}

// TestSimulateDesksDown: losing one of s2's two desks at 08:30 makes its
// line and waits grow against the base run.
func TestSimulateDesksDown(t *testing.T) {
	d := contestDay(t)
	p := DefaultParams()
	p.Runs = 3
	at := time.Date(2026, 12, 1, 8, 30, 0, 0, d.TZ)
	rep, err := Simulate(d, p, WhatIfs{DesksDown: []DesksDown{{Site: "s2", N: 1, At: at}}})
	if err != nil {
		t.Fatal(err)
	}
	base, wi := site(rep.Scenarios[0], "s2"), site(rep.Scenarios[2], "s2")
	if wi.WaitP95.Mean < base.WaitP95.Mean+20 || wi.MaxLine.Mean < 2*base.MaxLine.Mean {
		t.Errorf("s2 one desk down: wait p95 %.1f -> %.1f, line %.0f -> %.0f: want both far up", base.WaitP95.Mean, wi.WaitP95.Mean, base.MaxLine.Mean, wi.MaxLine.Mean)
	}
	if other, b := site(rep.Scenarios[2], "s1"), site(rep.Scenarios[0], "s1"); other.WaitP95 != b.WaitP95 {
		t.Errorf("s1 changed (%v -> %v) when s2 lost a desk", b.WaitP95, other.WaitP95)
	}
	// The report says s2 had one desk from 08:30, not the two it began
	// with all day; s1's row is as it was.
	if want := []SiteChange{{At: at, Desks: 1, Markers: wi.Markers}}; len(wi.Changes) != 1 || !wi.Changes[0].At.Equal(at) ||
		wi.Changes[0].Desks != 1 || wi.Changes[0].Markers != wi.Markers || wi.Desks != 2 {
		t.Errorf("s2's desks = %d, changes %+v; want 2, then %+v", wi.Desks, wi.Changes, want)
	}
	if wi.Unsampled.Max != 0 {
		t.Errorf("s2 with one desk left: %v never sampled; want none", wi.Unsampled)
	}
	if c := site(rep.Scenarios[2], "s1").Changes; len(c) != 0 {
		t.Errorf("s1's changes = %+v; want none", c)
	}
	var b bytes.Buffer
	if err := WriteText(&b, rep, d.Rate); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "2, 1 from 08:30") {
		t.Errorf("the text report does not say s2 had 1 desk from 08:30:\n%s", b.String())
	}
	// So does its chart, at the moment; the base run's marks nothing.
	b.Reset()
	if err := WriteSVG(&b, rep.Scenarios[2], wi); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), ">08:30: 1 desk, 360 markers<") {
		t.Errorf("s2's chart does not mark the desk lost at 08:30:\n%s", b.String())
	}
	b.Reset()
	if err := WriteSVG(&b, rep.Scenarios[0], base); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "desk,") {
		t.Error("the base run's chart marks a change")
	}
}

func site(sc *Scenario, id string) *SiteReport {
	for _, s := range sc.Sites {
		if s.Site == id {
			return s
		}
	}
	return &SiteReport{}
}

// TestSimulateSeed: a seed gives the same report; another seed another.
func TestSimulateSeed(t *testing.T) {
	d := contestDay(t)
	p := DefaultParams()
	p.Runs = 2
	js := func(p Params) string {
		rep, err := Simulate(d, p, WhatIfs{})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(rep)
		return string(b)
	}
	a, b := js(p), js(p)
	if a != b {
		t.Error("the same seed gave two reports")
	}
	p.Seed = 7
	if js(p) == a {
		t.Error("another seed gave the same report")
	}
}

func TestSimulateBadParams(t *testing.T) {
	d := oneSite(1, 10, 10, 120, time.Hour)
	for _, tc := range []struct {
		name string
		set  func(*Params)
		w    WhatIfs
		want string
	}{
		{"late share", func(p *Params) { p.LateShare = 1.5 }, WhatIfs{}, "late share 1.5"},
		{"early and late", func(p *Params) { p.EarlyShare, p.LateShare = 0.6, 0.6 }, WhatIfs{}, "add up to more than 1"},
		{"runs", func(p *Params) { p.Runs = 0 }, WhatIfs{}, "runs 0"},
		{"desk site", func(*Params) {}, WhatIfs{DesksDown: []DesksDown{{Site: "zz", N: 1, At: day0}}}, `no site "zz"`},
		{"rain without wet", func(*Params) {}, WhatIfs{RainAt: day0.Add(9 * time.Hour)}, "dry and a wet variant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			tc.set(&p)
			_, err := Simulate(d, p, tc.w)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	p := DefaultParams()
	p.RainAt = day0.Add(9 * time.Hour)
	if _, err := RunOnce(d, "dry", p, 1); err == nil || !strings.Contains(err.Error(), "no wet variant") {
		t.Errorf("RunOnce with rain on a dry-only plan: %v", err)
	}
}

func TestSimulateReadPlanErrors(t *testing.T) {
	// The plan file's own checks are planfile's (and tested there); these
	// are what the simulator needs beyond a valid plan.
	const head = `{"type":"FeatureCollection","natq:compound":{"id":"c1"},`
	for _, tc := range []struct{ in, want string }{
		{`[]`, "plan file"},
		{`{"type":"Feature"}`, `type is "Feature"`},
		{head + `"natq:params":{"date":"2026-12-01","tz":"Asia/Shanghai","rate":120,"spacing":1}}`, "no windows"},
		{head + `"natq:params":{"date":"2026-12-01","tz":"Asia/Shanghai","rate":120,"spacing":1},"natq:schedule":[{"variant":"dry","site":"s1","start":"x","end":"y","capacity":3}]}`, `"natq:schedule"[0]`},
	} {
		_, err := ReadPlan(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadPlan(%s) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
	noRate := &planfile.File{Schedule: []planfile.Window{{Variant: "dry", Site: "s1", Capacity: 3}}}
	if _, err := FromFile(noRate); err == nil || !strings.Contains(err.Error(), "rate") {
		t.Errorf("FromFile(a plan with no rate) = %v, want an error saying %q", err, "rate")
	}
}

// BenchmarkSimulateContest is the contest compound's day, both variants,
// 100 runs each, per op.
func BenchmarkSimulateContest(b *testing.B) {
	d := contestDay(b)
	p := DefaultParams()
	p.Runs = 100
	for b.Loop() {
		if _, err := Simulate(d, p, WhatIfs{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSimulateRain: at 09:40 the tickets not yet sampled follow to the wet
// variant by the queue's rule; everyone who checks in after that holds a
// wet window, and the day loses nobody.
func TestSimulateRain(t *testing.T) {
	d := contestDay(t)
	p := DefaultParams()
	p.RainAt = time.Date(2026, 12, 1, 9, 40, 0, 0, d.TZ)
	r, err := RunOnce(d, "dry", p, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Refused != "" || r.Moved == 0 {
		t.Fatalf("switch refused %q, moved %d", r.Refused, r.Moved)
	}
	wet := map[int]bool{}
	for _, w := range d.Variant("wet").Windows {
		wet[w.Index] = true
	}
	base, _ := RunOnce(d, "dry", DefaultParams(), 3)
	people := func(r *Run) (n int) {
		for _, o := range r.Outcomes() {
			n += o.Size
		}
		return n
	}
	for _, o := range r.Outcomes() {
		if o.Window >= 0 && o.CheckIn.After(p.RainAt) && !wet[o.Window] {
			t.Fatalf("a party checked in at %s with dry window %d, after the switch", o.CheckIn.Format("15:04"), o.Window)
		}
	}
	if a, b := people(r), people(base); a != b {
		t.Errorf("rain day sampled %d people, the dry day %d: want the same people", a, b)
	}
	t.Logf("rain at 09:40: %d tickets moved, %d to another time", r.Moved, r.Retimed)
	// The report's rows say each site's wet desks and markers from 09:40.
	p.Runs = 2
	rep, err := Simulate(d, p, WhatIfs{RainAt: p.RainAt})
	if err != nil {
		t.Fatal(err)
	}
	var sc *Scenario
	for _, x := range rep.Scenarios {
		if strings.HasPrefix(x.Name, "rain") {
			sc = x
		}
	}
	if sc == nil {
		t.Fatal("no rain scenario in the report")
	}
	wetDesks := map[string]int{}
	for _, s := range d.Variant("wet").Sites {
		wetDesks[s.ID] = s.Desks
	}
	for _, s := range sc.Sites {
		want := wetDesks[s.Site]
		got := s.Desks
		if len(s.Changes) > 0 {
			got = s.Changes[len(s.Changes)-1].Desks
			if !s.Changes[0].At.Equal(p.RainAt) {
				t.Errorf("%s changed at %v, want at the switch", s.Site, s.Changes[0].At)
			}
		}
		if got != want {
			t.Errorf("%s after the switch: %d desks (changes %+v), want the wet variant's %d", s.Site, got, s.Changes, want)
		}
	}
}

// TestSimulateRainKeepsLines: the rain switch keeps people in line, as
// the queue does (switch.lua). On the contest day every site stays in the
// rain: those in line at 09:40 are sampled after it with the check-in
// time they had. On c1 (the queue's fixture) s1 has no wet window: its
// line at 07:10 walks to s2 and is sampled there, its check-in times
// kept, so that it goes before those who checked in at s2 after it; and
// nobody is lost either day.
func TestSimulateRainKeepsLines(t *testing.T) {
	people := func(r *Run) (n int) {
		for _, o := range r.Outcomes() {
			n += o.Size
		}
		return n
	}
	d := contestDay(t)
	p := DefaultParams()
	p.RainAt = time.Date(2026, 12, 1, 9, 40, 0, 0, d.TZ)
	r, err := RunOnce(d, "dry", p, 3)
	if err != nil || r.Refused != "" {
		t.Fatalf("RunOnce: %v, refused %q", err, r.Refused)
	}
	across := 0
	for _, o := range r.Outcomes() {
		if o.CheckIn.Before(p.RainAt) && o.CheckIn.Add(o.Wait).After(p.RainAt) {
			across += o.Size
		}
	}
	if across == 0 {
		t.Error("nobody in line at 09:40 was sampled after it with their check-in time: the switch sent the lines home")
	}
	base, _ := RunOnce(d, "dry", DefaultParams(), 3)
	if a, b := people(r), people(base); a != b {
		t.Errorf("rain day sampled %d people, the dry day %d", a, b)
	}

	c1 := readDay(t, "../../queue/testdata/c1.plan.geojson")
	// Desks at a third of the plan's rate, so that s1 has a line.
	slow := DefaultParams()
	slow.Rate = 30
	p = slow
	p.RainAt = time.Date(2026, 12, 1, 7, 10, 0, 0, c1.TZ)
	r, err = RunOnce(c1, "dry", p, 1)
	if err != nil || r.Refused != "" {
		t.Fatalf("RunOnce(c1): %v, refused %q", err, r.Refused)
	}
	carried := 0
	for _, o := range r.Outcomes() {
		if o.Site == "s1" && o.CheckIn.Add(o.Wait).After(p.RainAt) {
			t.Errorf("a party sampled at s1 at %s, after s1 closed in the rain", o.CheckIn.Add(o.Wait).Format("15:04:05"))
		}
		if o.Site == "s2" && o.CheckIn.Before(p.RainAt) && o.CheckIn.Add(o.Wait).After(p.RainAt) {
			carried += o.Size
		}
	}
	if carried == 0 {
		t.Error("nobody in line at 07:10 was sampled at s2 with their check-in time")
	}
	// Served in check-in order at s2 after the switch: a party that
	// checked in earlier reaches a desk no later than one after it (one
	// desk at a time may finish first, so by when each reached a desk).
	type served struct{ in, at time.Time }
	var s2 []served
	for _, o := range r.Outcomes() {
		if o.Site == "s2" && o.CheckIn.Add(o.Wait).After(p.RainAt) {
			s2 = append(s2, served{o.CheckIn, o.CheckIn.Add(o.Wait)})
		}
	}
	for i := range s2 {
		for j := range s2 {
			if s2[i].in.Before(s2[j].in) && s2[i].at.After(s2[j].at) && s2[j].at.After(p.RainAt) && s2[i].in.Before(p.RainAt) && !s2[j].in.Before(p.RainAt) {
				t.Fatalf("at s2 a party checked in at %s reached a desk at %s, after one that checked in at %s (%s)",
					s2[i].in.Format("15:04:05"), s2[i].at.Format("15:04:05"), s2[j].in.Format("15:04:05"), s2[j].at.Format("15:04:05"))
			}
		}
	}
	base, _ = RunOnce(c1, "dry", slow, 1)
	if a, b := people(r), people(base); a != b {
		t.Errorf("c1's rain day sampled %d people, its dry day %d", a, b)
	}
	t.Logf("contest: %d people in line at 09:40 kept their place; c1: %d carried from s1 to s2, %d tickets moved", across, carried, r.Moved)
	// Rain at 07:20, people at s1's desks: they finish there, and s1,
	// whose markers the wet plan takes away, is not over them; w1's chart
	// says its markers from then.
	q := DefaultParams()
	q.Runs = 5
	rep, err := Simulate(c1, q, WhatIfs{RainAt: time.Date(2026, 12, 1, 7, 20, 0, 0, c1.TZ)})
	if err != nil {
		t.Fatal(err)
	}
	rain := rep.Scenarios[len(rep.Scenarios)-1]
	if s1 := site(rain, "s1"); s1.OverMinutes.Max > 0 {
		t.Errorf("s1 over its markers %v min after the switch closed it; want never", s1.OverMinutes)
	}
	var svg bytes.Buffer
	if err := WriteSVG(&svg, rain, site(rain, "w1")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(svg.String(), "markers (one-metre capacity, 0, 45 from 07:20)") {
		t.Errorf("w1's chart legend does not say its markers from 07:20:\n%s", svg.String())
	}
	// Rain in the night, before the model's day: the switch at its start,
	// every ticket moved, no panic (it indexed minute -60).
	p = DefaultParams()
	p.RainAt = time.Date(2026, 12, 1, 4, 0, 0, 0, c1.TZ)
	night, err := RunOnce(c1, "dry", p, 1)
	if err != nil || night.Refused != "" || night.Moved == 0 {
		t.Fatalf("rain at 04:00: %v, refused %q, %d moved", err, night.Refused, night.Moved)
	}
	for _, o := range night.Outcomes() {
		if o.Site == "s1" {
			t.Fatalf("rain at 04:00 sampled a party at s1, which the wet plan has not")
		}
	}
}

// TestSimulateRainRefusedOnce: rain at 09:30 on c1, when its wet windows
// left cannot hold the tickets, is refused in most runs: the report says
// so in one line with the count, not one line a run.
func TestSimulateRainRefusedOnce(t *testing.T) {
	c1 := readDay(t, "../../queue/testdata/c1.plan.geojson")
	p := DefaultParams()
	rep, err := Simulate(c1, p, WhatIfs{RainAt: time.Date(2026, 12, 1, 9, 30, 0, 0, c1.TZ)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteText(&b, rep, c1.Rate); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "the queue would refuse the switch"); n != 1 || !strings.Contains(b.String(), fmt.Sprintf("of %d runs, which stayed dry", p.Runs)) {
		t.Errorf("the report says the switch is refused %d times, want once with the count of runs:\n%s", n, b.String())
	}
}
