package planner

import (
	"math"
	"time"

	"github.com/paulmach/orb"
)

// The door-to-door round: sealed buildings and households who cannot walk
// are sampled at home, in an order this file decides.

// SampleTime is how long the door-to-door team takes per household.
const SampleTime = 3 * time.Minute

// A Visit is the door-to-door team's round: sealed buildings and
// households who cannot walk, from the nearest gate.
type Visit struct {
	Stops      []*Building
	Path       orb.LineString // plane
	Length     float64
	Households int
	Duration   time.Duration // walking plus SampleTime per household
}

// visits orders the home visits by nearest neighbour from the gate nearest
// them, then 2-opt, on walking distances over the network.
func (vp *VariantPlan) visits(c *Compound, n *Network, p Params) *Visit {
	home := map[string]int{}
	for _, h := range p.HomeVisits {
		home[h.Building]++
	}
	var stops []*Building
	hh := 0
	for _, b := range c.Buildings {
		k := home[b.ID]
		if b.Sealed {
			k = b.Households
		}
		if k > 0 && len(b.Entrances) > 0 && b.Entrances[0].node >= 0 {
			stops = append(stops, b)
			hh += k
		}
	}
	if len(stops) == 0 {
		return nil
	}
	// Start: the gate nearest the first stop, else that stop itself.
	nodes := []int32{-1}
	for _, b := range stops {
		nodes = append(nodes, b.Entrances[0].node)
	}
	cost := n.visitCosts()
	trees := make([]*tree, len(nodes))
	for i := 1; i < len(nodes); i++ {
		trees[i] = n.shortest(nodes[i], cost)
	}
	nodes[0] = nodes[1]
	bestG := math.Inf(1)
	for _, g := range c.Gates {
		if g.node >= 0 {
			for i := 1; i < len(nodes); i++ {
				if d := trees[i].cost[g.node]; d < bestG {
					bestG, nodes[0] = d, g.node
				}
			}
		}
	}
	trees[0] = n.shortest(nodes[0], cost)
	d := func(i, j int) float64 { return trees[i].cost[nodes[j]] }
	// Nearest neighbour from the start.
	tour := []int{0}
	seen := map[int]bool{0: true}
	for len(tour) < len(nodes) {
		last, next := tour[len(tour)-1], -1
		for j := range nodes {
			if !seen[j] && (next < 0 || d(last, j) < d(last, next)) {
				next = j
			}
		}
		if math.IsInf(d(last, next), 1) {
			break
		}
		tour = append(tour, next)
		seen[next] = true
	}
	// 2-opt on the open path (the team need not come back).
	for improved := true; improved; {
		improved = false
		for i := 1; i+1 < len(tour); i++ {
			for j := i + 1; j < len(tour); j++ {
				before := d(tour[i-1], tour[i])
				after := d(tour[i-1], tour[j])
				if j+1 < len(tour) {
					before += d(tour[j], tour[j+1])
					after += d(tour[i], tour[j+1])
				}
				if after < before-1e-6 {
					for a, b := i, j; a < b; a, b = a+1, b-1 {
						tour[a], tour[b] = tour[b], tour[a]
					}
					improved = true
				}
			}
		}
	}
	v := &Visit{Households: hh}
	for k := 1; k < len(tour); k++ {
		v.Stops = append(v.Stops, stops[tour[k]-1])
		seg := n.path(trees[tour[k]], nodes[tour[k-1]])
		if len(v.Path) > 0 {
			seg = seg[1:]
		}
		v.Path = append(v.Path, seg...)
		v.Length += d(tour[k-1], tour[k])
	}
	if len(v.Path) < 2 {
		v.Path = append(v.Path, v.Path...)
	}
	v.Duration = time.Duration(v.Length/p.WalkSpeed*float64(time.Second)) + time.Duration(hh)*SampleTime
	return v
}
