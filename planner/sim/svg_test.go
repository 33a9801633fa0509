package sim

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestSVGMarksChanges: the chart of s2 with a desk lost at 08:30 marks
// the moment and what the site had from then; its half-hour ticks are
// there whatever second the series starts at.
func TestSVGMarksChanges(t *testing.T) {
	d := contestDay(t)
	p := DefaultParams()
	p.Runs = 2
	at := time.Date(2026, 12, 1, 8, 30, 0, 0, d.TZ)
	rep, err := Simulate(d, p, WhatIfs{DesksDown: []DesksDown{{Site: "s2", N: 1, At: at}}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteSVG(&b, rep.Scenarios[2], site(rep.Scenarios[2], "s2")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), ">08:30: 1 desk, 360 markers<") {
		t.Errorf("s2's chart does not mark the desk lost at 08:30:\n%s", b.String())
	}
	b.Reset()
	if err := WriteSVG(&b, rep.Scenarios[0], site(rep.Scenarios[0], "s2")); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "desk,") {
		t.Error("the base run's chart marks a change")
	}

	// A series from 06:59:30: the minute from 06:59:30 holds 07:00.
	start := time.Date(2026, 12, 1, 6, 59, 30, 0, d.TZ)
	n := 90
	se := Series{Start: start, MeanLine: make([]float64, n), MaxLine: make([]int32, n), MaxDemand: make([]int32, n),
		Markers: []markAt{{0, 40}}}
	for i := range n {
		se.MaxDemand[i], se.MaxLine[i], se.MeanLine[i] = 5, 5, 5
	}
	b.Reset()
	if err := WriteSVG(&b, &Scenario{Name: "dry"}, &SiteReport{Site: "s1", Markers: 40, Series: &se}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{">07:00<", ">07:30<", ">08:00<"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("a series from 06:59:30 has no tick %s", want)
		}
	}
}
