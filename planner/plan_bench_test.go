package planner

import (
	"os"
	"testing"
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

// BenchmarkPlan plans the contest compound, both variants, from the parsed
// file: network, layouts, assignment, schedule, routes, posts, visits.
func BenchmarkPlan(b *testing.B) {
	src := contestSource(b)
	p := contestParams()
	for b.Loop() {
		cs, err := src.Compounds(Selection{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Make(cs[0], p); err != nil {
			b.Fatal(err)
		}
	}
}
