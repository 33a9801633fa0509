package sim

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// WhatIfs are the changes to compare with the base run; each is run on
// its own, from the first variant of the plan (dry when there is one).
type WhatIfs struct {
	RainAt    time.Time   // switch to the wet variant then
	DesksDown []DesksDown // desks lost
	LateShare *float64    // a late share other than the parameters'
}

// Report is a simulation's result: one scenario per variant, then one per
// what-if, each with the base it is compared with.
type Report struct {
	Compound  string      `json:"compound"`
	Params    Params      `json:"params"`
	DesksDown []string    `json:"desks_down,omitempty"`
	Scenarios []*Scenario `json:"scenarios"`
}

// Scenario is the day played one way, Runs times.
type Scenario struct {
	Name    string          `json:"name"`
	Variant string          `json:"variant"`          // the variant the day starts on
	Base    string          `json:"base,omitempty"`   // the scenario it is compared with
	Switch  *SwitchReport   `json:"switch,omitempty"` // what the rain switch did
	Sites   []*SiteReport   `json:"sites"`
	Windows []*WindowReport `json:"windows"`
}

// SwitchReport is what the rain switch did over the runs.
type SwitchReport struct {
	At      time.Time `json:"at"`
	Moved   Stat      `json:"moved"`             // tickets moved to the wet variant
	Retimed Stat      `json:"retimed"`           // ... of them to a window at another time
	Refused []string  `json:"refused,omitempty"` // why the queue would refuse it, in runs where it would
}

// Stat is one figure over the runs: mean, least and greatest.
type Stat struct {
	Mean float64 `json:"mean"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
}

func stat(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{}
	}
	s := Stat{Min: math.Inf(1), Max: math.Inf(-1)}
	for _, x := range xs {
		s.Mean += x
		s.Min = min(s.Min, x)
		s.Max = max(s.Max, x)
	}
	s.Mean /= float64(len(xs))
	return s
}

// SiteReport is one site of a scenario. Waits are in minutes; the line is
// what the queue counts against the markers (people checked in or
// called); the demand adds those the line guard holds at their buildings,
// the line there would have been without it.
type SiteReport struct {
	Site    string `json:"site"`
	Name    string `json:"name"`
	Desks   int    `json:"desks"`   // at the start of the day
	Markers int    `json:"markers"` // at the start of the day
	// Changes are the desks and markers from a time on, when a what-if
	// changed them (desks lost, the rain switch), in order.
	Changes     []SiteChange `json:"changes,omitempty"`
	People      Stat         `json:"people"` // sampled
	MaxLine     Stat         `json:"max_line"`
	MaxDemand   Stat         `json:"max_demand"`
	OverBy      Stat         `json:"over_by"`      // most people beyond the markers
	OverMinutes Stat         `json:"over_minutes"` // minutes the demand was over the markers
	OverShare   Stat         `json:"over_share"`   // ... as a share of the site's open windows
	WaitP50     Stat         `json:"wait_p50_min"` // people-weighted
	WaitP95     Stat         `json:"wait_p95_min"`
	WaitMax     Stat         `json:"wait_max_min"`
	Over20      Stat         `json:"over_20min"` // share of people waiting over 20 minutes
	Over30      Stat         `json:"over_30min"`
	Utilisation Stat         `json:"utilisation"`  // desk time sampling over desk time open
	LastSampled Stat         `json:"last_sampled"` // minutes after midnight, local time
	TurnedBack  Stat         `json:"turned_back"`  // people the line guard held at least once
	HeldP95     Stat         `json:"held_p95_min"` // of them, the time from first turned back to checking in
	HeldMax     Stat         `json:"held_max_min"`
	TooEarly    Stat         `json:"too_early"` // people who waited aside for check-in to open
	TooLate     Stat         `json:"too_late"`  // people past the grace, booked again on the spot
	// Unsampled are the people who came, or were to come, and were never
	// sampled by the day's end: a what-if took the site's last desks.
	// Their waits are in no other figure.
	Unsampled Stat    `json:"unsampled"`
	Series    *Series `json:"series"`
}

// Series is a site's line minute by minute over the runs.
type Series struct {
	Start     time.Time `json:"start"` // the first minute
	MeanLine  []float64 `json:"mean_line"`
	MaxLine   []int32   `json:"max_line"`
	MaxDemand []int32   `json:"max_demand"`
	Markers   []markAt  `json:"markers"` // t: minutes after Start
}

// WindowReport is one window of a scenario: the people sampled who held
// it, their waits, the site's line during it.
type WindowReport struct {
	Index      int       `json:"index"`
	Site       string    `json:"site"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Capacity   int       `json:"capacity"`
	Booked     int       `json:"booked"` // people the plan calls
	People     Stat      `json:"people"`
	WaitP50    Stat      `json:"wait_p50_min"`
	WaitP95    Stat      `json:"wait_p95_min"`
	WaitMax    Stat      `json:"wait_max_min"`
	MaxLine    Stat      `json:"max_line"`
	TurnedBack Stat      `json:"turned_back"`
}

// Simulate plays the day Runs times per variant and per what-if.
func Simulate(d *Day, p Params, w WhatIfs) (*Report, error) {
	rep := &Report{Compound: d.Compound, Params: p}
	if len(d.Variants) == 0 {
		return nil, fmt.Errorf("sim: the plan has no variants")
	}
	// What-ifs come only through w: the base runs are the plan as it is.
	p.RainAt, p.DesksDown = time.Time{}, nil
	if p.Rate == 0 {
		p.Rate = d.Rate // the report states the rate it ran with
	}
	rep.Params = p
	for _, v := range d.Variants {
		sc, err := scenario(d, v.Name, v.Name, "", p)
		if err != nil {
			return nil, err
		}
		rep.Scenarios = append(rep.Scenarios, sc)
	}
	first := d.Variants[0].Name
	if !w.RainAt.IsZero() {
		if first != "dry" || d.Variant("wet") == nil {
			return nil, fmt.Errorf("sim: a rain switch needs a plan with a dry and a wet variant")
		}
		q := p
		q.RainAt = w.RainAt
		sc, err := scenario(d, "rain at "+w.RainAt.In(loc(d)).Format("15:04"), "dry", "dry", q)
		if err != nil {
			return nil, err
		}
		rep.Scenarios = append(rep.Scenarios, sc)
	}
	if len(w.DesksDown) > 0 {
		q := p
		q.DesksDown = w.DesksDown
		name := "desks down"
		var sites []string
		for _, dd := range w.DesksDown {
			name += " " + dd.In(loc(d)).String()
			rep.DesksDown = append(rep.DesksDown, dd.In(loc(d)).String())
			sites = append(sites, dd.Site)
		}
		// On the weather plan that has every site named (a wet-only site's
		// desks are lost on the wet day); with a rain switch asked for too,
		// also on the day that switches, where desks of either plan may go.
		for _, id := range sites {
			if variantWith(d, []string{id}) == "" {
				return nil, fmt.Errorf("sim: desks down: the plan has no site %q", id)
			}
		}
		v := variantWith(d, sites)
		if v == "" && w.RainAt.IsZero() {
			return nil, fmt.Errorf("sim: desks down at %s: no one weather plan has all these sites; ask for them apart, or with a rain switch", strings.Join(sites, ", "))
		}
		if v != "" {
			sc, err := scenario(d, name, v, v, q)
			if err != nil {
				return nil, err
			}
			rep.Scenarios = append(rep.Scenarios, sc)
		}
		if !w.RainAt.IsZero() {
			q.RainAt = w.RainAt
			sc, err := scenario(d, "rain at "+w.RainAt.In(loc(d)).Format("15:04")+", "+name, "dry", "dry", q)
			if err != nil {
				return nil, err
			}
			rep.Scenarios = append(rep.Scenarios, sc)
		}
	}
	if w.LateShare != nil {
		q := p
		q.LateShare = *w.LateShare
		sc, err := scenario(d, fmt.Sprintf("late share %g", *w.LateShare), first, first, q)
		if err != nil {
			return nil, err
		}
		rep.Scenarios = append(rep.Scenarios, sc)
	}
	return rep, nil
}

// In is d with its times in loc, for printing.
func (d DesksDown) In(l *time.Location) DesksDown {
	d.At = d.At.In(l)
	if !d.Until.IsZero() {
		d.Until = d.Until.In(l)
	}
	return d
}

func loc(d *Day) *time.Location {
	if d.TZ != nil {
		return d.TZ
	}
	return time.UTC
}

// scenario runs one scenario p.Runs times and sums it up.
func scenario(d *Day, name, start, base string, p Params) (*Scenario, error) {
	pr, err := newPrep(d, start, p)
	if err != nil {
		return nil, err
	}
	// Runs are independent (the prep is only read): spread them over the
	// processors; run i is seeded Seed+i wherever it runs.
	runs := make([]*Run, p.Runs)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), p.Runs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(runs); i = int(next.Add(1) - 1) {
				runs[i] = pr.run(p.Seed + int64(i))
				runs[i].parties = nil // only a single run's log needs them
			}
		}()
	}
	wg.Wait()
	return summarise(pr, name, start, base, runs), nil
}

// RunOnce plays the day once from variant start with the given seed and
// returns every sampled party (for tests and calibration).
func RunOnce(d *Day, start string, p Params, seed int64) (*Run, error) {
	p.Runs = 1
	pr, err := newPrep(d, start, p)
	if err != nil {
		return nil, err
	}
	return pr.run(seed), nil
}

type wrec struct {
	wait float64 // minutes
	size int
}

// percentiles gives the people-weighted P50, P95 and max of waits, and the
// shares over 20 and 30 minutes.
func percentiles(ws []wrec) (p50, p95, mx, o20, o30 float64) {
	if len(ws) == 0 {
		return
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].wait < ws[j].wait })
	total := 0
	for _, w := range ws {
		total += w.size
		if w.wait > 20 {
			o20 += float64(w.size)
		}
		if w.wait > 30 {
			o30 += float64(w.size)
		}
	}
	at := func(q float64) float64 {
		need, c := q*float64(total), 0
		for _, w := range ws {
			c += w.size
			if float64(c) >= need {
				return w.wait
			}
		}
		return ws[len(ws)-1].wait
	}
	return at(0.5), at(0.95), ws[len(ws)-1].wait, o20 / float64(total), o30 / float64(total)
}

func summarise(pr *prep, name, start, base string, runs []*Run) *Scenario {
	sc := &Scenario{Name: name, Variant: start, Base: base}
	l := pr.loc()
	if pr.wet != nil {
		sw := &SwitchReport{At: pr.at(pr.rainT).In(l)}
		var moved, retimed []float64
		for _, r := range runs {
			if r.Refused != "" {
				sw.Refused = append(sw.Refused, fmt.Sprintf("seed %d: %s", r.Seed, r.Refused))
				continue
			}
			moved, retimed = append(moved, float64(r.Moved)), append(retimed, float64(r.Retimed))
		}
		sw.Moved, sw.Retimed = stat(moved), stat(retimed)
		sc.Switch = sw
	}
	n := len(pr.sites)
	type acc struct{ f [20][]float64 }
	accs := make([]acc, n)
	for _, r := range runs {
		bySite, heldBy := make([][]wrec, n), make([][]wrec, n)
		for _, o := range r.outs {
			bySite[o.site] = append(bySite[o.site], wrec{o.wait / 60, int(o.size)})
			if o.held > 0 {
				heldBy[o.site] = append(heldBy[o.site], wrec{o.held / 60, int(o.size)})
			}
		}
		for si, s := range r.sites {
			p50, p95, mx, o20, o30 := percentiles(bySite[si])
			_, h95, hmx, _, _ := percentiles(heldBy[si])
			open := 0.0
			for k, sg := range s.segs {
				end := r.end
				if k+1 < len(s.segs) {
					end = s.segs[k+1].t
				}
				for _, iv := range sg.v.open[si] {
					if o := math.Min(end, iv[1]) - math.Max(sg.t, iv[0]); o > 0 {
						open += o
					}
				}
			}
			util, share := 0.0, 0.0
			if s.staffed > 0 {
				util = s.busyInt / s.staffed
			}
			if open > 0 {
				share = s.overT / open
			}
			last := math.NaN()
			if s.sampled > 0 {
				last = pr.at(s.lastSampled).Sub(pr.midnight()).Minutes()
			}
			a := &accs[si]
			for k, x := range []float64{float64(s.sampled), float64(s.maxLine), float64(s.maxDem),
				float64(max(0, s.maxDem-minMarkers(s))), s.overT / 60, share, p50, p95, mx, o20, o30,
				util, last, float64(s.turnedBack), float64(s.tooEarly), float64(s.tooLate), h95, hmx, float64(s.unsampled)} {
				if !math.IsNaN(x) {
					a.f[k] = append(a.f[k], x)
				}
			}
		}
	}
	for si, id := range pr.sites {
		if !pr.usedSite(si) {
			continue
		}
		a := &accs[si]
		sr := &SiteReport{Site: id, Name: pr.names[si], Desks: pr.start.desks[si], Markers: pr.start.markers[si],
			People: stat(a.f[0]), MaxLine: stat(a.f[1]), MaxDemand: stat(a.f[2]), OverBy: stat(a.f[3]),
			OverMinutes: stat(a.f[4]), OverShare: stat(a.f[5]), WaitP50: stat(a.f[6]), WaitP95: stat(a.f[7]),
			WaitMax: stat(a.f[8]), Over20: stat(a.f[9]), Over30: stat(a.f[10]), Utilisation: stat(a.f[11]),
			LastSampled: stat(a.f[12]), TurnedBack: stat(a.f[13]), TooEarly: stat(a.f[14]), TooLate: stat(a.f[15]),
			HeldP95: stat(a.f[16]), HeldMax: stat(a.f[17]), Unsampled: stat(a.f[18])}
		sr.Changes = changes(pr, runs[0].sites[si])
		sr.Series = series(pr, si, runs)
		sc.Sites = append(sc.Sites, sr)
	}
	sc.Windows = windows(pr, runs)
	return sc
}

// midnight is the start of the plan's day, from which clock times count.
func (pr *prep) midnight() time.Time {
	if !pr.day.Date.IsZero() {
		return pr.day.Date
	}
	y, m, d := pr.origin.Add(2 * time.Hour).In(pr.loc()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, pr.loc())
}

// minMarkers is the least line capacity the site had during the run (the
// rain switch may change it).
func minMarkers(s *siteRun) int {
	m := math.MaxInt
	for _, x := range s.markersAt {
		m = min(m, x.Markers)
	}
	return m
}

// usedSite reports whether any variant the scenario may use gives the
// site desks or windows.
func (pr *prep) usedSite(si int) bool {
	for _, v := range []*pvar{pr.start, pr.wet} {
		if v != nil && (v.desks[si] > 0 || len(v.open[si]) > 0) {
			return true
		}
	}
	return false
}

func series(pr *prep, si int, runs []*Run) *Series {
	lo, hi := math.MaxInt, -1
	for _, r := range runs {
		for m, x := range r.sites[si].demMin {
			if x > 0 {
				lo, hi = min(lo, m), max(hi, m)
			}
		}
	}
	if hi < 0 {
		return &Series{Start: pr.origin.In(pr.loc())}
	}
	lo, hi = max(0, lo-10), hi+10
	s := &Series{Start: pr.origin.Add(time.Duration(lo) * time.Minute).In(pr.loc())}
	n := hi - lo + 1
	s.MeanLine, s.MaxLine, s.MaxDemand = make([]float64, n), make([]int32, n), make([]int32, n)
	for _, r := range runs {
		sr := r.sites[si]
		for k := 0; k < n; k++ {
			m := lo + k
			var line, dem int32
			if m < len(sr.lineMin) {
				line, dem = sr.lineMin[m], sr.demMin[m]
			} else if len(sr.lineMin) > 0 {
				line, dem = sr.lastLine, sr.lastDem
			}
			s.MeanLine[k] += float64(line) / float64(len(runs))
			s.MaxLine[k] = max(s.MaxLine[k], line)
			s.MaxDemand[k] = max(s.MaxDemand[k], dem)
		}
	}
	for _, x := range runs[0].sites[si].markersAt {
		s.Markers = append(s.Markers, markAt{T: math.Max(0, x.T/60-float64(lo)), Markers: x.Markers})
	}
	return s
}

func windows(pr *prep, runs []*Run) []*WindowReport {
	type key = int
	var out []*WindowReport
	idx := map[key]*WindowReport{}
	spans := map[key][2]int{} // minutes since origin
	site := map[key]int{}
	add := func(v *pvar) {
		for _, w := range v.v.Windows {
			if _, ok := idx[w.Index]; ok {
				continue
			}
			booked := 0
			for _, g := range w.Groups {
				booked += g.People
			}
			wr := &WindowReport{Index: w.Index, Site: w.Site, Start: w.Start.In(pr.loc()), End: w.End.In(pr.loc()),
				Capacity: w.Capacity, Booked: booked}
			idx[w.Index] = wr
			out = append(out, wr)
			spans[w.Index] = [2]int{int(pr.sec(w.Start) / 60), int(pr.sec(w.End) / 60)}
			site[w.Index] = pr.siteIdx[w.Site]
		}
	}
	add(pr.start)
	if pr.wet != nil {
		add(pr.wet)
	}
	f := map[key]*[6][]float64{}
	for _, wr := range out {
		f[wr.Index] = &[6][]float64{}
	}
	for _, r := range runs {
		by := map[key][]wrec{}
		for _, o := range r.outs {
			if o.window >= 0 {
				by[int(o.window)] = append(by[int(o.window)], wrec{o.wait / 60, int(o.size)})
			}
		}
		for _, wr := range out {
			a := f[wr.Index]
			people := 0
			for _, x := range by[wr.Index] {
				people += x.size
			}
			p50, p95, mx, _, _ := percentiles(by[wr.Index])
			sr := r.sites[site[wr.Index]]
			ml := int32(0)
			for m := spans[wr.Index][0]; m < spans[wr.Index][1] && m < len(sr.lineMin); m++ {
				ml = max(ml, sr.lineMin[m])
			}
			for k, x := range []float64{float64(people), p50, p95, mx, float64(ml), float64(r.turned[wr.Index])} {
				a[k] = append(a[k], x)
			}
		}
	}
	for _, wr := range out {
		a := f[wr.Index]
		wr.People, wr.WaitP50, wr.WaitP95, wr.WaitMax, wr.MaxLine, wr.TurnedBack =
			stat(a[0]), stat(a[1]), stat(a[2]), stat(a[3]), stat(a[4]), stat(a[5])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].Index < out[j].Index
	})
	return out
}

// SiteChange is a site's desks and markers from At on.
type SiteChange struct {
	At      time.Time `json:"at"`
	Desks   int       `json:"desks"`
	Markers int       `json:"markers"`
}

// changes lists when s's desks or markers changed during its run (the
// same in every run: the what-ifs are at set times; a rain switch the
// queue would refuse changes nothing), in order.
func changes(pr *prep, s *siteRun) []SiteChange {
	var out []SiteChange
	cur := SiteChange{Desks: s.segs[0].desks, Markers: s.markersAt[0].Markers}
	for i, j := 1, 1; i < len(s.segs) || j < len(s.markersAt); {
		t := math.Inf(1)
		if i < len(s.segs) {
			t = s.segs[i].t
		}
		if j < len(s.markersAt) {
			t = math.Min(t, s.markersAt[j].T)
		}
		next := cur
		for ; i < len(s.segs) && s.segs[i].t == t; i++ {
			next.Desks = s.segs[i].desks
		}
		for ; j < len(s.markersAt) && s.markersAt[j].T == t; j++ {
			next.Markers = s.markersAt[j].Markers
		}
		if next.Desks != cur.Desks || next.Markers != cur.Markers {
			next.At = pr.at(t).In(pr.loc())
			out = append(out, next)
		}
		cur = next
	}
	return out
}

// variantWith is the first of d's variants whose sites include every one
// of sites; "" when none has them all.
func variantWith(d *Day, sites []string) string {
	for _, v := range d.Variants {
		has := map[string]bool{}
		for _, x := range v.Sites {
			has[x.ID] = true
		}
		all := true
		for _, id := range sites {
			all = all && has[id]
		}
		if all {
			return v.Name
		}
	}
	return ""
}
