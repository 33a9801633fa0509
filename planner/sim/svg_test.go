package sim

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSVGTicks: a chart's half-hour ticks are at the minute that holds
// the half hour, whatever second the series starts at (the marks of a
// what-if's changes: TestSimulateDesksDown).
func TestSVGTicks(t *testing.T) {
	var b bytes.Buffer
	// A series from 06:59:30: the minute from 06:59:30 holds 07:00.
	start := time.Date(2026, 12, 1, 6, 59, 30, 0, time.FixedZone("CST", 8*3600))
	n := 90
	se := Series{Start: start, MeanLine: make([]float64, n), MaxLine: make([]int32, n), MaxDemand: make([]int32, n),
		Markers: []markAt{{0, 40}}}
	for i := range n {
		se.MaxDemand[i], se.MaxLine[i], se.MeanLine[i] = 5, 5, 5
	}
	if err := WriteSVG(&b, &Scenario{Name: "dry"}, &SiteReport{Site: "s1", Markers: 40, Series: &se}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">07:00<", ">07:30<", ">08:00<"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("a series from 06:59:30 has no tick %s", want)
		}
	}
	// 07:00 at the first minute's column (x 56.0, the plot's left), not
	// the second's, which starts at 07:00:30.
	if !regexp.MustCompile(`<text x="56\.0" y="[0-9.]+" text-anchor="middle">07:00</text>`).MatchString(b.String()) {
		t.Errorf("the 07:00 tick is not at the minute from 06:59:30:\n%s", b.String())
	}
}
