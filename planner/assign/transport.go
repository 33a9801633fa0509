package assign

import (
	"math"

	"natq/planner/internal/minheap"
)

// The transportation problem, in which a building may be split between
// sites: its optimum bounds every assignment from below, and its flows
// are where the searches start.

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
				// A settled node keeps its path: the reduced costs are
				// non-negative but for rounding (1e-12 of a metre on
				// sums of thousands), and re-parenting a settled node
				// can close a loop in prev, which the path walk below
				// would follow forever.
				if done[w] {
					return
				}
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
