// Package assign solves the capacitated assignment of a plan: which site each
// building walks to and how many desks each site gets. It knows only numbers
// (people per building, metres per person, desks a load needs), no geometry.
package assign

import (
	"math"
	"sort"

	"natq/planner/internal/minheap"
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
	Budget   int                          // branch-and-bound node budget
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
	return d, total, ok && total <= p.Desks
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

// RelaxationBound is the optimum of the transportation relaxation, a
// lower bound on every assignment's cost.
func (p *Problem) RelaxationBound() float64 {
	lb, _, _ := p.relaxation()
	return lb
}

// relaxation solves the transportation problem in which a building may be
// split between sites and each site takes up to what its most desks can
// sample (successive shortest paths on the bipartite graph; buildings and
// sites are few). It returns the optimum, a lower bound for the real
// problem, and each building's largest share's site.
func (p *Problem) relaxation() (float64, []int, bool) {
	caps := make([]int, p.ns())
	for s := range caps {
		caps[s] = p.Most(s, p.MaxDesks[s])
	}
	total, flow, placed := p.transport(caps)
	nb, ns := p.nb(), p.ns()
	site := make([]int, nb)
	for b := range site {
		site[b] = -1
		most := 0
		for s := 0; s < ns; s++ {
			if flow[b][s] > most {
				site[b], most = s, flow[b][s]
			}
		}
		if site[b] < 0 { // nothing fits: its cheapest reachable site
			for s := 0; s < ns; s++ {
				if !math.IsInf(p.Cost[b][s], 1) && (site[b] < 0 || p.Cost[b][s] < p.Cost[b][site[b]]) {
					site[b] = s
				}
			}
		}
	}
	return total, site, placed
}

// Most is the most people d desks can sample at site s.
func (p *Problem) Most(s, d int) int {
	if d <= 0 {
		return 0
	}
	lo, hi := 0, 1
	for p.Need(s, hi) <= d && hi < 1<<30 {
		hi *= 2
	}
	for lo+1 < hi {
		m := (lo + hi) / 2
		if p.Need(s, m) <= d {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// transport solves the transportation problem in which each building's
// people may be split between sites and site s takes up to caps[s]
// people: the optimum, the flow (people of building b at site s), and
// whether everyone was placed.
func (p *Problem) transport(caps []int) (float64, [][]int, bool) {
	nb, ns := p.nb(), p.ns()
	capLeft := append([]int(nil), caps...)
	flow := make([][]int, nb)
	for b := range flow {
		flow[b] = make([]int, ns)
	}
	left := append([]int(nil), p.Load...)
	total := 0.0
	// Successive shortest paths with Johnson potentials: nodes are the
	// buildings (0..nb-1) and sites (nb..nb+ns-1); a virtual source feeds
	// every building with people left, and every site with room drains to
	// a virtual sink. Arcs: building -> site at its cost, and site ->
	// building back along positive flow at minus the cost.
	nv := nb + ns
	pot := make([]float64, nv)
	dist := make([]float64, nv)
	prev := make([]int, nv)
	done := make([]bool, nv)
	var h minheap.Heap
	for {
		for v := range dist {
			dist[v], prev[v], done[v] = math.Inf(1), -1, false
		}
		h = h[:0]
		for b := 0; b < nb; b++ {
			if left[b] > 0 {
				dist[b] = -pot[b]
				h.Push(minheap.Item{Cost: dist[b], Node: int32(b)})
			}
		}
		for len(h) > 0 {
			it := h.Pop()
			v := int(it.Node)
			if done[v] {
				continue
			}
			done[v] = true
			relax := func(w int, c float64) {
				if nd := dist[v] + c + pot[v] - pot[w]; nd < dist[w]-1e-12 {
					dist[w], prev[w] = nd, v
					h.Push(minheap.Item{Cost: nd, Node: int32(w)})
				}
			}
			if v < nb {
				for s := 0; s < ns; s++ {
					if !math.IsInf(p.Cost[v][s], 1) {
						relax(nb+s, p.Cost[v][s])
					}
				}
			} else {
				s := v - nb
				for b := 0; b < nb; b++ {
					if flow[b][s] > 0 {
						relax(b, -p.Cost[b][s])
					}
				}
			}
		}
		end, best := -1, math.Inf(1)
		for s := 0; s < ns; s++ {
			if capLeft[s] > 0 && done[nb+s] && dist[nb+s]+pot[nb+s] < best {
				end, best = nb+s, dist[nb+s]+pot[nb+s]
			}
		}
		if end < 0 {
			break
		}
		for v := range pot {
			if done[v] {
				pot[v] += dist[v]
			}
		}
		// Bottleneck: the source building's people, the site's room, and
		// the flow on every backward arc.
		src := end
		amt := capLeft[end-nb]
		for v := end; prev[v] >= 0; v = prev[v] {
			if u := prev[v]; u >= nb { // arc site u -> building v runs back along flow
				amt = min(amt, flow[v][u-nb])
			}
			src = prev[v]
		}
		amt = min(amt, left[src])
		pathCost := 0.0
		for v := end; prev[v] >= 0; v = prev[v] {
			u := prev[v]
			if u < nb {
				flow[u][v-nb] += amt
				pathCost += p.Cost[u][v-nb]
			} else {
				flow[v][u-nb] -= amt
				pathCost -= p.Cost[v][u-nb]
			}
		}
		left[src] -= amt
		capLeft[end-nb] -= amt
		total += pathCost * float64(amt)
	}
	placed := true
	for _, l := range left {
		if l > 0 {
			placed = false
		}
	}
	return total, flow, placed
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

// repair moves buildings until the desks fit, each time taking the move
// that frees the most desk-overflow for the least added walking. Overflow
// is desks over the budget plus desks over each site's max; a move changes
// only its two sites' needs, so it is priced in constant time.
func (p *Problem) repair(a *Solution) {
	loads := p.loads(a.Site)
	need := make([]int, p.ns())
	total, over := 0, 0
	part := func(s, l int) (int, int) { // desks counted, desks over max
		if l == 0 {
			return 0, 0
		}
		d := p.Need(s, l)
		if d > p.MaxDesks[s] {
			return p.MaxDesks[s], d - p.MaxDesks[s]
		}
		return d, 0
	}
	for s, l := range loads {
		d, o := part(s, l)
		need[s] = d
		total += d
		over += o
	}
	ov := func(total, over int) int { return over + max(0, total-p.Desks) }
	for cur := ov(total, over); cur > 0; cur = ov(total, over) {
		bestB, bestS := -1, -1
		bestRatio := math.Inf(1)
		var bestT, bestO int
		for b, s := range a.Site {
			if s < 0 {
				continue
			}
			ds, os := part(s, loads[s])
			dsN, osN := part(s, loads[s]-p.Load[b])
			for s2 := 0; s2 < p.ns(); s2++ {
				if s2 == s || math.IsInf(p.Cost[b][s2], 1) {
					continue
				}
				d2, o2 := part(s2, loads[s2])
				d2N, o2N := part(s2, loads[s2]+p.Load[b])
				t := total - ds - d2 + dsN + d2N
				o := over - os - o2 + osN + o2N
				gain := cur - ov(t, o)
				if gain <= 0 {
					continue
				}
				r := float64(p.Load[b]) * (p.Cost[b][s2] - p.Cost[b][s]) / float64(gain)
				if r < bestRatio {
					bestB, bestS, bestRatio, bestT, bestO = b, s2, r, t, o
				}
			}
		}
		if bestB < 0 {
			break // no move helps: the day does not fit
		}
		loads[a.Site[bestB]] -= p.Load[bestB]
		loads[bestS] += p.Load[bestB]
		a.Site[bestB] = bestS
		total, over = bestT, bestO
	}
	a.Desks, _, a.Feasible = p.desksFor(loads)
	a.Cost = p.CostOf(a.Site)
}

// improve applies the best improving move (one building to another site)
// or swap (two buildings trade sites) that keeps the desks within budget,
// until none is left.
func (p *Problem) improve(a *Solution) {
	if !a.Feasible {
		return
	}
	loads := p.loads(a.Site)
	fits := func() bool { _, _, ok := p.desksFor(loads); return ok }
	for iter := 0; iter < 10000; iter++ {
		bestD := -1e-9
		kind, b1, b2, s2 := 0, -1, -1, -1
		for b, s := range a.Site {
			for t := 0; t < p.ns(); t++ {
				if t == s || math.IsInf(p.Cost[b][t], 1) {
					continue
				}
				d := float64(p.Load[b]) * (p.Cost[b][t] - p.Cost[b][s])
				if d >= bestD {
					continue
				}
				loads[s] -= p.Load[b]
				loads[t] += p.Load[b]
				if fits() {
					bestD, kind, b1, s2 = d, 1, b, t
				}
				loads[s] += p.Load[b]
				loads[t] -= p.Load[b]
			}
		}
		for i := range a.Site {
			for j := i + 1; j < len(a.Site); j++ {
				si, sj := a.Site[i], a.Site[j]
				if si == sj || math.IsInf(p.Cost[i][sj], 1) || math.IsInf(p.Cost[j][si], 1) {
					continue
				}
				d := float64(p.Load[i])*(p.Cost[i][sj]-p.Cost[i][si]) + float64(p.Load[j])*(p.Cost[j][si]-p.Cost[j][sj])
				if d >= bestD {
					continue
				}
				delta := p.Load[i] - p.Load[j]
				loads[si] -= delta
				loads[sj] += delta
				if fits() {
					bestD, kind, b1, b2 = d, 2, i, j
				}
				loads[si] += delta
				loads[sj] -= delta
			}
		}
		switch kind {
		case 0:
			a.Desks, _, a.Feasible = p.desksFor(loads)
			a.Cost = p.CostOf(a.Site)
			return
		case 1:
			loads[a.Site[b1]] -= p.Load[b1]
			loads[s2] += p.Load[b1]
			a.Site[b1] = s2
		case 2:
			si, sj := a.Site[b1], a.Site[b2]
			delta := p.Load[b1] - p.Load[b2]
			loads[si] -= delta
			loads[sj] += delta
			a.Site[b1], a.Site[b2] = sj, si
		}
	}
	a.Desks, _, a.Feasible = p.desksFor(loads)
	a.Cost = p.CostOf(a.Site)
}

// reassign re-solves the choice of sites for desk counts near a's: its
// own, with a spare desk added at one site, or one desk moved between two
// sites. For each, the transportation problem with each site capped at
// what its desks sample splits at most a few buildings (a basic optimum
// has at most buildings + sites - 1 positive flows); the rest keep their
// site and the split ones try every site they have people at. When the
// desks are tight, this reaches assignments that moves and swaps of one or
// two buildings cannot: freeing room at one site for a building often
// takes a chain of three or four moves.
func (p *Problem) reassign(a *Solution, budget *int) {
	for round := 0; round < 4; round++ {
		base, total, ok := p.desksFor(p.loads(a.Site))
		if !ok {
			return
		}
		vecs := [][]int{base}
		for s := range base {
			if total < p.Desks && base[s] < p.MaxDesks[s] {
				v := append([]int(nil), base...)
				v[s]++
				vecs = append(vecs, v)
			}
			for t := range base {
				if t != s && base[s] > 0 && base[t] < p.MaxDesks[t] {
					v := append([]int(nil), base...)
					v[s]--
					v[t]++
					vecs = append(vecs, v)
				}
			}
		}
		better := false
		caps := make([]int, p.ns())
		for _, v := range vecs {
			for s := range caps {
				caps[s] = p.Most(s, v[s])
			}
			if *budget <= 0 {
				return
			}
			*budget--
			lb, flow, placed := p.transport(caps)
			if !placed || lb >= a.Cost-1e-9*a.Cost {
				continue
			}
			if p.fromFlow(a, caps, flow, budget) {
				better = true
			}
		}
		if !better {
			break
		}
	}
}

// fromFlow makes assignments from a transportation flow for caps three
// ways (every rounding of the split buildings, a dive, each at its
// largest share and repaired), improves each, and keeps the best in a if
// it is cheaper; it reports whether it was.
func (p *Problem) fromFlow(a *Solution, caps []int, flow [][]int, budget *int) bool {
	better := false
	share := make([]int, p.nb())
	for b := range share {
		for s, f := range flow[b] {
			if f > flow[b][share[b]] {
				share[b] = s
			}
		}
	}
	var dived []int
	divedC := a.Cost
	p.dive(append([]int(nil), caps...), make([]int, p.nb()), flow, 0, budget, &dived, &divedC)
	for _, site := range [][]int{p.roundFlow(flow), dived, share} {
		if site == nil {
			continue
		}
		c := p.round(site)
		p.repair(&c)
		p.improve(&c)
		if c.Feasible && c.Cost < a.Cost-1e-9*a.Cost {
			*a, better = c, true
		}
	}
	return better
}

// deskSearch is branch and bound over the desks at each site, site by
// site: a node's bound is the transportation optimum with the sites
// decided capped at what their desks sample and the rest at what the
// desks left could; each leaf's flow is made an assignment by fromFlow.
// It stops after budget transportation solves. When it finishes within
// the budget it also returns a lower bound, often much closer than the
// relaxation's: no assignment beats the least bound of the leaves it
// could not close, nor the best found.
func (p *Problem) deskSearch(a *Solution, budget *int) (float64, bool) {
	open := math.Inf(1)
	ns := p.ns()
	most := make([][]int, ns)
	for s := range most {
		most[s] = make([]int, p.MaxDesks[s]+1)
		for d := range most[s] {
			most[s][d] = p.Most(s, d)
		}
	}
	v := make([]int, ns)
	cur := p.loads(a.Site)
	pref, _, _ := p.desksFor(cur)
	var rec func(s, left int)
	rec = func(s, left int) {
		if *budget <= 0 {
			return
		}
		caps := make([]int, ns)
		for t := range caps {
			if t < s {
				caps[t] = most[t][v[t]]
			} else {
				caps[t] = most[t][min(p.MaxDesks[t], left)]
			}
		}
		*budget--
		lb, flow, placed := p.transport(caps)
		if !placed || lb >= a.Cost-1e-9*a.Cost {
			return
		}
		if s == ns {
			p.fromFlow(a, caps, flow, budget)
			if lb < a.Cost-1e-9*a.Cost {
				open = math.Min(open, lb)
			}
			return
		}
		// The incumbent's count first, then the others nearest it.
		hi := min(p.MaxDesks[s], left)
		ds := []int{min(pref[s], hi)}
		for k := 1; k <= hi; k++ {
			for _, d := range []int{ds[0] + k, ds[0] - k} {
				if d >= 0 && d <= hi {
					ds = append(ds, d)
				}
			}
		}
		for _, d := range ds {
			v[s] = d
			rec(s+1, left-d)
		}
	}
	rec(0, p.Desks)
	return math.Min(open, a.Cost), *budget > 0
}

// roundFlow turns a transportation flow into an assignment that fits the
// desks: buildings wholly at one site stay there; those split try each
// site they have people at, all combinations (the few most split first,
// the rest to their largest share). It returns nil when none fits.
func (p *Problem) roundFlow(flow [][]int) []int {
	site := make([]int, p.nb())
	var split []int
	for b := range flow {
		site[b] = -1
		n := 0
		for s, f := range flow[b] {
			if f > 0 {
				n++
				if site[b] < 0 || f > flow[b][site[b]] {
					site[b] = s
				}
			}
		}
		if n > 1 {
			split = append(split, b)
		}
		if site[b] < 0 {
			return nil
		}
	}
	if len(split) > 8 {
		split = split[:8]
	}
	best, bestC := []int(nil), math.Inf(1)
	var try func(k int)
	try = func(k int) {
		if k == len(split) {
			if _, _, ok := p.desksFor(p.loads(site)); ok {
				if c := p.CostOf(site); c < bestC {
					best, bestC = append([]int(nil), site...), c
				}
			}
			return
		}
		b := split[k]
		keep := site[b]
		for s, f := range flow[b] {
			if f > 0 {
				site[b] = s
				try(k + 1)
			}
		}
		site[b] = keep
	}
	try(0)
	return best
}

// dive rounds a transportation flow that roundFlow could not, by branch
// and bound: it fixes the largest split building at one site (those it
// has people at first, then the others nearest), takes its people off
// that site's cap, solves the rest again, and prunes where that bound
// plus the fixed buildings' walking reaches the best found. fixed holds
// each building's site plus one (0 = not yet fixed); budget counts
// transportation solves.
func (p *Problem) dive(caps, fixed []int, flow [][]int, fixedCost float64, budget *int, best *[]int, bestC *float64) {
	split := -1
	for b := range flow {
		if fixed[b] > 0 {
			continue
		}
		n := 0
		for _, f := range flow[b] {
			if f > 0 {
				n++
			}
		}
		if n > 1 && (split < 0 || p.Load[b] > p.Load[split]) {
			split = b
		}
	}
	if split < 0 {
		site := make([]int, p.nb())
		for b := range site {
			site[b] = fixed[b] - 1
			if fixed[b] == 0 {
				for s, f := range flow[b] {
					if f > 0 {
						site[b] = s
					}
				}
			}
		}
		if _, _, ok := p.desksFor(p.loads(site)); ok {
			if c := p.CostOf(site); c < *bestC {
				*best, *bestC = site, c
			}
		}
		return
	}
	order := []int{}
	for s := range flow[split] {
		if !math.IsInf(p.Cost[split][s], 1) {
			order = append(order, s)
		}
	}
	sort.Slice(order, func(i, j int) bool {
		fi, fj := flow[split][order[i]], flow[split][order[j]]
		if fi != fj {
			return fi > fj
		}
		return p.Cost[split][order[i]] < p.Cost[split][order[j]]
	})
	sub := *p
	sub.Load = append([]int(nil), p.Load...)
	for b := range fixed {
		if fixed[b] > 0 {
			sub.Load[b] = 0
		}
	}
	sub.Load[split] = 0
	for _, s := range order {
		if caps[s] < p.Load[split] || *budget <= 0 {
			continue
		}
		*budget--
		caps[s] -= p.Load[split]
		fixed[split] = s + 1
		fc := fixedCost + float64(p.Load[split])*p.Cost[split][s]
		if lb, f2, placed := sub.transport(caps); placed && fc+lb < *bestC-1e-9*math.Abs(*bestC) {
			p.dive(caps, fixed, f2, fc, budget, best, bestC)
		}
		caps[s] += p.Load[split]
		fixed[split] = 0
	}
}

// exactSearch proves the optimum by depth-first branch and bound, seeded
// with the heuristic's cost, within a node budget; it reports false when
// the budget runs out.
func (p *Problem) exactSearch(seed Solution) (Solution, bool) {
	nb, ns := p.nb(), p.ns()
	order := make([]int, nb)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return p.Load[order[i]] > p.Load[order[j]] })
	// rest[k] is the least cost of buildings order[k:], each at its nearest site.
	rest := make([]float64, nb+1)
	for k := nb - 1; k >= 0; k-- {
		b := order[k]
		m := math.Inf(1)
		for s := 0; s < ns; s++ {
			m = math.Min(m, float64(p.Load[b])*p.Cost[b][s])
		}
		rest[k] = rest[k+1] + m
	}
	best := seed.Cost
	if !seed.Feasible {
		best = math.Inf(1)
	}
	bestSite := append([]int(nil), seed.Site...)
	site := make([]int, nb)
	loads := make([]int, ns)
	nodes := 0
	var dfs func(k int, cost float64) bool
	dfs = func(k int, cost float64) bool {
		nodes++
		if nodes > p.Budget {
			return false
		}
		if cost+rest[k] >= best-1e-6 {
			return true
		}
		if k == nb {
			best = cost
			copy(bestSite, site)
			return true
		}
		b := order[k]
		sites := make([]int, ns)
		for s := range sites {
			sites[s] = s
		}
		sort.Slice(sites, func(i, j int) bool { return p.Cost[b][sites[i]] < p.Cost[b][sites[j]] })
		for _, s := range sites {
			if math.IsInf(p.Cost[b][s], 1) {
				continue
			}
			loads[s] += p.Load[b]
			if _, _, ok := p.desksFor(loads); ok {
				site[b] = s
				if !dfs(k+1, cost+float64(p.Load[b])*p.Cost[b][s]) {
					loads[s] -= p.Load[b]
					return false
				}
			}
			loads[s] -= p.Load[b]
		}
		return true
	}
	if !dfs(0, 0) || math.IsInf(best, 1) {
		return Solution{}, false
	}
	a := Solution{Site: bestSite, Cost: best, Exact: true}
	a.Desks, _, a.Feasible = p.desksFor(p.loads(bestSite))
	return a, true
}
