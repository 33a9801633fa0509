package planner

import (
	"os"
	"testing"
)

// BenchmarkPlanRoutes times what natq plan does after reading the file:
// finding the compound, building its walkway network, and routing every
// building for a dry and a wet day with the default parameters. The goal
// is well under 50 ms for each.
func BenchmarkPlanRoutes(b *testing.B) {
	benches := []struct {
		name, file string
		sel        Selection
	}{
		{"contest", "../testdata/contest.geojson", Selection{}},
		{"beijing-whole-file", "../testdata/real/beijing_tsinghua_compounds.osm", Selection{WholeFile: true, WholeID: "beijing"}},
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			data, err := os.ReadFile(bb.file)
			if err != nil {
				b.Fatal(err)
			}
			src, err := Read(bb.file, data)
			if err != nil {
				b.Fatal(err)
			}
			p := DefaultParams()
			routes := 0
			for b.Loop() {
				cs, err := src.Compounds(bb.sel)
				if err != nil {
					b.Fatal(err)
				}
				routes = 0
				for _, c := range cs {
					pl, err := Make(c, p)
					if err != nil {
						b.Fatal(err)
					}
					for _, vp := range pl.Variants {
						routes += len(vp.Routes)
					}
				}
			}
			if routes == 0 {
				b.Fatal("no routes planned")
			}
			b.ReportMetric(float64(routes), "routes")
		})
	}
}
