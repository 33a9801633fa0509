package planner

import (
	"math"
	"sort"
)

// An assignProblem is the capacitated choice at the heart of a plan: put
// every building at one site, and desks at sites (at most K in all, at most
// a site's max each), so that every site's desks can sample its residents
// in the day, with the least resident-weighted walking.
type assignProblem struct {
	load   []int                        // people per building
	cost   [][]float64                  // metres per person, building x site; +Inf unreachable
	need   func(site int, load int) int // desks site needs for load; > maxDesks when impossible
	maxD   []int
	desks  int
	budget int // exact-search node budget
}

// An assignment is a solution: each building's site, each site's desks.
type assignment struct {
	site     []int
	desks    []int
	cost     float64
	lower    float64 // lower bound on the optimum cost
	exact    bool    // cost is proven optimal
	feasible bool
}

func (p *assignProblem) nb() int { return len(p.load) }
func (p *assignProblem) ns() int { return len(p.maxD) }

// solve finds a good assignment: exactly by branch and bound when the
// instance is small enough, else from the transportation relaxation
// rounded, repaired to the desk budget, and improved by moves and swaps.
// The relaxation's optimum is the lower bound either way.
func (p *assignProblem) solve() assignment {
	lb, frac := p.relaxation()
	a := p.round(frac)
	p.repair(&a)
	p.improve(&a)
	if ex, ok := p.exactSearch(a); ok {
		ex.lower = ex.cost
		return ex
	}
	a.lower = math.Min(lb, a.cost)
	return a
}

func (p *assignProblem) loads(site []int) []int {
	l := make([]int, p.ns())
	for b, s := range site {
		if s >= 0 {
			l[s] += p.load[b]
		}
	}
	return l
}

// desksFor gives each site the desks its load needs, and reports whether
// that fits the budget and each site's max.
func (p *assignProblem) desksFor(loads []int) ([]int, int, bool) {
	d := make([]int, p.ns())
	total, ok := 0, true
	for s, l := range loads {
		if l == 0 {
			continue
		}
		d[s] = p.need(s, l)
		if d[s] > p.maxD[s] {
			ok = false
		}
		total += d[s]
	}
	return d, total, ok && total <= p.desks
}

func (p *assignProblem) costOf(site []int) float64 {
	var c float64
	for b, s := range site {
		if s >= 0 {
			c += float64(p.load[b]) * p.cost[b][s]
		}
	}
	return c
}

// relaxation solves the transportation problem in which a building may be
// split between sites and each site takes up to what its most desks can
// sample (successive shortest paths on the bipartite graph; buildings and
// sites are few). It returns the optimum, a lower bound for the real
// problem, and each building's largest share's site.
func (p *assignProblem) relaxation() (float64, []int) {
	nb, ns := p.nb(), p.ns()
	capLeft := make([]int, ns)
	for s := range capLeft {
		// The most people maxD desks can sample at site s.
		lo, hi := 0, 1
		for p.need(s, hi) <= p.maxD[s] && hi < 1<<30 {
			hi *= 2
		}
		for lo+1 < hi {
			m := (lo + hi) / 2
			if p.need(s, m) <= p.maxD[s] {
				lo = m
			} else {
				hi = m
			}
		}
		capLeft[s] = lo
	}
	flow := make([][]int, nb)
	for b := range flow {
		flow[b] = make([]int, ns)
	}
	left := append([]int(nil), p.load...)
	total := 0.0
	// Augment one building's remaining people at a time along the
	// cheapest path building -> site, or building -> site <- building' ->
	// site' (moving b' away to make room), found by Bellman-Ford on the
	// residual graph over sites.
	type lab struct {
		d     float64
		prevB int // building that entered this site
		prevS int // site that building came from (-1: it came from the source)
	}
	lbl := make([]lab, ns)
	for {
		// Labels from a super source joined to every building with people
		// left, then Bellman-Ford over the residual site-to-site arcs.
		for s := range lbl {
			lbl[s] = lab{d: math.Inf(1), prevB: -1, prevS: -1}
			for b := 0; b < nb; b++ {
				if left[b] > 0 && p.cost[b][s] < lbl[s].d {
					lbl[s] = lab{d: p.cost[b][s], prevB: b, prevS: -1}
				}
			}
		}
		for it := 0; it < ns; it++ {
			changed := false
			for s := 0; s < ns; s++ {
				if math.IsInf(lbl[s].d, 1) {
					continue
				}
				for b2 := 0; b2 < nb; b2++ {
					if flow[b2][s] == 0 {
						continue
					}
					for s2 := 0; s2 < ns; s2++ {
						if s2 == s {
							continue
						}
						if d := lbl[s].d - p.cost[b2][s] + p.cost[b2][s2]; d < lbl[s2].d-1e-9 {
							lbl[s2] = lab{d, b2, s}
							changed = true
						}
					}
				}
			}
			if !changed {
				break
			}
		}
		best, bestEnd := math.Inf(1), -1
		for s := 0; s < ns; s++ {
			if capLeft[s] > 0 && lbl[s].d < best {
				best, bestEnd = lbl[s].d, s
			}
		}
		if bestEnd < 0 {
			break
		}
		bestPath := lbl
		bestSrc := -1
		for s := bestEnd; ; s = bestPath[s].prevS {
			if bestPath[s].prevS < 0 {
				bestSrc = bestPath[s].prevB
				break
			}
		}
		// Bottleneck along the path.
		amt := min(left[bestSrc], capLeft[bestEnd])
		for s := bestEnd; bestPath[s].prevS >= 0; s = bestPath[s].prevS {
			amt = min(amt, flow[bestPath[s].prevB][bestPath[s].prevS])
		}
		for s := bestEnd; ; s = bestPath[s].prevS {
			l := bestPath[s]
			flow[l.prevB][s] += amt
			if l.prevS < 0 {
				break
			}
			flow[l.prevB][l.prevS] -= amt
		}
		left[bestSrc] -= amt
		capLeft[bestEnd] -= amt
		total += best * float64(amt)
	}
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
				if !math.IsInf(p.cost[b][s], 1) && (site[b] < 0 || p.cost[b][s] < p.cost[b][site[b]]) {
					site[b] = s
				}
			}
		}
	}
	return total, site
}

func (p *assignProblem) round(site []int) assignment {
	a := assignment{site: append([]int(nil), site...)}
	a.desks, _, a.feasible = p.desksFor(p.loads(a.site))
	a.cost = p.costOf(a.site)
	return a
}

// overflow measures how far an assignment is from fitting: desks over the
// budget plus desks over each site's max.
func (p *assignProblem) overflow(loads []int) int {
	total, over := 0, 0
	for s, l := range loads {
		if l == 0 {
			continue
		}
		d := p.need(s, l)
		if d > p.maxD[s] {
			over += d - p.maxD[s]
			d = p.maxD[s]
		}
		total += d
	}
	return over + max(0, total-p.desks)
}

// repair moves buildings until the desks fit, each time taking the move
// that frees the most desk-overflow for the least added walking.
func (p *assignProblem) repair(a *assignment) {
	loads := p.loads(a.site)
	for ov := p.overflow(loads); ov > 0; ov = p.overflow(loads) {
		bestB, bestS := -1, -1
		bestRatio := math.Inf(1)
		for b, s := range a.site {
			if s < 0 {
				continue
			}
			for s2 := 0; s2 < p.ns(); s2++ {
				if s2 == s || math.IsInf(p.cost[b][s2], 1) {
					continue
				}
				loads[s] -= p.load[b]
				loads[s2] += p.load[b]
				gain := ov - p.overflow(loads)
				loads[s] += p.load[b]
				loads[s2] -= p.load[b]
				if gain <= 0 {
					continue
				}
				r := float64(p.load[b]) * (p.cost[b][s2] - p.cost[b][s]) / float64(gain)
				if r < bestRatio {
					bestB, bestS, bestRatio = b, s2, r
				}
			}
		}
		if bestB < 0 {
			break // no move helps: the day does not fit
		}
		loads[a.site[bestB]] -= p.load[bestB]
		loads[bestS] += p.load[bestB]
		a.site[bestB] = bestS
	}
	a.desks, _, a.feasible = p.desksFor(loads)
	a.cost = p.costOf(a.site)
}

// improve applies the best improving move (one building to another site)
// or swap (two buildings trade sites) that keeps the desks within budget,
// until none is left.
func (p *assignProblem) improve(a *assignment) {
	if !a.feasible {
		return
	}
	loads := p.loads(a.site)
	fits := func() bool { _, _, ok := p.desksFor(loads); return ok }
	for iter := 0; iter < 10000; iter++ {
		bestD := -1e-9
		kind, b1, b2, s2 := 0, -1, -1, -1
		for b, s := range a.site {
			for t := 0; t < p.ns(); t++ {
				if t == s || math.IsInf(p.cost[b][t], 1) {
					continue
				}
				d := float64(p.load[b]) * (p.cost[b][t] - p.cost[b][s])
				if d >= bestD {
					continue
				}
				loads[s] -= p.load[b]
				loads[t] += p.load[b]
				if fits() {
					bestD, kind, b1, s2 = d, 1, b, t
				}
				loads[s] += p.load[b]
				loads[t] -= p.load[b]
			}
		}
		for i := range a.site {
			for j := i + 1; j < len(a.site); j++ {
				si, sj := a.site[i], a.site[j]
				if si == sj || math.IsInf(p.cost[i][sj], 1) || math.IsInf(p.cost[j][si], 1) {
					continue
				}
				d := float64(p.load[i])*(p.cost[i][sj]-p.cost[i][si]) + float64(p.load[j])*(p.cost[j][si]-p.cost[j][sj])
				if d >= bestD {
					continue
				}
				delta := p.load[i] - p.load[j]
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
			a.desks, _, a.feasible = p.desksFor(loads)
			a.cost = p.costOf(a.site)
			return
		case 1:
			loads[a.site[b1]] -= p.load[b1]
			loads[s2] += p.load[b1]
			a.site[b1] = s2
		case 2:
			si, sj := a.site[b1], a.site[b2]
			delta := p.load[b1] - p.load[b2]
			loads[si] -= delta
			loads[sj] += delta
			a.site[b1], a.site[b2] = sj, si
		}
	}
	a.desks, _, a.feasible = p.desksFor(loads)
	a.cost = p.costOf(a.site)
}

// exactSearch proves the optimum by depth-first branch and bound, seeded
// with the heuristic's cost, within a node budget; it reports false when
// the budget runs out.
func (p *assignProblem) exactSearch(seed assignment) (assignment, bool) {
	nb, ns := p.nb(), p.ns()
	order := make([]int, nb)
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool { return p.load[order[i]] > p.load[order[j]] })
	// rest[k] is the least cost of buildings order[k:], each at its nearest site.
	rest := make([]float64, nb+1)
	for k := nb - 1; k >= 0; k-- {
		b := order[k]
		m := math.Inf(1)
		for s := 0; s < ns; s++ {
			m = math.Min(m, float64(p.load[b])*p.cost[b][s])
		}
		rest[k] = rest[k+1] + m
	}
	best := seed.cost
	if !seed.feasible {
		best = math.Inf(1)
	}
	bestSite := append([]int(nil), seed.site...)
	site := make([]int, nb)
	loads := make([]int, ns)
	nodes := 0
	var dfs func(k int, cost float64) bool
	dfs = func(k int, cost float64) bool {
		nodes++
		if nodes > p.budget {
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
		sort.Slice(sites, func(i, j int) bool { return p.cost[b][sites[i]] < p.cost[b][sites[j]] })
		for _, s := range sites {
			if math.IsInf(p.cost[b][s], 1) {
				continue
			}
			loads[s] += p.load[b]
			if _, _, ok := p.desksFor(loads); ok {
				site[b] = s
				if !dfs(k+1, cost+float64(p.load[b])*p.cost[b][s]) {
					loads[s] -= p.load[b]
					return false
				}
			}
			loads[s] -= p.load[b]
		}
		return true
	}
	if !dfs(0, 0) || math.IsInf(best, 1) {
		return assignment{}, false
	}
	a := assignment{site: bestSite, cost: best, exact: true}
	a.desks, _, a.feasible = p.desksFor(p.loads(bestSite))
	return a, true
}
