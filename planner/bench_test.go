package planner

import (
	"math"
	"os"
	"testing"
)

// benchCompounds are the two benchmark inputs: the contest
// compound, and the largest real file planned as one area.
var benchCompounds = []struct {
	name, file string
	sel        Selection
	desks      int // enough for the day, for Make; 0: do not time Make
}{
	{"contest", "../testdata/contest.geojson", Selection{}, 40},
	// Make on the whole Beijing file (240 desks) took 2 s at bb52447 and
	// minutes in the assignment's reassign at 85d4b3a; its routing is
	// timed on its own.
	{"beijing-whole-file", "../testdata/real/beijing_tsinghua_compounds.osm", Selection{WholeFile: true, WholeID: "beijing"}, 0},
}

// BenchmarkPlanRoutes times routing from a parsed Source: finding the
// compound and building its walkway network (Compounds), then, for a dry
// and a wet day, the shortest-path tree from every usable site and every
// building's way from each door to its nearest site ("routes"); and the
// whole of Make, sites set out, capacitated assignment and schedule, with
// the default parameters but desks enough for the day ("make"). The
// issue's goal for routing is well under 50 ms.
func BenchmarkPlanRoutes(b *testing.B) {
	for _, bc := range benchCompounds {
		data, err := os.ReadFile(bc.file)
		if err != nil {
			b.Fatal(err)
		}
		src, err := Read(bc.file, data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name+"/routes", func(b *testing.B) {
			routes := 0
			for b.Loop() {
				cs, err := src.Compounds(bc.sel)
				if err != nil {
					b.Fatal(err)
				}
				routes = 0
				for _, c := range cs {
					for _, v := range []Variant{Dry, Wet} {
						routes += routeNearest(c, v, 4)
					}
				}
			}
			if routes == 0 {
				b.Fatal("no routes")
			}
			b.ReportMetric(float64(routes), "routes")
		})
		if bc.desks == 0 {
			continue
		}
		b.Run(bc.name+"/make", func(b *testing.B) {
			p := DefaultParams()
			p.Desks = bc.desks
			for b.Loop() {
				cs, err := src.Compounds(bc.sel)
				if err != nil {
					b.Fatal(err)
				}
				for _, c := range cs {
					if _, err := Make(c, p); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// routeNearest routes every building of c to its nearest usable site in
// weather v, as the planner foundation does before capacities, and
// returns the number of door-to-site ways drawn.
func routeNearest(c *Compound, v Variant, rainFactor float64) int {
	n := c.Net
	var sites []*Site
	for _, s := range c.Sites {
		if s.node >= 0 && (v == Dry || s.Sheltered) {
			sites = append(sites, s)
		}
	}
	if len(sites) == 0 {
		for _, s := range c.Sites {
			if s.node >= 0 {
				sites = append(sites, s)
			}
		}
	}
	cost := n.edgeCosts(v, rainFactor)
	trees := make([]*tree, len(sites))
	for i, s := range sites {
		trees[i] = n.shortest(s.node, cost)
	}
	drawn := 0
	for _, b := range c.Buildings {
		best, bestCost := -1, math.Inf(1)
		for i, t := range trees {
			if cst, ok := buildingCost(b, t); ok && cst < bestCost {
				best, bestCost = i, cst
			}
		}
		if best < 0 {
			continue
		}
		for _, e := range b.Entrances {
			if e.node >= 0 && !math.IsInf(trees[best].cost[e.node], 1) {
				_ = n.path(trees[best], e.node)
				drawn++
			}
		}
	}
	return drawn
}
