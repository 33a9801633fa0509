package planner

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

const propEps = 1e-6

// checkMarkers checks a site's marks: every pair at least spacing apart
// (not only neighbours along the line), and every mark inside the site and
// EdgeClearance inside its edge.
func checkMarkers(t testing.TB, what string, site orb.Polygon, markers []orb.Point, spacing float64) {
	t.Helper()
	bad := 0
	for i := range markers {
		for j := i + 1; j < len(markers); j++ {
			if d := dist(markers[i], markers[j]); d < spacing-propEps {
				if bad++; bad <= 3 {
					t.Errorf("%s: markers %d and %d are %.6f m apart, want >= %g", what, i+1, j+1, d, spacing)
				}
			}
		}
	}
	for i, m := range markers {
		checkInside(t, fmt.Sprintf("%s: marker %d", what, i+1), site, m, EdgeClearance)
	}
}

// checkInside checks that p is inside pg and at least clear from its edges.
func checkInside(t testing.TB, what string, pg orb.Polygon, p orb.Point, clear float64) {
	t.Helper()
	if !planar.PolygonContains(pg, p) {
		t.Errorf("%s at %.3f,%.3f is outside its site", what, p[0], p[1])
		return
	}
	for _, r := range pg {
		if d, _ := distToRing(r, p); d < clear-propEps {
			t.Errorf("%s is %.6f m from its site's edge, want >= %g", what, d, clear)
		}
	}
}

// checkLayoutFile checks every site of a plan file, per variant: its
// markers and desks, and that the counts agree.
func checkLayoutFile(t *testing.T, pl *Plan, pp *parsedPlan) {
	t.Helper()
	proj := pl.Compound.Proj
	spacing := pp.params.Spacing
	if spacing != pl.Params.Spacing {
		t.Errorf("natq:params spacing = %g, want %g", spacing, pl.Params.Spacing)
	}
	for _, v := range pp.variants() {
		sites := map[string]orb.Polygon{}
		capacity := map[string]int{}
		desks := map[string]int{}
		total := 0
		for _, f := range pp.features("site", v) {
			id := fileString(t, f, "natq:site")
			sites[id] = planePolygon(t, proj, f.Geometry)
			capacity[id] = fileInt(t, f, "natq:line_capacity")
			d, maxD := fileInt(t, f, "natq:desks"), fileInt(t, f, "natq:max_desks")
			desks[id] = d
			total += d
			if d < 0 || d > maxD {
				t.Errorf("%s site %s: natq:desks = %d, want 0..natq:max_desks (%d)", v, id, d, maxD)
			}
			canopies := fileInt(t, f, "natq:canopies")
			sheltered, _ := f.Properties["natq:sheltered"].(bool)
			switch {
			case v == "wet" && d > 0 && !sheltered && canopies != d:
				t.Errorf("wet site %s is open with %d desks and %d canopies: every desk needs one", id, d, canopies)
			case v == "dry" && canopies != 0:
				t.Errorf("dry site %s plans %d canopies, want none", id, canopies)
			}
		}
		if total > pp.params.Desks {
			t.Errorf("%s: the sites use %d desks, more than the %d on hand", v, total, pp.params.Desks)
		}
		seen := map[string]bool{}
		for _, f := range pp.features("marker", v) {
			id := fileString(t, f, "natq:site")
			if seen[id] {
				t.Errorf("%s site %s has two marker features", v, id)
			}
			seen[id] = true
			mp, ok := f.Geometry.(orb.MultiPoint)
			if !ok {
				t.Fatalf("%s site %s: marker geometry is %T, want MultiPoint", v, id, f.Geometry)
			}
			if n := fileInt(t, f, "natq:count"); n != len(mp) || n != capacity[id] {
				t.Errorf("%s site %s: natq:count = %d, markers = %d, natq:line_capacity = %d: want all equal", v, id, n, len(mp), capacity[id])
			}
			if len(mp) == 0 {
				t.Errorf("%s site %s is used with no markers", v, id)
			}
			checkMarkers(t, fmt.Sprintf("%s site %s", v, id), sites[id], planePoints(proj, mp), spacing)
		}
		perSite := map[string]int{}
		for _, f := range pp.features("desk", v) {
			id := fileString(t, f, "natq:site")
			perSite[id]++
			for _, p := range planePoints(proj, f.Geometry) {
				checkInside(t, fmt.Sprintf("%s site %s: desk %d", v, id, perSite[id]), sites[id], p, EdgeClearance)
			}
		}
		for id, d := range desks {
			if perSite[id] != d {
				t.Errorf("%s site %s: %d desk features, natq:desks = %d", v, id, perSite[id], d)
			}
			if d > 0 && !seen[id] {
				t.Errorf("%s site %s has %d desks and no markers", v, id, d)
			}
		}
		for _, f := range pp.features("queue_line", v) {
			id := fileString(t, f, "natq:site")
			for i, p := range planePoints(proj, f.Geometry) {
				checkInside(t, fmt.Sprintf("%s site %s: queue line vertex %d", v, id, i), sites[id], p, EdgeClearance)
			}
		}
	}
}

// irregularSites are hand-made site shapes, in plane metres, counter-
// clockwise: the layout must work on concave and slanted sites too.
var irregularSites = map[string]orb.Ring{
	"L": {{0, 0}, {40, 0}, {40, 12}, {14, 12}, {14, 35}, {0, 35}, {0, 0}},
	"U": {{0, 0}, {45, 0}, {45, 30}, {33, 30}, {33, 10}, {12, 10}, {12, 30}, {0, 30}, {0, 0}},
	// A skewed quadrilateral, no two sides parallel, turned 37 degrees.
	"skewed": rotateRing(orb.Ring{{0, 0}, {38, 4}, {31, 27}, {-6, 21}, {0, 0}}, 37),
	// The L turned by an awkward angle, and given clockwise: files come
	// either way round.
	"L-rotated-cw": reverseRing(rotateRing(orb.Ring{{0, 0}, {40, 0}, {40, 12}, {14, 12}, {14, 35}, {0, 35}, {0, 0}}, 113)),
	// A small U with arms 4.5 m wide: the line must turn into each arm.
	"U-small": {{0, 0}, {20, 0}, {20, 16}, {15.5, 16}, {15.5, 7}, {4.5, 7}, {4.5, 16}, {0, 16}, {0, 0}},
	// A triangle: no two rows the same length.
	"triangle": {{0, 0}, {50, 0}, {10, 30}, {0, 0}},
}

func rotateRing(r orb.Ring, deg float64) orb.Ring {
	a := deg * math.Pi / 180
	out := make(orb.Ring, len(r))
	for i, p := range r {
		out[i] = orb.Point{p[0]*math.Cos(a) - p[1]*math.Sin(a) + 1000, p[0]*math.Sin(a) + p[1]*math.Cos(a) - 500}
	}
	return out
}

func reverseRing(r orb.Ring) orb.Ring {
	out := make(orb.Ring, len(r))
	for i := range r {
		out[i] = r[len(r)-1-i]
	}
	return out
}

// TestLayoutIrregularSites lays out L-, U-shaped, skewed and rotated
// sites at two spacings and checks the line's marks and desks.
func TestLayoutIrregularSites(t *testing.T) {
	for name, r := range irregularSites {
		for _, tc := range []struct{ spacing, perDesk float64 }{
			{1, 30},     // 120 an hour, 15 min windows
			{1.5, 30},   // wider spacing
			{1, 1000},   // a line that fills the whole site
			{1.5, 1000}, // likewise, wider spacing
		} {
			spacing, perDesk := tc.spacing, tc.perDesk
			t.Run(fmt.Sprintf("%s/%g/%g", name, spacing, perDesk), func(t *testing.T) {
				pg := orb.Polygon{r}
				entry := r[0]
				l := layoutSite(pg, entry, spacing, 8, perDesk)
				if l.MaxDesks() == 0 || len(l.Markers) == 0 {
					t.Fatalf("layoutSite(%s, spacing %g) = %d desks, %d markers; want both > 0", name, spacing, l.MaxDesks(), len(l.Markers))
				}
				if l.MaxDesks() > 8 {
					t.Errorf("layoutSite(%s) = %d desks, more than the 8 asked", name, l.MaxDesks())
				}
				checkMarkers(t, name, pg, l.Markers, spacing)
				for i, d := range l.Desks {
					checkInside(t, fmt.Sprintf("%s: desk %d", name, i+1), pg, d, EdgeClearance)
				}
				for i, p := range l.Line {
					checkInside(t, fmt.Sprintf("%s: line vertex %d", name, i), pg, p, EdgeClearance)
				}
				if math.Abs(l.Length-planar.Length(l.Line)) > propEps {
					t.Errorf("%s: Length = %.3f, the line measures %.3f", name, l.Length, planar.Length(l.Line))
				}
				// Marks follow the line in order: consecutive ones a
				// spacing apart along a row, so the line holds them all.
				if min := float64(len(l.Markers)-1) * spacing; l.Length < min-propEps {
					t.Errorf("%s: %d markers on a %.2f m line, want it at least %.2f m", name, len(l.Markers), l.Length, min)
				}
				if want := int(math.Ceil(float64(l.MaxDesks()) * perDesk)); len(l.Markers) > want {
					t.Errorf("%s: %d markers, more than one window's intake of %d desks (%d)", name, len(l.Markers), l.MaxDesks(), want)
				}
				t.Logf("%s spacing %g, %g a desk: %d desks, %d markers, line %.1f m", name, spacing, perDesk, l.MaxDesks(), len(l.Markers), l.Length)
			})
		}
	}
}

// TestPlaceMarkersAllPairs puts marks on a tight serpentine whose rows are
// exactly spacing apart and whose turns are short: the marks round a turn
// must not come closer than spacing to the marks of the row before.
func TestPlaceMarkersAllPairs(t *testing.T) {
	for _, spacing := range []float64{1, 1.5} {
		var line orb.LineString
		for row := 0; row < 6; row++ {
			y := float64(row) * spacing * 1.0001
			if row%2 == 0 {
				line = append(line, orb.Point{0, y}, orb.Point{10.3, y})
			} else {
				line = append(line, orb.Point{10.3, y}, orb.Point{0, y})
			}
		}
		marks, cut := placeMarkers(line, spacing, 1000)
		if len(marks) < 30 {
			t.Errorf("placeMarkers(spacing %g) = %d marks, want at least 30 on a 6 x 10 m serpentine", spacing, len(marks))
		}
		for i := range marks {
			for j := i + 1; j < len(marks); j++ {
				if d := dist(marks[i], marks[j]); d < spacing-propEps {
					t.Errorf("spacing %g: marks %d and %d are %.6f m apart", spacing, i+1, j+1, d)
				}
			}
		}
		if planar.Length(cut) > planar.Length(line)+propEps {
			t.Errorf("spacing %g: cut line %.3f m is longer than the line %.3f m", spacing, planar.Length(cut), planar.Length(line))
		}
	}
}
