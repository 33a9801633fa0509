package planner

import (
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// TestGuidanceBreaches plans a compound that meets the national guidance,
// and one that breaks each of its figures in turn, and checks that natq
// plan's warnings name exactly the figures broken, and that the report
// carries the figures.
func TestGuidanceBreaches(t *testing.T) {
	const (
		site = "residents per site"
		desk = "residents per desk"
		walk = "longest walk"
		wait = "longest expected wait"
	)
	tests := []struct {
		name      string
		residents int
		far       float64 // metres along the walkway to the building's door
		desks     int
		window    time.Duration
		want      string // the breach warned of; "" for none
		needDesks int    // desks that would meet the guidance, when too few
	}{
		{"within", 1500, 100, 3, 15 * time.Minute, "", 0},
		{"one site for 3600", 3600, 100, 6, 15 * time.Minute, site, 0},
		{"one desk for 1500", 1500, 100, 1, 15 * time.Minute, desk, 2},
		{"a 1.3 km walk", 1500, 1300, 3, 15 * time.Minute, walk, 0},
		{"45-minute windows", 1500, 100, 3, 45 * time.Minute, wait, 0},
	}
	all := []string{site, desk, walk, wait}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := drawAt(testOrigin)
			d.way("w1", nil, orb.Point{0, 0}, orb.Point{tt.far + 50, 0})
			d.site("s1", true, square(-40, -30, 0, 0)...)
			d.building("b1", tt.residents, square(tt.far-10, 5, tt.far+10, 25)...)
			d.entrance("e1", orb.Point{tt.far, 5})
			p := testParams()
			p.Desks, p.Window, p.End, p.Rate = tt.desks, tt.window, "auto", 400
			pl, err := Make(d.compound(t), p)
			if err != nil {
				t.Fatalf("Make: %v", err)
			}
			for _, vp := range pl.Variants {
				var warned []string
				for _, w := range pl.Warnings {
					if strings.HasPrefix(w, string(vp.Variant)+": ") {
						warned = append(warned, w)
					}
				}
				for _, f := range all {
					got := false
					for _, w := range warned {
						got = got || strings.Contains(w, f)
					}
					if got != (f == tt.want) {
						t.Errorf("%s: warned of %q: %v, want %v (warnings %q; %+v)", vp.Variant, f, got, f == tt.want, warned, pl.Guidance(vp))
					}
				}
				g := pl.Guidance(vp)
				if g.DesksNeeded != tt.needDesks {
					t.Errorf("%s: DesksNeeded = %d, want %d", vp.Variant, g.DesksNeeded, tt.needDesks)
				}
				rep := parsePlan(t, pl).report[string(vp.Variant)]
				gm, ok := rep["guidance"].(map[string]any)
				if !ok {
					t.Fatalf("%s: natq:report has no guidance: %v", vp.Variant, rep)
				}
				for _, k := range []string{"residents_per_site", "residents_per_desk", "longest_walk_min", "longest_wait_min", "desks_needed"} {
					if _, ok := gm[k]; !ok {
						t.Errorf("%s: natq:report guidance lacks %s: %v", vp.Variant, k, gm)
					}
				}
				if got, want := gm["longest_wait_min"], tt.window.Minutes(); got != want {
					t.Errorf("%s: longest_wait_min = %v, want %v (a full window over its desks)", vp.Variant, got, want)
				}
			}
		})
	}
}
