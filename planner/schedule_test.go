package planner

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"natq/planner/synth"
)

// checkScheduleFile checks a plan file's natq:schedule against its
// features: no window over its capacity, every capacity by the design's
// rule, every resident who walks in exactly one window at their
// building's site, floors that exist. home counts each building's
// households sampled at home (--homevisits).
func checkScheduleFile(t *testing.T, pp *parsedPlan, home map[string]int) {
	t.Helper()
	for _, v := range pp.variants() {
		type siteInfo struct{ desks, markers int }
		sites := map[string]siteInfo{}
		for _, f := range pp.features("site", v) {
			sites[fileString(t, f, "natq:site")] = siteInfo{fileInt(t, f, "natq:desks"), fileInt(t, f, "natq:line_capacity")}
		}
		type bInfo struct {
			load, levels int
			site         string
			d2d          bool
		}
		bs := map[string]*bInfo{}
		want := map[string]int{} // people each site must call
		for _, f := range pp.features("building", v) {
			id := fileString(t, f, "natq:building")
			if bs[id] != nil {
				t.Errorf("%s: building %s appears twice", v, id)
			}
			res, hh := fileInt(t, f, "natq:residents"), fileInt(t, f, "natq:households")
			sealed, _ := f.Properties["natq:sealed"].(bool)
			d2d, _ := f.Properties["natq:doortodoor"].(bool)
			site := fileString(t, f, "natq:site")
			per := float64(res) / float64(max(1, hh))
			b := &bInfo{load: max(0, res-int(math.Round(float64(home[id])*per))), levels: fileInt(t, f, "natq:levels"), site: site, d2d: d2d}
			bs[id] = b
			switch {
			case sealed && (!d2d || site != ""):
				t.Errorf("%s: sealed building %s: natq:doortodoor = %v, natq:site = %q; want door to door with no site", v, id, d2d, site)
			case !sealed && d2d:
				t.Errorf("%s: building %s is not sealed but door to door", v, id)
			case !sealed && res > 0 && site == "" && !mentions(pp.warnings, id):
				t.Errorf("%s: building %s has %d residents, no site, and no warning says why", v, id, res)
			case site != "" && sites[site].desks == 0:
				t.Errorf("%s: building %s is sent to site %s, which has no desks", v, id, site)
			}
			if site != "" {
				want[site] += b.load
			}
		}
		got := map[string]int{}
		byB := map[string]int{}
		type slot struct {
			site  string
			start time.Time
		}
		seen := map[slot]bool{}
		for _, w := range pp.schedule {
			if w.Variant != v {
				continue
			}
			start, end := w.times(t)
			what := fmt.Sprintf("%s window %s %s-%s", v, w.Site, start.Format("15:04"), end.Format("15:04"))
			if seen[slot{w.Site, start}] {
				t.Errorf("%s is listed twice", what)
			}
			seen[slot{w.Site, start}] = true
			si, ok := sites[w.Site]
			if !ok || si.desks == 0 {
				t.Errorf("%s is at a site with no desks", what)
				continue
			}
			minutes := int(end.Sub(start) / time.Minute)
			if c := min(si.desks*pp.params.Rate*minutes/60, si.markers); w.Capacity != c {
				t.Errorf("%s: capacity %d, want min(%d desks x %d/h x %d min, %d markers) = %d", what, w.Capacity, si.desks, pp.params.Rate, minutes, si.markers, c)
			}
			if n := w.people(); n > w.Capacity {
				t.Errorf("%s calls %d people, over its capacity %d", what, n, w.Capacity)
			}
			for _, g := range w.Groups {
				got[w.Site] += g.People
				if g.People <= 0 {
					t.Errorf("%s: group %+v calls no one", what, g)
				}
				if g.Building == "students" {
					if !w.Students {
						t.Errorf("%s: a students' group outside the students' period", what)
					}
					continue
				}
				if w.Students {
					t.Errorf("%s: building %s called in the students' period", what, g.Building)
				}
				b := bs[g.Building]
				if b == nil {
					t.Errorf("%s: group of unknown building %q", what, g.Building)
					continue
				}
				byB[g.Building] += g.People
				if b.d2d {
					t.Errorf("%s: door-to-door building %s is called to a site", what, g.Building)
				}
				if b.site != w.Site {
					t.Errorf("%s: building %s is called here, but its natq:site is %q", what, g.Building, b.site)
				}
				if len(g.Floors) != 2 || g.Floors[0] < 1 || g.Floors[0] > g.Floors[1] || g.Floors[1] > max(1, b.levels) {
					t.Errorf("%s: building %s unit %s floors %v, want from <= to within 1..%d", what, g.Building, g.Unit, g.Floors, b.levels)
				}
				if g.Unit == "" {
					t.Errorf("%s: building %s group has no unit", what, g.Building)
				}
			}
		}
		for id, b := range bs {
			if byB[id] > b.load {
				t.Errorf("%s: building %s is called %d times over, for %d people (residents less home visits)", v, id, byB[id], b.load)
			}
		}
		for s, n := range want {
			if got[s] != n {
				t.Errorf("%s site %s calls %d people in all its windows (students too), want its buildings' %d", v, s, got[s], n)
			}
		}
		for s, n := range got {
			if want[s] == 0 && n > 0 {
				t.Errorf("%s site %s calls %d people, but no building is sent there", v, s, n)
			}
		}
	}
}

func mentions(ss []string, id string) bool {
	for _, s := range ss {
		if strings.Contains(s, id) {
			return true
		}
	}
	return false
}

// propCase is one compound and the parameters to plan it with.
type propCase struct {
	name string
	c    *Compound
	p    Params
}

// propCases are the contest compound at both spacings and 32 random
// compounds with varied parameters: End auto with 8 desks, or noon with
// 40; spacing 1 or 1.5; 15 or 20 minute windows; a students' period or
// none; some households sampled at home.
func propCases(t *testing.T) []propCase {
	var out []propCase
	for _, spacing := range []float64{1, 1.5} {
		cs, err := contestSource(t).Compounds(Selection{})
		if err != nil {
			t.Fatal(err)
		}
		p := contestParams()
		p.Spacing = spacing
		out = append(out, propCase{fmt.Sprintf("contest/spacing%g", spacing), cs[0], p})
	}
	for seed := int64(1); seed <= 32; seed++ {
		name := fmt.Sprint("random", seed)
		c := readFC(t, name, synth.Random(seed, synth.RandomOptions{}))[0]
		p := contestParams()
		if seed%2 == 0 {
			p.End, p.Desks = "auto", 8
		} else {
			p.Desks = 40
		}
		if seed%3 == 0 {
			p.Spacing = 1.5
		}
		if seed%5 == 0 {
			p.Window = 20 * time.Minute
		}
		if seed%4 == 1 {
			p.Students = "none"
		}
		for _, b := range c.Buildings {
			if !b.Sealed && b.Households >= 3 && len(p.HomeVisits) < 3 {
				p.HomeVisits = append(p.HomeVisits, HomeVisit{b.ID, "1", "101"}, HomeVisit{b.ID, "1", "102"})
			}
		}
		out = append(out, propCase{fmt.Sprintf("%s/spacing%g/%s/%v", name, p.Spacing, p.End, p.Window), c, p})
	}
	return out
}

// TestPlanProperties plans every case, both weathers, and checks the plan
// file it writes: the layout's and the schedule's global rules.
func TestPlanProperties(t *testing.T) {
	for _, tc := range propCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := Make(tc.c, tc.p)
			if err != nil {
				t.Fatalf("Make: %v", err)
			}
			if len(pl.Variants) != 2 {
				t.Fatalf("Make planned %d variants, want dry and wet", len(pl.Variants))
			}
			home := map[string]int{}
			for _, h := range tc.p.HomeVisits {
				home[h.Building]++
			}
			pp := parsePlan(t, pl)
			checkLayoutFile(t, pl, pp)
			checkScheduleFile(t, pp, home)
			for _, v := range pp.variants() {
				rep := pp.report[v]
				obj, _ := rep["objective_m"].(float64)
				lb, _ := rep["lower_bound_m"].(float64)
				gap, _ := rep["gap"].(float64)
				if lb > obj || lb < 0 {
					t.Errorf("%s: natq:report lower_bound_m %v, objective_m %v: want 0 <= lower bound <= objective", v, lb, obj)
				}
				if lb > 0 && math.Abs(gap-(obj-lb)/lb) > 1e-3 {
					t.Errorf("%s: natq:report gap %v, want (objective - lower bound) / lower bound = %.4f", v, gap, (obj-lb)/lb)
				}
			}
			for _, vp := range pl.Variants {
				if tc.p.End == "auto" && vp.Shortage != "" {
					t.Errorf("%s: --end auto yet shortage %q", vp.Variant, vp.Shortage)
				}
			}
		})
	}
}

// planOne reads random compound seed afresh (a plan keeps its layouts on
// the compound's sites) and plans it.
func planOne(t *testing.T, seed int64, opts synth.RandomOptions, p Params) *Plan {
	t.Helper()
	c := readFC(t, fmt.Sprint("random", seed), synth.Random(seed, opts))[0]
	pl, err := Make(c, p)
	if err != nil {
		t.Fatalf("Make(random %d, desks %d, end %s): %v", seed, p.Desks, p.End, err)
	}
	return pl
}

// TestEndAutoIsEarliest plans small compounds with --end auto and checks
// that the end found holds everyone, and that one window earlier does not:
// re-planned with that end, the plan says it falls short.
func TestEndAutoIsEarliest(t *testing.T) {
	checked := 0
	for seed := int64(1); seed <= 12 && checked < 5; seed++ {
		opts := synth.RandomOptions{Buildings: 6, Sites: 2}
		p := contestParams()
		p.Desks, p.End, p.Students = 2, "auto", "none"
		pl := planOne(t, seed, opts, p)
		for i, vp := range pl.Variants {
			if vp.End.IsZero() || vp.Shortage != "" {
				continue // nobody to sample
			}
			end := vp.End.Format("15:04")
			earlier := vp.End.Add(-p.Window).Format("15:04")
			if earlier <= p.Start {
				continue // one window already: nothing earlier to try
			}
			checked++
			t.Run(fmt.Sprintf("random%d/%s", seed, vp.Variant), func(t *testing.T) {
				p := p
				p.End = end
				at := planOne(t, seed, opts, p).Variants[i]
				if at.Shortage != "" || at.End.After(vp.End) {
					t.Errorf("--end auto chose %s, but planned with --end %s: end %s, shortage %q", end, end, at.End.Format("15:04"), at.Shortage)
				}
				p.End = earlier
				pe := planOne(t, seed, opts, p)
				before := pe.Variants[i]
				if before.Shortage == "" {
					t.Errorf("--end auto chose %s, but --end %s holds everyone too (plan ends %s)", end, earlier, before.End.Format("15:04"))
				}
				if !mentions(pe.Warnings, before.Shortage) {
					t.Errorf("--end %s: shortage %q is not among the warnings %q", earlier, before.Shortage, pe.Warnings)
				}
				if !strings.Contains(before.Shortage, "ending at "+end) {
					t.Errorf("--end %s: shortage %q does not say that ending at %s would fit", earlier, before.Shortage, end)
				}
				if before.End.Format("15:04") != end {
					t.Errorf("--end %s: planned to end at %s, want the earliest end that fits, %s", earlier, before.End.Format("15:04"), end)
				}
				t.Logf("--end auto = %s; --end %s: %s", end, earlier, before.Shortage)
			})
		}
	}
	if checked < 3 {
		t.Fatalf("only %d variants ran past one window: the instances are too easy", checked)
	}
}

// TestShortageSaysWhatFits plans the contest compound with too few desks
// for noon: each variant must say so, in Shortage, the warnings, the
// report and the printed table, with a desk count and an end that fit;
// and both must.
func TestShortageSaysWhatFits(t *testing.T) {
	cs, err := contestSource(t).Compounds(Selection{})
	if err != nil {
		t.Fatal(err)
	}
	p := contestParams()
	p.Desks = 16
	pl, err := Make(cs[0], p)
	if err != nil {
		t.Fatalf("Make(contest, 16 desks): %v", err)
	}
	pp := parsePlan(t, pl)
	var table bytes.Buffer
	WriteSummary(&table, pl)
	re := regexp.MustCompile(`^the day cannot hold everyone by 12:00 with 16 desks: (?:(\d+) desks would make it fit by 12:00 \(--desks \d+\)|the sites hold at most \d+ desks, and that is not enough by 12:00: add sites), or ending at (\d\d:\d\d)(?: \(open sites under canopies included\))?$`)
	for i, vp := range pl.Variants {
		m := re.FindStringSubmatch(vp.Shortage)
		if m == nil {
			t.Errorf("%s: Shortage = %q, want it to match %s", vp.Variant, vp.Shortage, re)
			continue
		}
		if !mentions(pl.Warnings, vp.Shortage) {
			t.Errorf("%s: shortage is not among the warnings %q", vp.Variant, pl.Warnings)
		}
		if got := pp.report[string(vp.Variant)]["shortage"]; got != vp.Shortage {
			t.Errorf("%s: natq:report shortage = %v, want %q", vp.Variant, got, vp.Shortage)
		}
		if !strings.Contains(table.String(), "! "+vp.Shortage) {
			t.Errorf("%s: printed table does not show the shortage:\n%s", vp.Variant, table.String())
		}
		if end := vp.mainEnd().Format("15:04"); end != m[2] {
			t.Errorf("%s: planned to end at %s (students' period apart), but the shortage says %s would fit", vp.Variant, end, m[2])
		}
		// Each remedy offered must fit.
		fixes := []struct {
			what string
			p    Params
		}{{"end " + m[2], withEnd(p, m[2])}}
		if m[1] != "" {
			var k int
			fmt.Sscan(m[1], &k)
			fixes = append(fixes, struct {
				what string
				p    Params
			}{"desks " + m[1], withDesks(p, k)})
		}
		for _, fix := range fixes {
			cs, _ := contestSource(t).Compounds(Selection{})
			pf, err := Make(cs[0], fix.p)
			if err != nil {
				t.Errorf("%s with %s: %v", vp.Variant, fix.what, err)
				continue
			}
			if s := pf.Variants[i].Shortage; s != "" {
				t.Errorf("%s: the shortage said %s would fit, but that plan says %q", vp.Variant, fix.what, s)
			}
		}
		t.Logf("%s: %s", vp.Variant, vp.Shortage)
	}
	checkScheduleFile(t, pp, nil)
}

func withDesks(p Params, k int) Params  { p.Desks = k; return p }
func withEnd(p Params, e string) Params { p.End = e; return p }
