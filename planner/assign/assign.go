// Package assign solves the capacitated assignment of a plan: which site each
// building walks to and how many desks each site gets. It knows only numbers
// (people per building, metres per person, desks a load needs), no geometry.
package assign

import (
	"math"
)

// A Problem is the capacitated choice at the heart of a plan: put every
// building at one site, and desks at sites (at most Desks in all, at most a
// site's MaxDesks each), so that every site's desks can sample its people in
// the day, with the least people-weighted walking.
type Problem struct {
	Load     []int                        // people per building
	Cost     [][]float64                  // metres per person, building x site; +Inf unreachable
	Need     func(site int, load int) int // desks site needs for load; > MaxDesks[site] when none can
	MaxDesks []int                        // desks each site holds
	Desks    int                          // desks on hand
	// Covered, when set, marks the sites whose desks each need a canopy
	// (open sites on a wet day), and Canopies is how many are on hand:
	// the desks at those sites together take at most Canopies.
	Covered  []bool
	Canopies int
	Budget   int // branch-and-bound node budget
	// Quick skips the search for the last few percent of walking
	// (reassign, deskSearch) when only feasibility matters: the probes
	// for --end auto and for what would fit solve many problems whose
	// cost nobody reads.
	Quick bool
	// Relaxed is the transportation relaxation, which does not depend on
	// Desks: Solve sets it, and a problem that differs from a solved one
	// only in Desks or Quick may reuse it.
	Relaxed *Relaxation
}

// A Relaxation is a solved transportation relaxation of a Problem.
type Relaxation struct {
	lower  float64
	site   []int
	placed bool
}

// A Solution is each building's site and each site's desks.
type Solution struct {
	Site     []int // index into the sites; -1 where a building reaches none
	Desks    []int
	Cost     float64 // people x metres
	Lower    float64 // lower bound on the optimum cost
	Exact    bool    // Cost is proven optimal
	Feasible bool    // everyone placed within the desks and each site's max
}

func (p *Problem) nb() int { return len(p.Load) }
func (p *Problem) ns() int { return len(p.MaxDesks) }

// exactMaxBuildings is the largest instance branch and bound is tried on;
// beyond it the search rarely finishes within its budget.
const exactMaxBuildings = 24

// searchMaxBuildings is the largest instance the search over desks per
// site is tried on: with more, each step's improvement of the assignment
// costs too much for a plan that solves many problems, and the buildings
// are small beside the sites, so moves and swaps do well.
const searchMaxBuildings = 64

// Solve finds a good assignment: exactly by branch and bound when the
// instance is small enough, else from the transportation relaxation
// rounded, repaired to the desk budget, and improved by moves and swaps.
// The relaxation's optimum is the lower bound either way.
func (p *Problem) Solve() Solution {
	if p.desksAtLeast() > p.Desks {
		return Solution{Site: make([]int, p.nb())}
	}
	if p.Relaxed == nil {
		lb, frac, placed := p.relaxation()
		p.Relaxed = &Relaxation{lb, frac, placed}
	}
	lb, frac, placed := p.Relaxed.lower, p.Relaxed.site, p.Relaxed.placed
	a := p.round(frac)
	if !placed {
		// Even split freely, the sites cannot take everyone, or no packing
		// of the desks can: no repair will help.
		a.Feasible = false
		a.Lower = lb
		return a
	}
	p.repair(&a)
	if p.Quick && a.Feasible {
		// Only whether it fits was asked: it does. (When repair fails,
		// the full search below may still find a fit.)
		a.Lower = math.Min(lb, a.Cost)
		return a
	}
	p.improve(&a)
	if a.Feasible && !p.Quick && p.nb() <= searchMaxBuildings && a.Cost > lb*(1+1e-3) {
		// Not worth it within 0.1% of the bound. A transportation solve
		// costs about buildings² x sites steps: the search gets about ten
		// million in all.
		work := max(30, 10000000/(p.nb()*p.nb()*p.ns()))
		p.reassign(&a, &work)
		if p.nb() > exactMaxBuildings {
			if bound, ok := p.deskSearch(&a, &work); ok {
				lb = math.Max(lb, bound)
			}
		}
	}
	if p.nb() <= exactMaxBuildings {
		if ex, ok := p.exactSearch(a); ok {
			ex.Lower = ex.Cost
			return ex
		}
	}
	a.Lower = math.Min(lb, a.Cost)
	for _, s := range a.Site {
		if s < 0 {
			a.Feasible = false // a building reaches none of these sites
		}
	}
	return a
}

func (p *Problem) loads(site []int) []int {
	l := make([]int, p.ns())
	for b, s := range site {
		if s >= 0 {
			l[s] += p.Load[b]
		}
	}
	return l
}

// desksFor gives each site the desks its load needs, and reports whether
// that fits the budget and each site's max.
func (p *Problem) desksFor(loads []int) ([]int, int, bool) {
	d := make([]int, p.ns())
	total, ok := 0, true
	for s, l := range loads {
		if l == 0 {
			continue
		}
		d[s] = p.Need(s, l)
		if d[s] > p.MaxDesks[s] {
			ok = false
		}
		total += d[s]
	}
	return d, total, ok && total <= p.Desks && p.canopiesOver(d) == 0
}

// canopiesOver is how many more canopies desks d need than are on hand.
func (p *Problem) canopiesOver(d []int) int {
	if p.Covered == nil {
		return 0
	}
	n := 0
	for s, k := range d {
		if p.Covered[s] {
			n += k
		}
	}
	return max(0, n-p.Canopies)
}

// Fits is the desks each site needs for the buildings at their sites
// (site[b] is building b's, -1 for none), their total, and whether that
// fits Desks and each site's MaxDesks.
func (p *Problem) Fits(site []int) ([]int, int, bool) { return p.desksFor(p.loads(site)) }

// CostOf is the walking of buildings at their sites: people x metres.
func (p *Problem) CostOf(site []int) float64 {
	var c float64
	for b, s := range site {
		if s >= 0 {
			c += float64(p.Load[b]) * p.Cost[b][s]
		}
	}
	return c
}

// desksAtLeast is a lower bound on the desks any assignment needs: all the
// people over the most any one desk can sample anywhere.
func (p *Problem) desksAtLeast() int {
	perDesk := 0.0
	for s := range p.MaxDesks {
		for d := 1; d <= p.MaxDesks[s]; d++ {
			perDesk = math.Max(perDesk, float64(p.Most(s, d))/float64(d))
		}
	}
	people := 0
	for _, l := range p.Load {
		people += l
	}
	if perDesk == 0 {
		return math.MaxInt32
	}
	return int(math.Ceil(float64(people)/perDesk - 1e-9))
}

func (p *Problem) round(site []int) Solution {
	a := Solution{Site: append([]int(nil), site...)}
	a.Desks, _, a.Feasible = p.desksFor(p.loads(a.Site))
	a.Cost = p.CostOf(a.Site)
	return a
}
