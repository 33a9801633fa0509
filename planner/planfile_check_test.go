package planner

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// A parsedPlan is a plan file as a reader sees it: the features by kind
// and the foreign members, decoded from the JSON natq wrote, so that the
// property tests check the contract of PLANFILE.md and not natq's structs.
type parsedPlan struct {
	fc     *geojson.FeatureCollection
	kind   map[string][]*geojson.Feature
	params struct {
		Desks   int     `json:"desks"`
		Rate    int     `json:"rate"`
		Window  string  `json:"window"`
		Spacing float64 `json:"spacing"`
		End     string  `json:"end"`
	}
	schedule []fileWindow
	report   map[string]map[string]any
	warnings []string
}

type fileWindow struct {
	Variant  string `json:"variant"`
	Site     string `json:"site"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Capacity int    `json:"capacity"`
	Students bool   `json:"students"`
	Groups   []struct {
		Building string `json:"building"`
		Unit     string `json:"unit"`
		Floors   []int  `json:"floors"`
		People   int    `json:"people"`
	} `json:"groups"`
}

func (w fileWindow) people() int {
	n := 0
	for _, g := range w.Groups {
		n += g.People
	}
	return n
}

func (w fileWindow) times(t testing.TB) (time.Time, time.Time) {
	t.Helper()
	a, err1 := time.Parse(time.RFC3339, w.Start)
	b, err2 := time.Parse(time.RFC3339, w.End)
	if err1 != nil || err2 != nil {
		t.Fatalf("window %s %s: start %q / end %q are not RFC 3339", w.Variant, w.Site, w.Start, w.End)
	}
	return a, b
}

// parsePlan marshals pl's plan file and reads it back.
func parsePlan(t testing.TB, pl *Plan) *parsedPlan {
	t.Helper()
	data, err := json.Marshal(pl.FeatureCollection())
	if err != nil {
		t.Fatalf("marshal plan: %v", err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		t.Fatalf("plan file does not parse as GeoJSON: %v", err)
	}
	pp := &parsedPlan{fc: fc, kind: map[string][]*geojson.Feature{}}
	for _, f := range fc.Features {
		k, _ := f.Properties["natq:kind"].(string)
		if k == "" {
			t.Fatalf("feature %v has no natq:kind", f.Properties)
		}
		pp.kind[k] = append(pp.kind[k], f)
	}
	var fm struct {
		Params   json.RawMessage            `json:"natq:params"`
		Schedule []fileWindow               `json:"natq:schedule"`
		Report   map[string]json.RawMessage `json:"natq:report"`
		Warnings []string                   `json:"natq:warnings"`
	}
	if err := json.Unmarshal(data, &fm); err != nil {
		t.Fatalf("plan file foreign members: %v", err)
	}
	if err := json.Unmarshal(fm.Params, &pp.params); err != nil {
		t.Fatalf("natq:params: %v", err)
	}
	pp.schedule, pp.warnings = fm.Schedule, fm.Warnings
	pp.report = map[string]map[string]any{}
	for k, raw := range fm.Report {
		var m map[string]any
		if json.Unmarshal(raw, &m) == nil {
			pp.report[k] = m
		}
	}
	return pp
}

// features returns the features of a kind in a variant ("" for any).
func (pp *parsedPlan) features(kind, variant string) []*geojson.Feature {
	var out []*geojson.Feature
	for _, f := range pp.kind[kind] {
		if variant == "" || f.Properties["natq:variant"] == variant {
			out = append(out, f)
		}
	}
	return out
}

// variants are the plan's variants, as its params list them.
func (pp *parsedPlan) variants() []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range pp.kind["site"] {
		v, _ := f.Properties["natq:variant"].(string)
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func fileInt(t testing.TB, f *geojson.Feature, key string) int {
	t.Helper()
	v, ok := f.Properties[key].(float64)
	if !ok {
		t.Fatalf("%s feature %v: %s = %v (%T), want a number", f.Properties["natq:kind"], f.Properties["natq:site"], key, f.Properties[key], f.Properties[key])
	}
	if v != float64(int(v)) {
		t.Fatalf("%s feature: %s = %v, want a whole number", f.Properties["natq:kind"], key, v)
	}
	return int(v)
}

func fileString(t testing.TB, f *geojson.Feature, key string) string {
	t.Helper()
	v, _ := f.Properties[key].(string)
	return v
}

// planeOf projects a lon/lat geometry's points with the compound's own
// projection: the frame the layout was made in, so that a 1 m spacing is
// 1 m to within rounding.
func planePoints(proj Projection, g orb.Geometry) []orb.Point {
	var out []orb.Point
	switch g := g.(type) {
	case orb.Point:
		out = append(out, proj.ToPlane(g))
	case orb.MultiPoint:
		for _, p := range g {
			out = append(out, proj.ToPlane(p))
		}
	case orb.LineString:
		for _, p := range g {
			out = append(out, proj.ToPlane(p))
		}
	}
	return out
}

func planePolygon(t testing.TB, proj Projection, g orb.Geometry) orb.Polygon {
	t.Helper()
	switch g := g.(type) {
	case orb.Polygon:
		return proj.Polygon(g)
	case orb.MultiPolygon:
		if len(g) == 1 {
			return proj.Polygon(g[0])
		}
	}
	t.Fatalf("site geometry is %T, want one Polygon", g)
	return nil
}
