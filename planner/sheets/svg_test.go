package sheets

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// fixtureSheets is every sheet of the fixture, by file name.
func fixtureSheets(t *testing.T, p *Plan, tickets []Ticket, f Format) map[string]func(io.Writer) error {
	t.Helper()
	ext := "." + f.Ext()
	out := map[string]func(io.Writer) error{}
	for _, b := range p.Buildings {
		out["building-"+b.ID+ext] = func(w io.Writer) error { return BuildingSheet(w, p, b.ID, f, testOpts) }
	}
	out["tickets"+ext] = func(w io.Writer) error { return TicketCards(w, p, tickets, f, testOpts) }
	for _, v := range p.Variants {
		for _, s := range p.UsedSites(v) {
			out["marker-"+v+"-"+s.ID+ext] = func(w io.Writer) error { return MarkerPlan(w, p, s.ID, v, f, testOpts) }
		}
		out["battle-"+v+ext] = func(w io.Writer) error { return BattleMap(w, p, v, f, testOpts) }
	}
	return out
}

// TestGoldenSVG compares every sheet of the fixture, as SVG, with
// testdata/golden; -update rewrites them. On a mismatch the sheet is
// written next to its golden file as NAME.got.svg, to open in a browser.
func TestGoldenSVG(t *testing.T) {
	p := loadFixture(t)
	tickets := loadTickets(t)
	for name, render := range fixtureSheets(t, p, tickets, SVG) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := render(&buf); err != nil {
				t.Fatal(err)
			}
			compareGolden(t, name, buf.Bytes())
		})
	}
}

// compareGolden compares a rendered sheet with testdata/golden/NAME, or
// with -update rewrites it.
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "golden")
	golden := filepath.Join(dir, name)
	gotPath := filepath.Join(dir, strings.TrimSuffix(name, ".svg")+".got.svg")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(gotPath)
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./planner/sheets -update)", err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(gotPath, got, 0o644)
		t.Errorf("%s differs from %s; wrote %s (if the change is meant, run go test ./planner/sheets -update)", name, golden, gotPath)
	} else {
		os.Remove(gotPath)
	}
}

var (
	markerPath = regexp.MustCompile(`<path d="M([-0-9.e]+) ([-0-9.e]+)A([0-9.e]+) [^"]*"[^>]*class="marker"`)
	scaleText  = regexp.MustCompile(`y="([-0-9.e]+)"[^>]*>[^<]*1:(\d+)<`)
	viewBox    = regexp.MustCompile(`viewBox="0 0 ([0-9.e]+) ([0-9.e]+)"`)
)

// markerPage is one page of a marker plan SVG: the marker centres on it
// (mm, SVG coordinates) and the scale it states.
type markerPage struct {
	markers [][2]float64
	ratio   float64
}

// svgMarkerPages reads a marker plan SVG's pages, which are stacked top to
// bottom, one stated scale each.
func svgMarkerPages(t *testing.T, svg string) []markerPage {
	t.Helper()
	vb := viewBox.FindStringSubmatch(svg)
	if vb == nil {
		t.Fatal("SVG has no viewBox")
	}
	height, _ := strconv.ParseFloat(vb[2], 64)
	scales := scaleText.FindAllStringSubmatch(svg, -1)
	if len(scales) == 0 {
		t.Fatal("marker plan states no scale")
	}
	pageH := height / float64(len(scales))
	pages := make([]markerPage, len(scales))
	for _, m := range scales {
		y, _ := strconv.ParseFloat(m[1], 64)
		i := int(y / pageH)
		if pages[i].ratio != 0 {
			t.Fatalf("page %d states two scales", i+1)
		}
		pages[i].ratio, _ = strconv.ParseFloat(m[2], 64)
	}
	for _, m := range markerPath.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		y, _ := strconv.ParseFloat(m[2], 64)
		r, _ := strconv.ParseFloat(m[3], 64)
		// canvas writes a circle as two arcs from its rightmost point.
		i := int(y / pageH)
		pages[i].markers = append(pages[i].markers, [2]float64{x - r, y})
	}
	return pages
}

// TestMarkerSpacing checks, from the SVG's own coordinates and the scale
// it states, that the numbered markers are at least the plan's spacing
// apart, and that the drawing is true to the plan's metres.
func TestMarkerSpacing(t *testing.T) {
	checkMarkerSpacing(t, loadFixture(t), MarkerScale)
}

// checkMarkerSpacing checks every marker plan of p; wantRatio, when not 0,
// is the scale single-page plans must be at. On a plan of several pages,
// the first is the overview with every marker and the others are 1:200,
// each marker on exactly one.
func checkMarkerSpacing(t *testing.T, p *Plan, wantRatio float64) {
	for _, v := range p.Variants {
		for _, s := range p.UsedSites(v) {
			t.Run(v+"/"+s.ID, func(t *testing.T) {
				var buf bytes.Buffer
				if err := MarkerPlan(&buf, p, s.ID, v, SVG, testOpts); err != nil {
					t.Fatal(err)
				}
				pages := svgMarkerPages(t, buf.String())
				if len(pages[0].markers) != len(s.Markers) {
					t.Fatalf("page 1 has %d markers, the plan %d", len(pages[0].markers), len(s.Markers))
				}
				if len(pages) == 1 && wantRatio != 0 && pages[0].ratio != wantRatio {
					t.Errorf("scale 1:%g, want 1:%g", pages[0].ratio, wantRatio)
				}
				if len(pages) > 1 {
					n := 0
					for i, pg := range pages[1:] {
						n += len(pg.markers)
						if pg.ratio != MarkerScale {
							t.Errorf("page %d: scale 1:%g, want 1:%d", i+2, pg.ratio, MarkerScale)
						}
					}
					if n != len(s.Markers) {
						t.Errorf("1:%d pages hold %d markers, the plan %d", MarkerScale, n, len(s.Markers))
					}
				}
				const tol = 0.005 // plan coordinates are rounded to about 1 mm
				for pi, pg := range pages {
					pts := pg.markers
					metres := func(a, b [2]float64) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) * pg.ratio / 1000 }
					for i := range pts {
						for j := i + 1; j < len(pts); j++ {
							if d := metres(pts[i], pts[j]); d < p.Params.Spacing-tol {
								t.Errorf("page %d: markers %d and %d are %.3f m apart at 1:%g, want at least %g m", pi+1, i+1, j+1, d, pg.ratio, p.Params.Spacing)
							}
						}
					}
				}
				if len(pages) == 1 {
					// True to the plan's metres, marker by marker.
					pts, ratio := pages[0].markers, pages[0].ratio
					for i := 1; i < len(pts); i++ {
						want := math.Hypot(s.Markers[i][0]-s.Markers[i-1][0], s.Markers[i][1]-s.Markers[i-1][1])
						d := math.Hypot(pts[i][0]-pts[i-1][0], pts[i][1]-pts[i-1][1]) * ratio / 1000
						if math.Abs(d-want) > tol {
							t.Errorf("markers %d-%d: %.3f m on paper at 1:%g, %.3f m in the plan", i, i+1, d, ratio, want)
						}
					}
				}
			})
		}
	}
}

// TestMarkerPlanPDF checks the PDF marker plans: fonts embedded, the
// site's name and the stated scale in the text.
func TestMarkerPlanPDF(t *testing.T) {
	p := loadFixture(t)
	dir := outDir(t)
	for _, v := range p.Variants {
		for _, s := range p.UsedSites(v) {
			path := filepath.Join(dir, "marker-"+v+"-"+s.ID+".pdf")
			writeFile(t, path, func(w io.Writer) error { return MarkerPlan(w, p, s.ID, v, PDF, testOpts) })
			checkFonts(t, path)
			text := tool(t, "pdftotext", path, "-")
			for _, want := range []string{s.Name, "1:200", "108", "一米"} {
				if want == "108" && len(s.Markers) != 108 {
					continue
				}
				if !strings.Contains(text, want) {
					t.Errorf("pdftotext %s: no %q", path, want)
				}
			}
		}
	}
}

// TestBattleMapPDF checks the battle maps: fonts embedded, every role and
// the staff total in the text.
func TestBattleMapPDF(t *testing.T) {
	p := loadFixture(t)
	dir := outDir(t)
	for _, v := range p.Variants {
		path := filepath.Join(dir, "battle-"+v+".pdf")
		writeFile(t, path, func(w io.Writer) error { return BattleMap(w, p, v, PDF, testOpts) })
		checkFonts(t, path)
		text := tool(t, "pdftotext", path, "-")
		for _, want := range []string{"排兵布阵图", "Coordinator", "Marshal", "Caller", "Guard", "Total", "南门", "3号楼", "比例尺"} {
			if !strings.Contains(text, want) {
				t.Errorf("pdftotext %s: no %q", path, want)
			}
		}
	}
}
