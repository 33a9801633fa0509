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
	scaleText  = regexp.MustCompile(`1:(\d+)<`)
)

// svgMarkers returns the marker centres (mm, SVG coordinates) and the
// scale stated on a marker plan SVG.
func svgMarkers(t *testing.T, svg string) ([][2]float64, float64) {
	t.Helper()
	var pts [][2]float64
	for _, m := range markerPath.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		y, _ := strconv.ParseFloat(m[2], 64)
		r, _ := strconv.ParseFloat(m[3], 64)
		// canvas writes a circle as two arcs from its rightmost point.
		pts = append(pts, [2]float64{x - r, y})
	}
	ms := scaleText.FindAllStringSubmatch(svg, -1)
	if len(ms) != 1 {
		t.Fatalf("marker plan states %d scales, want 1", len(ms))
	}
	ratio, _ := strconv.ParseFloat(ms[0][1], 64)
	return pts, ratio
}

// TestMarkerSpacing checks, from the SVG's own coordinates and the scale
// it states, that the numbered markers are at least the plan's spacing
// apart, and that the drawing is true to the plan's metres.
func TestMarkerSpacing(t *testing.T) {
	checkMarkerSpacing(t, loadFixture(t), MarkerScale)
}

// checkMarkerSpacing checks every marker plan of p; wantRatio, when not 0,
// is the scale every plan must be at.
func checkMarkerSpacing(t *testing.T, p *Plan, wantRatio float64) {
	for _, v := range p.Variants {
		for _, s := range p.UsedSites(v) {
			t.Run(v+"/"+s.ID, func(t *testing.T) {
				var buf bytes.Buffer
				if err := MarkerPlan(&buf, p, s.ID, v, SVG, testOpts); err != nil {
					t.Fatal(err)
				}
				pts, ratio := svgMarkers(t, buf.String())
				if len(pts) != len(s.Markers) {
					t.Fatalf("SVG has %d markers, plan %d", len(pts), len(s.Markers))
				}
				if wantRatio != 0 && ratio != wantRatio {
					t.Errorf("scale 1:%g, want 1:%g", ratio, wantRatio)
				}
				metres := func(a, b [2]float64) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) * ratio / 1000 }
				const tol = 0.005 // plan coordinates are rounded to about 1 mm
				for i := range pts {
					for j := i + 1; j < len(pts); j++ {
						if d := metres(pts[i], pts[j]); d < p.Params.Spacing-tol {
							t.Errorf("markers %d and %d are %.3f m apart at 1:%g, want at least %g m", i+1, j+1, d, ratio, p.Params.Spacing)
						}
					}
					if i > 0 {
						want := math.Hypot(s.Markers[i][0]-s.Markers[i-1][0], s.Markers[i][1]-s.Markers[i-1][1])
						if d := metres(pts[i-1], pts[i]); math.Abs(d-want) > tol {
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
