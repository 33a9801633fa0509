package planner

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden plans in testdata/golden")

// A goldenCase is a compound and the parameters its golden plan is made
// with.
type goldenCase struct {
	name string // file stem in testdata/golden
	c    *Compound
	p    Params
}

const beijingFile = "../testdata/real/beijing_tsinghua_compounds.osm"

// readBeijing reads the Beijing file's compounds as natq plan --out does.
func readBeijing(t testing.TB) []*Compound {
	t.Helper()
	data, err := os.ReadFile(beijingFile)
	if err != nil {
		t.Fatal(err)
	}
	src, err := Read(filepath.Base(beijingFile), data)
	if err != nil {
		t.Fatalf("Read(%s): %v", beijingFile, err)
	}
	cs, err := src.Compounds(Selection{WholeID: "beijing_tsinghua_compounds"})
	if err != nil {
		t.Fatalf("Compounds(%s): %v", beijingFile, err)
	}
	return cs
}

// realGoldenCases are the Beijing file's compounds that have buildings,
// each planned as natq plan --out would with 8 desks; a compound whose day
// does not fit by noon is planned with --end auto.
func realGoldenCases(t testing.TB) []goldenCase {
	t.Helper()
	var out []goldenCase
	trial := readBeijing(t)
	for i, c := range readBeijing(t) {
		if len(c.Buildings) == 0 {
			continue
		}
		p := DefaultParams()
		p.Date, p.TZ, p.Desks = "2026-12-01", "Asia/Shanghai", 8
		pl, err := Make(trial[i], p)
		fits := err == nil
		for _, vp := range plVariants(pl) {
			fits = fits && vp.Shortage == ""
		}
		if !fits {
			p.End = "auto"
		}
		out = append(out, goldenCase{"beijing_" + c.ID, c, p})
	}
	if len(out) == 0 {
		t.Fatalf("%s has no compound with buildings", beijingFile)
	}
	return out
}

func plVariants(pl *Plan) []*VariantPlan {
	if pl == nil {
		return nil
	}
	return pl.Variants
}

func goldenCases(t testing.TB) []goldenCase {
	cs, err := contestSource(t).Compounds(Selection{})
	if err != nil {
		t.Fatal(err)
	}
	return append([]goldenCase{{"contest", cs[0], contestParams()}}, realGoldenCases(t)...)
}

// planJSON is a plan file as natq plan writes it, laid out for reading and
// for diffs: one feature, one schedule window, one foreign member a line.
func planJSON(t testing.TB, pl *Plan) []byte {
	t.Helper()
	data, err := json.Marshal(pl.FeatureCollection())
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	list := func(raw json.RawMessage) {
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			t.Fatal(err)
		}
		buf.WriteString("[")
		for i, it := range items {
			if i > 0 {
				buf.WriteString(",")
			}
			buf.WriteString("\n  ")
			buf.Write(it)
		}
		buf.WriteString("\n ]")
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	buf.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			buf.WriteString(",")
		}
		fmt.Fprintf(&buf, "\n %q: ", k)
		if k == "features" || k == "natq:schedule" {
			list(top[k])
		} else {
			buf.Write(top[k])
		}
	}
	buf.WriteString("\n}\n")
	if !json.Valid(buf.Bytes()) {
		t.Fatal("planJSON wrote invalid JSON")
	}
	return buf.Bytes()
}

// TestGoldenPlans compares each case's plan with its golden file, as
// parsed GeoJSON: coordinates rounded to 1e-6 degree, other numbers to
// 1e-3. go test ./planner -update rewrites the golden files; a mismatch
// leaves the plan made next to the golden one as NAME.got.geojson.
func TestGoldenPlans(t *testing.T) {
	for _, tc := range goldenCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := Make(tc.c, tc.p)
			if err != nil {
				t.Fatalf("Make(%s): %v", tc.name, err)
			}
			got := planJSON(t, pl)
			golden := filepath.Join("testdata", "golden", tc.name+".plan.geojson")
			gotPath := filepath.Join("testdata", "golden", tc.name+".got.geojson")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				os.Remove(gotPath)
				t.Logf("wrote %s (%d bytes)", golden, len(got))
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./planner -run TestGoldenPlans -update to make it)", err)
			}
			if diff := diffPlans(want, got); diff != "" {
				if err := os.WriteFile(gotPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Errorf("plan of %s differs from %s: %s\nthe plan made is in %s; if the change is meant, run go test ./planner -update", tc.name, golden, diff, gotPath)
				return
			}
			os.Remove(gotPath)
		})
	}
}

// TestPlanDeterministic plans each golden case three times, from freshly
// read compounds, and wants byte-identical plan files: goldens, and
// committees comparing two runs, depend on it.
func TestPlanDeterministic(t *testing.T) {
	for round := 0; round < 3; round++ {
		first := map[string][]byte{}
		for _, tc := range goldenCases(t) {
			pl, err := Make(tc.c, tc.p)
			if err != nil {
				t.Fatalf("Make(%s): %v", tc.name, err)
			}
			first[tc.name] = planJSON(t, pl)
		}
		for _, tc := range goldenCases(t) {
			pl, err := Make(tc.c, tc.p)
			if err != nil {
				t.Fatalf("Make(%s): %v", tc.name, err)
			}
			if got := planJSON(t, pl); !bytes.Equal(got, first[tc.name]) {
				t.Errorf("%s: two plans of the same compound differ: %s", tc.name, diffPlans(first[tc.name], got))
			}
		}
	}
}

// diffPlans compares two plan files as parsed GeoJSON, rounded, and says
// where they first differ ("" when they do not).
func diffPlans(want, got []byte) string {
	var w, g map[string]any
	if err := json.Unmarshal(want, &w); err != nil {
		return "golden file does not parse: " + err.Error()
	}
	if err := json.Unmarshal(got, &g); err != nil {
		return "plan does not parse: " + err.Error()
	}
	wf, _ := w["features"].([]any)
	gf, _ := g["features"].([]any)
	for i := 0; i < len(wf) && i < len(gf); i++ {
		if d := diffJSON("", wf[i], gf[i]); d != "" {
			return fmt.Sprintf("feature %d (want %s, got %s): %s", i, featureName(wf[i]), featureName(gf[i]), d)
		}
	}
	if len(wf) != len(gf) {
		return fmt.Sprintf("%d features, want %d", len(gf), len(wf))
	}
	keys := map[string]bool{}
	for k := range w {
		keys[k] = true
	}
	for k := range g {
		keys[k] = true
	}
	var ks []string
	for k := range keys {
		if k != "features" {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	for _, k := range ks {
		if d := diffJSON(k, w[k], g[k]); d != "" {
			return d
		}
	}
	return ""
}

func featureName(f any) string {
	m, _ := f.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	var parts []string
	for _, k := range []string{"natq:kind", "natq:variant", "natq:building", "natq:site", "natq:role", "natq:direction", "natq:label"} {
		if v, ok := props[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
		}
	}
	return strings.Join(parts, " ")
}

// diffJSON compares two decoded JSON values: numbers under "coordinates"
// to 1e-6, other numbers to 1e-3.
func diffJSON(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %s, want an object", path, short(got))
		}
		var ks []string
		for k := range w {
			ks = append(ks, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				ks = append(ks, k)
			}
		}
		sort.Strings(ks)
		for _, k := range ks {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !wok:
				return fmt.Sprintf("%s.%s: got %s, want no such member", path, k, short(gv))
			case !gok:
				return fmt.Sprintf("%s.%s: missing, want %s", path, k, short(wv))
			}
			if d := diffJSON(path+"."+k, wv, gv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: got %s, want an array", path, short(got))
		}
		for i := 0; i < len(w) && i < len(g); i++ {
			if d := diffJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		if len(w) != len(g) {
			return fmt.Sprintf("%s: %d elements, want %d", path, len(g), len(w))
		}
		return ""
	case float64:
		g, ok := got.(float64)
		if !ok {
			return fmt.Sprintf("%s: got %s, want %v", path, short(got), w)
		}
		unit := 1e-3
		if strings.Contains(path, "coordinates") {
			unit = 1e-6
		}
		if math.Round(w/unit) != math.Round(g/unit) {
			return fmt.Sprintf("%s: got %v, want %v", path, g, w)
		}
		return ""
	default:
		if fmt.Sprint(want) != fmt.Sprint(got) {
			return fmt.Sprintf("%s: got %s, want %s", path, short(got), short(want))
		}
		return ""
	}
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 120 {
		return string(b[:117]) + "..."
	}
	return string(b)
}
