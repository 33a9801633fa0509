package planner

import (
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
	{"beijing-whole-file", "../testdata/real/beijing_tsinghua_compounds.osm", Selection{WholeFile: true, WholeID: "beijing"}, 240},
}

// BenchmarkPlanRoutes times routing from a parsed Source: finding the
// compound and building its walkway network (Compounds), then PlanRoutes:
// for a dry and a wet day, the shortest-path tree from every usable site
// and every building's way from each door to its nearest site ("routes"); and the
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
					pl, err := PlanRoutes(c, testParams())
					if err != nil {
						b.Fatal(err)
					}
					for _, vp := range pl.Variants {
						routes += len(vp.Routes)
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
			p := testParams()
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
