package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testEnv is an env with no environment variables and a clock a year after
// the fixtures' day, so that no result depends on the date the test runs.
func testEnv(stdout, stderr io.Writer) *env {
	return &env{stdout: stdout, stderr: stderr, getenv: func(string) string { return "" }, now: clockAt(yearOn)}
}

// natq runs the command in-process and returns its exit status and output.
func natq(t *testing.T, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := testEnv(&out, &errb)
	status = run(context.Background(), e, args)
	return status, out.String(), errb.String()
}

// tail is the last n bytes of a command's output (from a line's start
// where one falls within them): where a failing command says why, after
// its warnings.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return "…\n" + s
}

// at turns metres east and north of a point in Shanghai into a GeoJSON
// position, close enough to true metres for these fixtures.
func at(x, y float64) string {
	return fmt.Sprintf("[%.7f,%.7f]", 121.47+x/95340, 31.23+y/110900)
}

// rect is a closed counter-clockwise GeoJSON ring.
func rect(x0, y0, x1, y1 float64) string {
	return "[" + at(x0, y0) + "," + at(x1, y0) + "," + at(x1, y1) + "," + at(x0, y1) + "," + at(x0, y0) + "]"
}

func feature(id, geomType, coords, props string) string {
	idPart := ""
	if id != "" {
		idPart = fmt.Sprintf(`"id":%q,`, id)
	}
	return fmt.Sprintf(`{"type":"Feature",%s"geometry":{"type":%q,"coordinates":%s},"properties":{%s}}`, idPart, geomType, coords, props)
}

func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",\n") + "]}\n"
}

// The parts of a small valid compound: one walkway, one building with its
// door, one site.
var (
	compoundC1 = feature("c1", "Polygon", "["+rect(-200, -200, 200, 200)+"]", `"natq:compound":"yes","name":"测试小区"`)
	walkwayW1  = feature("w1", "LineString", "["+at(-100, 0)+","+at(100, 0)+"]", `"highway":"footway"`)
	buildingB1 = feature("b1", "Polygon", "["+rect(-20, 10, 20, 30)+"]", `"building":"residential","natq:residents":100`)
	entranceE1 = feature("e1", "Point", at(0, 10), `"entrance":"yes"`)
	siteS1     = feature("s1", "Polygon", "["+rect(60, -20, 90, -5)+"]", `"natq:site":"candidate","name":"球场"`)
)

func validCompound(extra ...string) string {
	return collection(append([]string{compoundC1, walkwayW1, buildingB1, entranceE1, siteS1}, extra...)...)
}

// badInputs are files and flags natq plan must refuse with exit status 2
// and a message naming the feature and what is wrong. Each file is the
// small valid compound with one thing broken, unless it says otherwise.
var badInputs = []struct {
	name  string
	file  string   // contents; "" with missing set means no file at all
	flags []string // extra flags
	want  []string // substrings of the message
	// missing: do not write the file; osmHalf: the file is the first half
	// of a real OSM export.
	missing, osmHalf bool
}{{
	name: "not JSON",
	file: `{"type":"FeatureCollection","features":[` + "\n" + buildingB1 + ",\n{oops",
	want: []string{"compound.geojson", "is not valid JSON", "line 3"},
}, {
	name: "not a FeatureCollection",
	file: buildingB1,
	want: []string{"is a Feature, not a GeoJSON FeatureCollection"},
}, {
	name: "JSON without a type",
	file: `{"features":[]}`,
	want: []string{"JSON without a GeoJSON \"type\"", "not a GeoJSON FeatureCollection"},
}, {
	name: "projected coordinates",
	file: collection(compoundC1, walkwayW1,
		feature("b1", "Polygon", "[[[13522000,3662000],[13522040,3662000],[13522040,3662020],[13522000,3662020],[13522000,3662000]]]", `"building":"yes"`)),
	want: []string{"feature b1", "(13522000, 3662000)", "not longitude/latitude", "EPSG:4326"},
}, {
	name: "empty file",
	file: " \n",
	want: []string{"compound.geojson is empty"},
}, {
	name:  "selected compound with no buildings",
	file:  validCompound(feature("c2", "Polygon", "["+rect(300, 300, 400, 400)+"]", `"landuse":"residential","name":"空小区"`)),
	flags: []string{"--compound", "c2"},
	want:  []string{"空小区 (c2)", "has no buildings inside it"},
}, {
	name:  "building no walkway reaches, strict",
	file:  validCompound(feature("b2", "Polygon", "["+rect(-20, 120, 20, 140)+"]", `"building":"residential","natq:residents":40`)),
	flags: []string{"--strict"},
	want:  []string{"楼 1 / building 1 (b2)", "no walkway reaches it", "within 60 m", "--strict"},
}, {
	name: "entrance 50 m from any building",
	file: validCompound(feature("e2", "Point", at(0, -40), `"entrance":"yes"`)),
	want: []string{"entrance e2", "is not on a building", "b1, is 50 m away"},
}, {
	name: "self-intersecting building",
	file: validCompound(feature("b2", "Polygon", "[["+at(-50, 50)+","+at(-10, 80)+","+at(-10, 50)+","+at(-50, 80)+","+at(-50, 50)+"]]", `"building":"residential"`)),
	want: []string{"building b2", "crosses itself", "redraw it as a simple polygon"},
}, {
	name: "zero-area building",
	file: validCompound(feature("b2", "Polygon", "[["+at(-50, 50)+","+at(-30, 50)+","+at(-10, 50)+","+at(-50, 50)+"]]", `"building":"residential","name":"7号楼"`)),
	want: []string{"building 7号楼 (b2)", "zero area"},
}, {
	name: "residents NaN",
	file: validCompound(feature("b2", "Polygon", "[["+at(-50, 50)+","+at(-10, 50)+","+at(-10, 80)+","+at(-50, 80)+","+at(-50, 50)+"]]", `"building":"residential","name":"7号楼","natq:residents":"NaN"`)),
	want: []string{"building 7号楼 (b2)", `natq:residents is "NaN"`, "not a non-negative number"},
}, {
	name: "residents 1e300 (it used to wrap to a negative head-count)",
	file: validCompound(feature("b2", "Polygon", "[["+at(-50, 50)+","+at(-10, 50)+","+at(-10, 80)+","+at(-50, 80)+","+at(-50, 50)+"]]", `"building":"residential","name":"7号楼","natq:residents":"1e300"`)),
	want: []string{"building 7号楼 (b2)", `natq:residents is "1e300"`, "more than 100000", "check the tag"},
}, {
	name: "units 5000",
	file: validCompound(feature("b2", "Polygon", "[["+at(-50, 50)+","+at(-10, 50)+","+at(-10, 80)+","+at(-50, 80)+","+at(-50, 50)+"]]", `"building":"residential","name":"7号楼","natq:units":"5000"`)),
	want: []string{"building 7号楼 (b2)", `natq:units is "5000"`, "more than 500"},
}, {
	name: "building with too few corners",
	file: validCompound(feature("b2", "Polygon", "[["+at(-50, 50)+","+at(-30, 60)+","+at(-50, 50)+"]]", `"building":"residential"`)),
	want: []string{"building b2", "has 3 points", "at least 3 corners"},
}, {
	name:  "unknown compound",
	file:  validCompound(),
	flags: []string{"--compound", "nosuch"},
	want:  []string{`has no compound "nosuch"`, "its compounds are: 测试小区 (c1)"},
}, {
	name: "duplicate ids",
	file: validCompound(feature("b1", "Polygon", "["+rect(-20, -60, 20, -40)+"]", `"building":"residential"`)),
	want: []string{"features 2 and 5 (counting from 0)", `both have the id "b1"`, "unique"},
}, {
	name: "levels not a number",
	file: validCompound(feature("b2", "Polygon", "["+rect(-20, -60, 20, -40)+"]", `"building":"residential","building:levels":"many"`)),
	want: []string{"building b2", `building:levels is "many"`, "not a non-negative number"},
}, {
	name: "feature with broken geometry",
	file: validCompound(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":"here"},"properties":{"building":"yes"}}`),
	want: []string{"feature 5 (counting from 0)", "is not a valid GeoJSON feature"},
}, {
	name:    "truncated OSM file",
	osmHalf: true,
	want:    []string{"compound.osm", "not complete OSM XML", "does not end with </osm>"},
}, {
	name: "OSM file with nothing in it",
	file: `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<osm version="0.6" generator="test"></osm>`,
	want: []string{"compound.osm", "OSM XML with no nodes, ways or relations"},
}, {
	name: "a web page saved as .osm",
	file: "<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Too many requests</body></html>",
	want: []string{"compound.osm", "is a web page (HTML), not OSM XML", "download the .osm file again"},
}, {
	name: "OSM XML with a latitude that is not a number",
	file: `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<osm version="0.6" generator="test">` + "\n" +
		`<node id="7" lat="31.2" lon="121.4"/>` + "\n" + `<node id="8" lat="abc" lon="121.4"/>` + "\n" + `</osm>`,
	want: []string{"compound.osm", `line 4, <node id="8">`, `"abc" is not a number`},
}, {
	name:    "file that does not exist",
	missing: true,
	want:    []string{"compound.geojson: no such file"},
}, {
	name:  "rain factor below one",
	file:  validCompound(),
	flags: []string{"--rain-factor", "0.5"},
	want:  []string{"--rain-factor", "is 0.5"},
}, {
	name:  "canopies below none",
	file:  validCompound(),
	flags: []string{"--canopies", "-2"},
	want:  []string{"--canopies", "is -2", "-1 for as many as needed"},
}}

// TestPlanBadInput runs natq plan on each bad input and checks the exit
// status, the message, and that no output file, finished or temporary, is
// left behind.
func TestPlanBadInput(t *testing.T) {
	for _, tt := range badInputs {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			name := "compound.geojson"
			data := []byte(tt.file)
			if tt.osmHalf || strings.HasPrefix(tt.file, "<") {
				name = "compound.osm"
			}
			if tt.osmHalf {
				full, err := os.ReadFile("../../testdata/real/spb_galernaya_block.osm")
				if err != nil {
					t.Fatal(err)
				}
				data = full[:len(full)/2]
			}
			in := filepath.Join(dir, name)
			if !tt.missing {
				if err := os.WriteFile(in, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			outDir := filepath.Join(dir, "out")
			if err := os.Mkdir(outDir, 0o755); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"plan", in, "-o", filepath.Join(outDir, "plan.geojson")}, tt.flags...)
			status, _, stderr := natq(t, args...)
			if status != 2 {
				t.Errorf("natq %s: exit status %d, want 2; stderr:\n%s", strings.Join(args, " "), status, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("natq plan message = %q, want it to contain %q", stderr, w)
				}
			}
			left, err := os.ReadDir(outDir)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range left {
				t.Errorf("natq plan left %s behind after an error", f.Name())
			}
		})
	}
}

// TestPlanGoodInput checks the control: the valid compound the bad inputs
// are made from plans with exit status 0, and a building no walkway
// reaches is a warning naming it when --strict is not given.
func TestPlanGoodInput(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		warnings []string
	}{
		{"valid compound", validCompound(), nil},
		{"building no walkway reaches, not strict",
			validCompound(feature("b2", "Polygon", "["+rect(-20, 120, 20, 140)+"]", `"building":"residential","natq:residents":40`)),
			[]string{"楼 1 / building 1 (b2): no walkway reaches it", "its 40 residents are not routed"}},
		// A compound whose one building is an office: planned (its maps
		// print), but said to have nobody to book, rather than left for
		// natq serve to refuse as a plan without windows.
		{"no residents",
			collection(compoundC1, walkwayW1, feature("b1", "Polygon", "["+rect(-20, 10, 20, 30)+"]", `"building":"office"`), entranceE1, siteS1),
			[]string{"no residents: none of the compound's 1 buildings has people to sample", "the plan has no windows to book"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in, out := filepath.Join(dir, "compound.geojson"), filepath.Join(dir, "plan.geojson")
			if err := os.WriteFile(in, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			status, _, stderr := natq(t, "plan", in, "-o", out)
			if status != 0 {
				t.Fatalf("natq plan: exit status %d, want 0; stderr:\n%s", status, stderr)
			}
			for _, w := range tt.warnings {
				if !strings.Contains(stderr, w) {
					t.Errorf("natq plan warnings = %q, want them to contain %q", stderr, w)
				}
			}
			if _, err := os.Stat(out); err != nil {
				t.Errorf("natq plan wrote no plan: %v", err)
			}
		})
	}
}

// TestPlanOutDirKeepsOthers plans a file of two compounds with --out DIR
// where the second cannot be planned (a building and nothing to walk on or
// to): natq must fail with status 2 naming it and why, and keep the first
// compound's plan, whole, with a summary that says how each went. A plan
// the failed compound had from an earlier run is removed, and no
// temporary file is left behind.
func TestPlanOutDirKeepsOthers(t *testing.T) {
	far := func(x, y float64) string { return at(x+2000, y) }
	farRect := func(x0, y0, x1, y1 float64) string {
		return "[" + far(x0, y0) + "," + far(x1, y0) + "," + far(x1, y1) + "," + far(x0, y1) + "," + far(x0, y0) + "]"
	}
	file := validCompound(
		feature("c2", "Polygon", "["+farRect(-200, -200, 200, 200)+"]", `"natq:compound":"yes","name":"孤楼小区"`),
		feature("b9", "Polygon", "["+farRect(-20, 10, 20, 30)+"]", `"building":"residential","natq:residents":50`),
	)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "two.geojson"), filepath.Join(dir, "plans")
	if err := os.WriteFile(in, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(out, "c2.plan.geojson")
	if err := os.WriteFile(stale, []byte("an earlier run's plan"), 0o644); err != nil {
		t.Fatal(err)
	}
	status, _, stderr := natq(t, "plan", in, "--out", out)
	t.Logf("natq plan --out: %s", stderr)
	if status != 2 {
		t.Errorf("natq plan --out: exit status %d, want 2; stderr:\n%s", status, stderr)
	}
	for _, w := range []string{"1 of 2 compounds could not be planned", "孤楼小区 (c2)", "summary.csv"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("natq plan message = %q, want it to contain %q", stderr, w)
		}
	}
	checkPlanFile(t, filepath.Join(out, "c1.plan.geojson"))
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("natq plan --out left the failed compound's old plan %s", stale)
	}
	left, _ := os.ReadDir(out)
	var names []string
	for _, f := range left {
		names = append(names, f.Name())
	}
	if want := []string{"c1.plan.geojson", "summary.csv"}; !slices.Equal(names, want) {
		t.Errorf("natq plan --out left %q, want %q", names, want)
	}
	rows := readSummary(t, filepath.Join(out, "summary.csv"))
	if len(rows) != 2 || rows[0]["compound"] != "c1" || rows[0]["status"] != "planned" || rows[1]["compound"] != "c2" ||
		rows[1]["status"] != "failed" || !strings.Contains(stderr, rows[1]["error"]) {
		t.Errorf("summary.csv = %v, want c1 planned and c2 failed with the error natq gave", rows)
	}
}

// TestPlanOutDirAllEmpty: a real extract whose compound polygons hold no
// building (the buildings lie outside them): natq plan --out fails with
// the hint to plan the file as one area, and DIR/summary.csv still lists
// every compound, each empty. Before, the folder was left empty.
func TestPlanOutDirAllEmpty(t *testing.T) {
	out := t.TempDir()
	status, _, stderr := natq(t, "plan", "../../testdata/real/shanghai_shu_baoshan.osm", "--out", out)
	if status != 2 || !strings.Contains(stderr, "has no buildings inside it: nothing to plan") || !strings.Contains(stderr, "--whole-file") {
		t.Fatalf("natq plan --out = %d, stderr %q; want 2 and the hint to plan the file as one area", status, stderr)
	}
	rows := readSummary(t, filepath.Join(out, "summary.csv"))
	if len(rows) == 0 {
		t.Fatal("summary.csv lists no compound")
	}
	for _, r := range rows {
		if r["status"] != "empty" {
			t.Errorf("summary.csv row %v; want every compound empty", r)
		}
	}
}

// readSummary reads a city's summary.csv as one map per line.
func readSummary(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("%s: %v (%d lines)", path, err, len(recs))
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return rows
}

// TestPlanOutNoResidents: a compound with buildings and nobody to sample
// (spb_galernaya_block.osm) is written, and summary.csv says it has no
// residents: it used to read "planned", for a plan natq serve refuses.
func TestPlanOutNoResidents(t *testing.T) {
	out := t.TempDir()
	natq(t, "plan", "../../testdata/real/spb_galernaya_block.osm", "--out", out)
	rows := readSummary(t, filepath.Join(out, "summary.csv"))
	if len(rows) != 1 || rows[0]["status"] != "no residents" || rows[0]["residents"] != "0" || rows[0]["dry_end"] != "" {
		t.Errorf("summary.csv = %v; want its one compound with no residents, and no end", rows)
	}
}
