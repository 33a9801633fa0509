package sheets

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"testing"
)

var doorPath = regexp.MustCompile(`<path d="M([-0-9.e]+) ([-0-9.e]+)A([0-9.e]+) [^"]*"[^>]*class="door"`)

// namedPlan is a plan a test runs on, by name.
type namedPlan struct {
	name string
	plan *Plan
}

// realPlans are the contest compound's plan and the real Shanghai file's,
// for the tests that check the sheets' geometry on real maps.
func realPlans(t *testing.T) []namedPlan {
	return []namedPlan{{"contest", loadContest(t)}, {"shanghai", planShanghai(t)}}
}

// TestBuildingMapZoom checks a building sheet's map from the SVG's own
// coordinates: the building's walk (every route, to and back, both
// variants) is on the map and fills a good part of it, the stated scale
// is true to the routes' metres, no door dot is on a label, and the
// compound inset is there, clear of the routes.
func TestBuildingMapZoom(t *testing.T) {
	for _, c := range realPlans(t) {
		p := c.plan
		tested := 0
		for _, b := range p.Buildings {
			var routes []Route
			for _, r := range p.Routes {
				if r.Building == b.ID {
					routes = append(routes, r)
				}
			}
			if len(routes) == 0 || tested == 12 {
				continue
			}
			tested++
			t.Run(c.name+"/"+b.ID, func(t *testing.T) {
				var buf bytes.Buffer
				if err := BuildingSheet(&buf, p, b.ID, SVG, testOpts); err != nil {
					t.Fatal(err)
				}
				svg := buf.String()
				m := scaleText.FindStringSubmatch(svg)
				if m == nil {
					t.Fatal("the building sheet states no scale")
				}
				ratio, _ := strconv.ParseFloat(m[2], 64)
				// The map's frame, in SVG coordinates (y down).
				const x0, x1, y0, y1 = 10.0, 150.0, a4H - 212, a4H - 92
				paths := svgPaths(svg, "route")
				if len(paths) != len(routes) {
					t.Fatalf("%d routes drawn, want the building's %d", len(paths), len(routes))
				}
				for i, path := range paths {
					mm := 0.0
					for k := 1; k < len(path); k++ {
						mm += math.Hypot(path[k][0]-path[k-1][0], path[k][1]-path[k-1][1])
					}
					for _, q := range path {
						if q[0] < x0 || q[0] > x1 || q[1] < y0 || q[1] > y1 {
							t.Errorf("route %d (%s %s) leaves the map at %v", i, routes[i].Variant, routes[i].Direction, q)
							break
						}
					}
					if l := routes[i].Length; l > 5 && math.Abs(mm*ratio/1000-l) > 0.03*l+1 {
						t.Errorf("route %d is %.1f mm at the stated 1:%g, %.0f m; the plan says %.0f m", i, mm, ratio, mm*ratio/1000, l)
					}
				}
				// The walk: the building, its routes and sites, on the page
				// at the scale stated (true to the routes, as checked).
				wb := p.walkBound(b)
				ww, wh := (wb.Max[0]-wb.Min[0])*1000/ratio, (wb.Max[1]-wb.Min[1])*1000/ratio
				if ww < 0.4*(x1-x0) && wh < 0.4*(y1-y0) {
					t.Errorf("the walk is %.0f x %.0f mm at 1:%g on a %.0f x %.0f mm map: not zoomed to it", ww, wh, ratio, x1-x0, y1-y0)
				}
				labels := svgPaths(svg, "label-box")
				doors := doorPath.FindAllStringSubmatch(svg, -1)
				if len(doors) == 0 {
					t.Errorf("no door dots on the map")
				}
				for _, m := range doors {
					x, _ := strconv.ParseFloat(m[1], 64)
					y, _ := strconv.ParseFloat(m[2], 64)
					r, _ := strconv.ParseFloat(m[3], 64)
					dr := pointBox(x-r, y, r) // canvas starts a circle at its rightmost point
					for _, l := range labels {
						lb := boundOf(l)
						if dr.X0 < lb.X1 && lb.X0 < dr.X1 && dr.Y0 < lb.Y1 && lb.Y0 < dr.Y1 {
							t.Errorf("a door dot %v is on the label %v", dr, lb)
						}
					}
				}
				insets := svgPaths(svg, "inset")
				if len(insets) != 1 {
					t.Fatalf("%d compound insets, want 1", len(insets))
				}
				in := boundOf(insets[0])
				for i, path := range paths {
					for k := 1; k < len(path); k++ {
						s := [4]float64{path[k-1][0], path[k-1][1], path[k][0], path[k][1]}
						if segmentHitsRect(s, in) {
							t.Errorf("route %d runs under the compound inset %v", i, in)
							break
						}
					}
				}
			})
		}
	}
}
