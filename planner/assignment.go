package planner

import (
	"fmt"
	"math"
	"natq/planner/assign"
	"sort"
)

// The plan's side of the capacitated assignment (package assign): the
// problem built from a variant's buildings, sites and day, the probes for
// what fits, and what to say when nothing does.

// assign solves the site choice for buildings bs over sites with the day
// ending at end.
func (pl *Plan) assign(vp *VariantPlan, bs []*Building, sites []*Site, end string) (assign.Solution, dayTimes, error) {
	a, dt, prob, err := pl.assignProblem(vp, bs, sites, end, false)
	if err == nil {
		vp.problem, vp.problemBuildings = prob, append([]*Building(nil), bs...)
	}
	return a, dt, err
}

// fits reports whether buildings bs fit at sites by end with the desks on
// hand; it asks the solver only that, not for the least walking.
func (pl *Plan) fits(vp *VariantPlan, bs []*Building, sites []*Site, end string) bool {
	a, _, _, err := pl.assignProblem(vp, bs, sites, end, true)
	return err == nil && a.Feasible
}

// assignProblem builds and solves the assignment problem for buildings bs
// over sites with the day ending at end; quick asks only whether it fits.
func (pl *Plan) assignProblem(vp *VariantPlan, bs []*Building, sites []*Site, end string, quick bool) (assign.Solution, dayTimes, *assign.Problem, error) {
	p := pl.Params
	dt, err := p.windows(end)
	if err != nil {
		return assign.Solution{}, dt, nil, err
	}
	prob := &assign.Problem{Desks: p.Desks, Budget: 200000, Quick: quick}
	for _, s := range sites {
		prob.MaxDesks = append(prob.MaxDesks, s.Layout.MaxDesks())
	}
	if vp.Variant == Wet && vp.canopyCap >= 0 {
		prob.Canopies = vp.canopyCap
		for _, s := range sites {
			prob.Covered = append(prob.Covered, !s.Sheltered)
		}
	}
	for _, b := range bs {
		prob.Load = append(prob.Load, vp.load[b])
		row := make([]float64, len(sites))
		for j, s := range sites {
			l, ok := buildingLength(b, vp.trees[s])
			if !ok {
				l = math.Inf(1)
			}
			row[j] = l
		}
		prob.Cost = append(prob.Cost, row)
	}
	// most[s][d] is the most people d desks can sample at site s in the
	// day; need is then a binary search, as the solver asks it millions
	// of times.
	most := make([][]int, len(sites))
	for i, s := range sites {
		markers := len(s.Layout.Markers)
		most[i] = make([]int, prob.MaxDesks[i]+1)
		for d := 1; d <= prob.MaxDesks[i]; d++ {
			lo, hi := most[i][d-1], 1
			for p.deskNeed(hi, markers, prob.MaxDesks[i], dt) <= d {
				hi *= 2
			}
			for lo+1 < hi {
				m := (lo + hi) / 2
				if p.deskNeed(m, markers, prob.MaxDesks[i], dt) <= d {
					lo = m
				} else {
					hi = m
				}
			}
			most[i][d] = lo
		}
		if r := vp.reserve[s]; r > 0 {
			// Room whole floors left unfilled at this site, per window.
			for d := range most[i] {
				most[i][d] = max(0, most[i][d]-r*len(dt.main))
			}
		}
	}
	prob.Need = func(s, load int) int {
		m := most[s]
		return sort.Search(len(m), func(d int) bool { return m[d] >= load })
	}
	key := end
	for _, s := range sites {
		key += "|" + s.ID
		if r := vp.reserve[s]; r > 0 {
			key += fmt.Sprintf("-%d", r)
		}
	}
	if vp.relaxed == nil {
		vp.relaxed = map[string]*assign.Relaxation{}
	}
	prob.Relaxed = vp.relaxed[key]
	a := prob.Solve()
	if prob.Relaxed != nil {
		vp.relaxed[key] = prob.Relaxed
	}
	return a, dt, prob, nil
}

// shortage says what would make the day fit by end: more desks (found by
// bisection, the sites set out anew for each count, as a site's layout
// takes at most the desks on hand), or a later end.
func (pl *Plan) shortage(vp *VariantPlan, bs []*Building, sites []*Site, end, fits string) string {
	p := pl.Params
	orig := p.Desks
	saved := make([]*Layout, len(sites))
	for i, s := range sites {
		saved[i] = s.Layout
	}
	defer func() {
		pl.Params.Desks = orig
		for i, s := range sites {
			s.Layout = saved[i]
		}
	}()
	room := 0 // desks the sites hold, however many are on hand
	for _, s := range sites {
		room += s.Layout.Room
	}
	ok := func(k int) bool {
		pl.Params.Desks = k
		for _, s := range sites {
			s.Layout = layoutSite(s.Plane, s.Entry, p.Spacing, k, float64(p.Rate)*p.Window.Hours())
		}
		return pl.fits(vp, bs, sites, end)
	}
	later := ""
	if fits != "" {
		later = ", or ending at " + fits
	}
	if room <= orig || !ok(room) {
		return fmt.Sprintf("the sites hold at most %d desks, and that is not enough by %s: add sites%s", room, end, later)
	}
	lo, hi := orig, room
	for lo+1 < hi {
		m := (lo + hi) / 2
		if ok(m) {
			hi = m
		} else {
			lo = m
		}
	}
	return fmt.Sprintf("%d desks would make it fit by %s (--desks %d)%s", hi, end, hi, later)
}

// spareDesks gives desks left over to the sites whose day ends last, so
// that the makespan shrinks.
func (vp *VariantPlan) spareDesks(spare int) {
	loads := map[*Site]int{}
	for b, s := range vp.Site {
		loads[s] += vp.load[b]
	}
	covered := 0 // desks under canopies
	for s, d := range vp.Desks {
		if vp.Variant == Wet && !s.Sheltered {
			covered += d
		}
	}
	for ; spare > 0; spare-- {
		var worst *Site
		worstH := 0.0
		for _, s := range vp.Sites {
			d := vp.Desks[s]
			if d == 0 || d >= s.Layout.MaxDesks() {
				continue
			}
			if vp.Variant == Wet && !s.Sheltered && vp.canopyCap >= 0 && covered >= vp.canopyCap {
				continue // no canopy left for another desk there
			}
			if h := float64(loads[s]) / float64(d); h > worstH {
				worst, worstH = s, h
			}
		}
		if worst == nil {
			return
		}
		vp.Desks[worst]++
		if vp.Variant == Wet && !worst.Sheltered {
			covered++
		}
	}
}
