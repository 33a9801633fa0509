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
	// quick skips the search for the last few percent of walking
	// (reassign, deskSearch) when only feasibility matters: the probes
	// for --end auto and for what would fit solve many problems whose
	// cost nobody reads.
	quick bool
	// relaxed is the transportation relaxation, which does not depend on
	// the desk budget: set it to reuse one solved before.
	relaxed *relaxed
}

type relaxed struct {
	lower  float64
	site   []int
	placed bool
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

// exactMaxBuildings is the largest instance branch and bound is tried on;
// beyond it the search rarely finishes within its budget.
const exactMaxBuildings = 24

// searchMaxBuildings is the largest instance the search over desks per
// site is tried on: with more, each step's improvement of the assignment
// costs too much for a plan that solves many problems, and the buildings
// are small beside the sites, so moves and swaps do well.
const searchMaxBuildings = 64

// solve finds a good assignment: exactly by branch and bound when the
// instance is small enough, else from the transportation relaxation
// rounded, repaired to the desk budget, and improved by moves and swaps.
// The relaxation's optimum is the lower bound either way.
func (p *assignProblem) solve() assignment {
	if p.desksAtLeast() > p.desks {
		return assignment{site: make([]int, p.nb())}
	}
	if p.relaxed == nil {
		lb, frac, placed := p.relaxation()
		p.relaxed = &relaxed{lb, frac, placed}
	}
	lb, frac, placed := p.relaxed.lower, p.relaxed.site, p.relaxed.placed
	a := p.round(frac)
	if !placed {
		// Even split freely, the sites cannot take everyone, or no packing
		// of the desks can: no repair will help.
		a.feasible = false
		a.lower = lb
		return a
	}
	p.repair(&a)
	if p.quick && a.feasible {
		// Only whether it fits was asked: it does. (When repair fails,
		// the full search below may still find a fit.)
		a.lower = math.Min(lb, a.cost)
		return a
	}
	p.improve(&a)
	if a.feasible && !p.quick && p.nb() <= searchMaxBuildings && a.cost > lb*(1+1e-3) {
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
			ex.lower = ex.cost
			return ex
		}
	}
	a.lower = math.Min(lb, a.cost)
	for _, s := range a.site {
		if s < 0 {
			a.feasible = false // a building reaches none of these sites
		}
	}
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
func (p *assignProblem) relaxation() (float64, []int, bool) {
	caps := make([]int, p.ns())
	for s := range caps {
		caps[s] = p.most(s, p.maxD[s])
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
				if !math.IsInf(p.cost[b][s], 1) && (site[b] < 0 || p.cost[b][s] < p.cost[b][site[b]]) {
					site[b] = s
				}
			}
		}
	}
	return total, site, placed
}

// most is the most people d desks can sample at site s.
func (p *assignProblem) most(s, d int) int {
	if d <= 0 {
		return 0
	}
	lo, hi := 0, 1
	for p.need(s, hi) <= d && hi < 1<<30 {
		hi *= 2
	}
	for lo+1 < hi {
		m := (lo + hi) / 2
		if p.need(s, m) <= d {
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
func (p *assignProblem) transport(caps []int) (float64, [][]int, bool) {
	nb, ns := p.nb(), p.ns()
	capLeft := append([]int(nil), caps...)
	flow := make([][]int, nb)
	for b := range flow {
		flow[b] = make([]int, ns)
	}
	left := append([]int(nil), p.load...)
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
	var h heap
	for {
		for v := range dist {
			dist[v], prev[v], done[v] = math.Inf(1), -1, false
		}
		h = h[:0]
		for b := 0; b < nb; b++ {
			if left[b] > 0 {
				dist[b] = -pot[b]
				h.push(item{dist[b], int32(b)})
			}
		}
		for len(h) > 0 {
			it := h.pop()
			v := int(it.node)
			if done[v] {
				continue
			}
			done[v] = true
			relax := func(w int, c float64) {
				if nd := dist[v] + c + pot[v] - pot[w]; nd < dist[w]-1e-12 {
					dist[w], prev[w] = nd, v
					h.push(item{nd, int32(w)})
				}
			}
			if v < nb {
				for s := 0; s < ns; s++ {
					if !math.IsInf(p.cost[v][s], 1) {
						relax(nb+s, p.cost[v][s])
					}
				}
			} else {
				s := v - nb
				for b := 0; b < nb; b++ {
					if flow[b][s] > 0 {
						relax(b, -p.cost[b][s])
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
				pathCost += p.cost[u][v-nb]
			} else {
				flow[v][u-nb] -= amt
				pathCost -= p.cost[v][u-nb]
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
func (p *assignProblem) desksAtLeast() int {
	perDesk := 0.0
	for s := range p.maxD {
		for d := 1; d <= p.maxD[s]; d++ {
			perDesk = math.Max(perDesk, float64(p.most(s, d))/float64(d))
		}
	}
	people := 0
	for _, l := range p.load {
		people += l
	}
	if perDesk == 0 {
		return math.MaxInt32
	}
	return int(math.Ceil(float64(people)/perDesk - 1e-9))
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
// that frees the most desk-overflow for the least added walking. Overflow
// is desks over the budget plus desks over each site's max; a move changes
// only its two sites' needs, so it is priced in constant time.
func (p *assignProblem) repair(a *assignment) {
	loads := p.loads(a.site)
	need := make([]int, p.ns())
	total, over := 0, 0
	part := func(s, l int) (int, int) { // desks counted, desks over max
		if l == 0 {
			return 0, 0
		}
		d := p.need(s, l)
		if d > p.maxD[s] {
			return p.maxD[s], d - p.maxD[s]
		}
		return d, 0
	}
	for s, l := range loads {
		d, o := part(s, l)
		need[s] = d
		total += d
		over += o
	}
	ov := func(total, over int) int { return over + max(0, total-p.desks) }
	for cur := ov(total, over); cur > 0; cur = ov(total, over) {
		bestB, bestS := -1, -1
		bestRatio := math.Inf(1)
		var bestT, bestO int
		for b, s := range a.site {
			if s < 0 {
				continue
			}
			ds, os := part(s, loads[s])
			dsN, osN := part(s, loads[s]-p.load[b])
			for s2 := 0; s2 < p.ns(); s2++ {
				if s2 == s || math.IsInf(p.cost[b][s2], 1) {
					continue
				}
				d2, o2 := part(s2, loads[s2])
				d2N, o2N := part(s2, loads[s2]+p.load[b])
				t := total - ds - d2 + dsN + d2N
				o := over - os - o2 + osN + o2N
				gain := cur - ov(t, o)
				if gain <= 0 {
					continue
				}
				r := float64(p.load[b]) * (p.cost[b][s2] - p.cost[b][s]) / float64(gain)
				if r < bestRatio {
					bestB, bestS, bestRatio, bestT, bestO = b, s2, r, t, o
				}
			}
		}
		if bestB < 0 {
			break // no move helps: the day does not fit
		}
		loads[a.site[bestB]] -= p.load[bestB]
		loads[bestS] += p.load[bestB]
		a.site[bestB] = bestS
		total, over = bestT, bestO
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

// reassign re-solves the choice of sites for desk counts near a's: its
// own, with a spare desk added at one site, or one desk moved between two
// sites. For each, the transportation problem with each site capped at
// what its desks sample splits at most a few buildings (a basic optimum
// has at most buildings + sites - 1 positive flows); the rest keep their
// site and the split ones try every site they have people at. When the
// desks are tight, this reaches assignments that moves and swaps of one or
// two buildings cannot: freeing room at one site for a building often
// takes a chain of three or four moves.
func (p *assignProblem) reassign(a *assignment, budget *int) {
	for round := 0; round < 4; round++ {
		base, total, ok := p.desksFor(p.loads(a.site))
		if !ok {
			return
		}
		vecs := [][]int{base}
		for s := range base {
			if total < p.desks && base[s] < p.maxD[s] {
				v := append([]int(nil), base...)
				v[s]++
				vecs = append(vecs, v)
			}
			for t := range base {
				if t != s && base[s] > 0 && base[t] < p.maxD[t] {
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
				caps[s] = p.most(s, v[s])
			}
			if *budget <= 0 {
				return
			}
			*budget--
			lb, flow, placed := p.transport(caps)
			if !placed || lb >= a.cost-1e-9*a.cost {
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
func (p *assignProblem) fromFlow(a *assignment, caps []int, flow [][]int, budget *int) bool {
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
	divedC := a.cost
	p.dive(append([]int(nil), caps...), make([]int, p.nb()), flow, 0, budget, &dived, &divedC)
	for _, site := range [][]int{p.roundFlow(flow), dived, share} {
		if site == nil {
			continue
		}
		c := p.round(site)
		p.repair(&c)
		p.improve(&c)
		if c.feasible && c.cost < a.cost-1e-9*a.cost {
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
func (p *assignProblem) deskSearch(a *assignment, budget *int) (float64, bool) {
	open := math.Inf(1)
	ns := p.ns()
	most := make([][]int, ns)
	for s := range most {
		most[s] = make([]int, p.maxD[s]+1)
		for d := range most[s] {
			most[s][d] = p.most(s, d)
		}
	}
	v := make([]int, ns)
	cur := p.loads(a.site)
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
				caps[t] = most[t][min(p.maxD[t], left)]
			}
		}
		*budget--
		lb, flow, placed := p.transport(caps)
		if !placed || lb >= a.cost-1e-9*a.cost {
			return
		}
		if s == ns {
			p.fromFlow(a, caps, flow, budget)
			if lb < a.cost-1e-9*a.cost {
				open = math.Min(open, lb)
			}
			return
		}
		// The incumbent's count first, then the others nearest it.
		hi := min(p.maxD[s], left)
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
	rec(0, p.desks)
	return math.Min(open, a.cost), *budget > 0
}

// roundFlow turns a transportation flow into an assignment that fits the
// desks: buildings wholly at one site stay there; those split try each
// site they have people at, all combinations (the few most split first,
// the rest to their largest share). It returns nil when none fits.
func (p *assignProblem) roundFlow(flow [][]int) []int {
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
				if c := p.costOf(site); c < bestC {
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
func (p *assignProblem) dive(caps, fixed []int, flow [][]int, fixedCost float64, budget *int, best *[]int, bestC *float64) {
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
		if n > 1 && (split < 0 || p.load[b] > p.load[split]) {
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
			if c := p.costOf(site); c < *bestC {
				*best, *bestC = site, c
			}
		}
		return
	}
	order := []int{}
	for s := range flow[split] {
		if !math.IsInf(p.cost[split][s], 1) {
			order = append(order, s)
		}
	}
	sort.Slice(order, func(i, j int) bool {
		fi, fj := flow[split][order[i]], flow[split][order[j]]
		if fi != fj {
			return fi > fj
		}
		return p.cost[split][order[i]] < p.cost[split][order[j]]
	})
	sub := *p
	sub.load = append([]int(nil), p.load...)
	for b := range fixed {
		if fixed[b] > 0 {
			sub.load[b] = 0
		}
	}
	sub.load[split] = 0
	for _, s := range order {
		if caps[s] < p.load[split] || *budget <= 0 {
			continue
		}
		*budget--
		caps[s] -= p.load[split]
		fixed[split] = s + 1
		fc := fixedCost + float64(p.load[split])*p.cost[split][s]
		if lb, f2, placed := sub.transport(caps); placed && fc+lb < *bestC-1e-9*math.Abs(*bestC) {
			p.dive(caps, fixed, f2, fc, budget, best, bestC)
		}
		caps[s] += p.load[split]
		fixed[split] = 0
	}
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
