package assign

import (
	"math"
	"sort"
)

// The searches Solve runs from the relaxation's rounding: repair to the
// desks, moves and swaps, re-solves for desk counts near the incumbent's,
// and branch and bound, over the desks per site or over the buildings.

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
	covered := func(s int) bool { return p.Covered != nil && p.Covered[s] }
	under := 0 // desks at sites that need canopies
	for s, l := range loads {
		d, o := part(s, l)
		need[s] = d
		total += d
		over += o
		if covered(s) {
			under += d
		}
	}
	ov := func(total, over, under int) int {
		o := over + max(0, total-p.Desks)
		if p.Covered != nil {
			o += max(0, under-p.Canopies)
		}
		return o
	}
	for cur := ov(total, over, under); cur > 0; cur = ov(total, over, under) {
		bestB, bestS := -1, -1
		bestRatio := math.Inf(1)
		var bestT, bestO, bestU int
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
				u := under
				if covered(s) {
					u += dsN - ds
				}
				if covered(s2) {
					u += d2N - d2
				}
				gain := cur - ov(t, o, u)
				if gain <= 0 {
					continue
				}
				r := float64(p.Load[b]) * (p.Cost[b][s2] - p.Cost[b][s]) / float64(gain)
				if r < bestRatio {
					bestB, bestS, bestRatio, bestT, bestO, bestU = b, s2, r, t, o, u
				}
			}
		}
		if bestB < 0 {
			break // no move helps: the day does not fit
		}
		loads[a.Site[bestB]] -= p.Load[bestB]
		loads[bestS] += p.Load[bestB]
		a.Site[bestB] = bestS
		total, over, under = bestT, bestO, bestU
	}
	a.Desks, _, a.Feasible = p.desksFor(loads)
	a.Cost = p.CostOf(a.Site)
}

// improve applies the best improving move (one building to another site)
// or swap (two buildings trade sites) that keeps the desks within budget,
// until none is left. The best is the cheapest; among equals, the first
// in the order moves (building, site), then swaps (i, j > i).
//
// Each step prices every move and swap, buildings² of them: at 512
// buildings, hundreds of steps over a plan's dozens of solves took
// minutes. So each step keeps gain[b][t], the walking added by moving b
// to t (+Inf where t is b's site or out of reach), and least[s][t], the
// least gain of a building at s moving to t. A swap of i (at si) with j
// (at sj) adds gain[i][sj] + gain[j][si] >= gain[i][sj] + least[sj][si],
// so a building whose every such bound is no better than the best found
// has no swap worth pricing; nor has one whose least gain plus the least
// gain of any building moving to its site is. The desks a step needs are kept per site,
// and a move or swap changes only its two sites', so checking that it
// fits costs two Need calls, not one a site. The steps taken are the
// ones the plain scan takes (TestImproveAsPlainScan).
func (p *Problem) improve(a *Solution) {
	if !a.Feasible {
		return
	}
	nb, ns := p.nb(), p.ns()
	loads := p.loads(a.Site)
	need := make([]int, ns)
	needOf := func(s, l int) int {
		if l == 0 {
			return 0
		}
		return p.Need(s, l)
	}
	covered := func(s int) bool { return p.Covered != nil && p.Covered[s] }
	total, bad, under := 0, 0, 0 // desks, sites over their max, desks under canopies
	for s, l := range loads {
		need[s] = needOf(s, l)
		total += need[s]
		if need[s] > p.MaxDesks[s] {
			bad++
		}
		if covered(s) {
			under += need[s]
		}
	}
	// fits reports whether sites s and t at loads ls and lt (the others
	// as they are) fit, as desksFor would.
	fits := func(s, ls, t, lt int) bool {
		ds, dt := needOf(s, ls), needOf(t, lt)
		tot := total - need[s] - need[t] + ds + dt
		if tot > p.Desks {
			return false
		}
		b := bad
		for _, c := range [...][3]int{{s, need[s], ds}, {t, need[t], dt}} {
			if c[1] > p.MaxDesks[c[0]] {
				b--
			}
			if c[2] > p.MaxDesks[c[0]] {
				b++
			}
		}
		if b > 0 {
			return false
		}
		if p.Covered != nil {
			u := under
			if covered(s) {
				u += ds - need[s]
			}
			if covered(t) {
				u += dt - need[t]
			}
			if u > p.Canopies {
				return false
			}
		}
		return true
	}
	set := func(s, l int) {
		d := needOf(s, l)
		total += d - need[s]
		if need[s] > p.MaxDesks[s] {
			bad--
		}
		if d > p.MaxDesks[s] {
			bad++
		}
		if covered(s) {
			under += d - need[s]
		}
		loads[s], need[s] = l, d
	}
	inf := math.Inf(1)
	gain := make([]float64, nb*ns)
	rowMin := make([]float64, nb) // least of gain[b]
	setGain := func(b int) {
		s, g := a.Site[b], gain[b*ns:(b+1)*ns]
		rowMin[b] = inf
		for t := range g {
			g[t] = inf
			if t != s && s >= 0 && !math.IsInf(p.Cost[b][t], 1) {
				g[t] = float64(p.Load[b]) * (p.Cost[b][t] - p.Cost[b][s])
				if g[t] < rowMin[b] {
					rowMin[b] = g[t]
				}
			}
		}
	}
	for b := range a.Site {
		setGain(b)
	}
	least := make([]float64, ns*ns)
	setLeast := func(s int) {
		l := least[s*ns : (s+1)*ns]
		for t := range l {
			l[t] = inf
		}
		for b, sb := range a.Site {
			if sb == s {
				for t, v := range gain[b*ns : (b+1)*ns] {
					if v < l[t] {
						l[t] = v
					}
				}
			}
		}
	}
	for s := 0; s < ns; s++ {
		setLeast(s)
	}
	colMin := make([]float64, ns) // least of least[t][s] over t
	for iter := 0; iter < 10000; iter++ {
		for s := range colMin {
			colMin[s] = inf
		}
		for t := 0; t < ns; t++ {
			for s, v := range least[t*ns : (t+1)*ns] {
				if v < colMin[s] {
					colMin[s] = v
				}
			}
		}
		bestD := -1e-9
		kind, b1, b2, s2 := 0, -1, -1, -1
		for b, s := range a.Site {
			if rowMin[b] >= bestD {
				continue
			}
			g := gain[b*ns : (b+1)*ns]
			for t, d := range g {
				if d >= bestD {
					continue
				}
				if fits(s, loads[s]-p.Load[b], t, loads[t]+p.Load[b]) {
					bestD, kind, b1, s2 = d, 1, b, t
				}
			}
		}
		for i, si := range a.Site {
			if si < 0 {
				continue
			}
			if rowMin[i]+colMin[si] >= bestD {
				continue // a weaker bound than the one below, in constant time
			}
			gi := gain[i*ns : (i+1)*ns]
			bound := inf
			for t, g := range gi {
				if v := g + least[t*ns+si]; v < bound {
					bound = v
				}
			}
			if bound >= bestD {
				continue
			}
			for j := i + 1; j < nb; j++ {
				sj := a.Site[j]
				if sj == si || sj < 0 {
					continue
				}
				d := gi[sj] + gain[j*ns+si]
				if d >= bestD {
					continue
				}
				delta := p.Load[i] - p.Load[j]
				if fits(si, loads[si]-delta, sj, loads[sj]+delta) {
					bestD, kind, b1, b2 = d, 2, i, j
				}
			}
		}
		switch kind {
		case 0:
			a.Desks, _, a.Feasible = p.desksFor(loads)
			a.Cost = p.CostOf(a.Site)
			return
		case 1:
			s := a.Site[b1]
			set(s, loads[s]-p.Load[b1])
			set(s2, loads[s2]+p.Load[b1])
			a.Site[b1] = s2
			setGain(b1)
			setLeast(s)
			setLeast(s2)
		case 2:
			si, sj := a.Site[b1], a.Site[b2]
			delta := p.Load[b1] - p.Load[b2]
			set(si, loads[si]-delta)
			set(sj, loads[sj]+delta)
			a.Site[b1], a.Site[b2] = sj, si
			setGain(b1)
			setGain(b2)
			setLeast(si)
			setLeast(sj)
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
