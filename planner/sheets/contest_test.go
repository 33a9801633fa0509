package sheets

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The contest compound's and 荷清苑's plans are the planner's own golden
// plans (planner/testdata/golden, rewritten by go test ./planner -update):
// natq plan's real output, kept in one place. 荷清苑 (OSM way 226684173
// in testdata/real/beijing_tsinghua_compounds.osm) brings unnamed
// buildings, rotated sites, and queue lines too long for one page at 1:200.
func loadContest(t *testing.T) *Plan { return loadPlanned(t, "contest") }

// loadPlanned reads a golden plan of the planner's by name.
func loadPlanned(tb testing.TB, name string) *Plan {
	tb.Helper()
	f, err := os.Open(plannedPath(name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	p, err := Load(f)
	if err != nil {
		tb.Fatalf("Load(%s) = %v", plannedPath(name), err)
	}
	return p
}

func plannedPath(name string) string {
	if name == "heqingyuan" {
		name = "beijing_w226684173"
	}
	return "../testdata/golden/" + name + ".plan.geojson"
}

// TestContest prints every sheet of the contest compound, checks every
// building sheet's name and QR code at 150 and 300 dpi, fonts, and the
// marker plans' spacing.
func TestContest(t *testing.T) {
	p := loadContest(t)
	if len(p.Buildings) != 103 {
		t.Fatalf("contest plan has %d buildings, want 103", len(p.Buildings))
	}
	checkPrints(t, p)
}

// TestRealCompound does the same for a real OpenStreetMap compound.
func TestRealCompound(t *testing.T) {
	p := loadPlanned(t, "heqingyuan")
	checkPrints(t, p)
}

func checkPrints(t *testing.T, p *Plan) {
	dir := outDir(t)
	opts := Options{BaseURL: "https://natq.example", Combined: true}
	start := time.Now()
	files, err := PrintAll(dir, p, nil, PDF, opts)
	if err != nil {
		t.Fatalf("PrintAll(contest) = %v", err)
	}
	t.Logf("printed %d sheets of %s in %s", len(files), p.Compound.Name, time.Since(start).Round(time.Millisecond))

	all := filepath.Join(dir, "buildings.pdf")
	checkFonts(t, all)
	for i, b := range p.Buildings {
		page := strconv.Itoa(i + 1)
		text := tool(t, "pdftotext", "-f", page, "-l", page, all, "-")
		if !strings.Contains(text, b.Label()) {
			t.Errorf("pdftotext page %s of buildings.pdf: no %q", page, b.Label())
		}
	}
	for _, dpi := range []int{150, 300} {
		t.Run(fmt.Sprint("qr-", dpi), func(t *testing.T) {
			t.Parallel()
			// Every page is decoded around its QR code: whole pages of the
			// fixture are decoded by TestBuildingSheets, and 206 whole
			// pages take minutes.
			pages := qrCodesIn(t, all, dpi, []float64{a4W - 10 - 62 - 6, 4, a4W - 4, 10 + 62 + 6})
			if len(pages) != len(p.Buildings) {
				t.Fatalf("buildings.pdf has %d pages, want %d", len(pages), len(p.Buildings))
			}
			for i, b := range p.Buildings {
				want := ResidentURL(opts.BaseURL, p.Compound.ID, b.ID)
				if len(pages[i]) != 1 || pages[i][0] != want {
					t.Errorf("page %d (%s) at %d dpi: QR codes %q, want [%q]", i+1, b.ID, dpi, pages[i], want)
				}
			}
		})
	}
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "battle-") || strings.HasPrefix(filepath.Base(f), "marker-") {
			checkFonts(t, f)
		}
	}
	t.Run("markers", func(t *testing.T) { checkMarkerSpacing(t, p, 0) })
}

// TestContestGolden compares the contest compound's battle maps, a marker
// plan and a building sheet, as SVG, with testdata/golden/contest-*.svg.
func TestContestGolden(t *testing.T) {
	p := loadContest(t)
	sheets := map[string]func(w *bytes.Buffer) error{
		"contest-battle-dry.svg":    func(w *bytes.Buffer) error { return BattleMap(w, p, "dry", SVG, testOpts) },
		"contest-battle-wet.svg":    func(w *bytes.Buffer) error { return BattleMap(w, p, "wet", SVG, testOpts) },
		"contest-marker-dry-s1.svg": func(w *bytes.Buffer) error { return MarkerPlan(w, p, "s1", "dry", SVG, testOpts) },
		"contest-building-b1.svg":   func(w *bytes.Buffer) error { return BuildingSheet(w, p, "b1", SVG, testOpts) },
	}
	for name, render := range sheets {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := render(&buf); err != nil {
				t.Fatal(err)
			}
			compareGolden(t, name, buf.Bytes())
		})
	}
}

// TestStudentsLine: a building sheet tells its households of the
// students' period at their site, and how to book it; a sealed or
// door-to-door building's, and a plan without the period, say nothing.
func TestStudentsLine(t *testing.T) {
	p := loadContest(t)
	var open, home *Building
	for _, b := range p.Buildings {
		switch {
		case b.Sealed || b.DoorToDoor["dry"]:
			home = b
		case open == nil && b.Site["dry"] != "":
			open = b
		}
	}
	if open == nil || home == nil {
		t.Fatal("the contest plan has no building at a site, or none sampled at home")
	}
	if zh, en := studentsLine(p, open); zh != "学生专场 16:30–18:00（放学后）：扫码预约时勾选“只为家里的学生”" || !strings.HasPrefix(en, "Students' period 16:30–18:00") {
		t.Errorf("%s's students' line = %q, %q", open.ID, zh, en)
	}
	if zh, _ := studentsLine(p, home); zh != "" && (home.Sealed || home.DoorToDoor["wet"]) {
		t.Errorf("%s, sampled at home, has a students' line %q", home.ID, zh)
	}
	f := *p.File
	f.Schedule = nil
	for _, w := range p.Schedule {
		if !w.Students {
			f.Schedule = append(f.Schedule, w)
		}
	}
	if zh, _ := studentsLine(&Plan{File: &f}, open); zh != "" {
		t.Errorf("a plan without a students' period: %q", zh)
	}
}
