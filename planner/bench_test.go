package planner

import (
	"bytes"
	"os"
	"testing"

	"natq/planner/synth"
)

// contestSource reads the contest compound from testdata.
func contestSource(tb testing.TB) *Source {
	tb.Helper()
	data, err := os.ReadFile("../testdata/contest.geojson")
	if err != nil {
		tb.Fatal(err)
	}
	src, err := Read("contest.geojson", data)
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

// testParams are the defaults on a fixed day, so that no test's plan is
// dated by the machine's clock.
func testParams() Params {
	p := DefaultParams()
	p.Date = "2026-12-01"
	return p
}

// contestParams are the parameters the contest compound is planned with:
// enough desks for the day to fit by noon.
func contestParams() Params {
	p := DefaultParams()
	p.Date, p.TZ, p.Desks = "2026-12-01", "Asia/Shanghai", 30
	return p
}

// benchCompounds are the benchmark inputs: the contest compound, the
// largest real file planned as one area, each with desks enough for the
// day, and a synthetic city of 20 compounds (natq-synth city), the kind
// of compound natq plans 15,000 of: a run's ns/op is for all 20, and
// ns/compound for one.
var benchCompounds = []struct {
	name, file string
	sel        Selection
	desks      int
}{
	{"contest", "../testdata/contest.geojson", Selection{}, 30},
	{"beijing-whole-file", "../testdata/real/beijing_tsinghua_compounds.osm", Selection{WholeFile: true, WholeID: "beijing"}, 240},
	{"city-20", "", Selection{}, 12},
}

// benchData is a benchmark input's file, or the city it names.
func benchData(tb testing.TB, file string) []byte {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		return data
	}
	var buf bytes.Buffer
	if _, err := synth.WriteCity(&buf, synth.CityOptions{Compounds: 20, Seed: 1}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkRoutes times routing from a parsed Source: finding the
// compound and building its walkway network (Compounds), then, for a dry
// and a wet day, the shortest-path tree from every site joined to the
// walkways, as Make grows them. The goal for routing is well under 50 ms.
func BenchmarkRoutes(b *testing.B) { benchPlan(b, false) }

// BenchmarkPlan times the whole of Make from a parsed Source: network,
// layouts, assignment, schedule, routes, posts, visits, both variants. It
// is what bench.sh runs (BenchmarkPlan$).
func BenchmarkPlan(b *testing.B) { benchPlan(b, true) }

func benchPlan(b *testing.B, whole bool) {
	for _, bc := range benchCompounds {
		data := benchData(b, bc.file)
		src, err := Read(bc.name, data)
		if err != nil {
			b.Fatal(err)
		}
		p := testParams()
		p.Desks = bc.desks
		b.Run(bc.name, func(b *testing.B) {
			trees, compounds := 0, 0
			for b.Loop() {
				cs, err := src.Compounds(bc.sel)
				if err != nil {
					b.Fatal(err)
				}
				compounds += len(cs)
				for _, c := range cs {
					if whole {
						if _, err := Make(c, p); err != nil {
							b.Fatal(err)
						}
						continue
					}
					var joined []*Site
					for _, s := range c.Sites {
						if s.node >= 0 {
							joined = append(joined, s)
						}
					}
					trees = 0
					for _, v := range p.Variants {
						trees += len(c.Net.treesFrom(joined, c.Net.edgeCosts(v, p.RainFactor)))
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(compounds), "ns/compound")
			if !whole {
				if trees == 0 {
					b.Fatal("no site joins the walkways")
				}
				b.ReportMetric(float64(trees), "trees")
			}
		})
	}
}
