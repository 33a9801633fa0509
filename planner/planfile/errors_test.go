package planfile_test

import (
	"strings"
	"testing"

	"natq/planner/errs"
	"natq/planner/planfile"
)

// A plan file to break: one building, one site with a line of 3 markers,
// one window.
const (
	head     = `{"type":"FeatureCollection","natq:compound":{"id":"c1","name":"测试"},"natq:params":{"date":"2026-12-01","tz":"Asia/Shanghai","spacing":1,"window":"15m","variants":["dry"]},`
	window   = `{"variant":"dry","site":"s1","start":"2026-12-01T07:00:00+08:00","end":"2026-12-01T07:15:00+08:00","capacity":3,"groups":[{"building":"b1","unit":"1","floors":[1,6],"people":3}]}`
	building = `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121,31],[121.0003,31],[121.0003,31.0002],[121,31]]]},"properties":{"natq:kind":"building","natq:building":"b1","natq:variant":"dry","natq:site":"s1","natq:residents":3}}`
	site     = `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121.001,31],[121.0012,31],[121.0012,31.0002],[121.001,31]]]},"properties":{"natq:kind":"site","natq:site":"s1","natq:variant":"dry","natq:desks":1,"natq:line_capacity":3}}`
	markers  = `{"type":"Feature","geometry":{"type":"MultiPoint","coordinates":[[121.001,31.0001],[121.00101,31.0001],[121.00102,31.0001]]},"properties":{"natq:kind":"marker","natq:site":"s1","natq:variant":"dry","natq:count":3}}`
)

func plan(schedule string, features ...string) string {
	return head + `"natq:schedule":[` + schedule + `],"features":[` + strings.Join(features, ",") + `]}`
}

func TestReadGood(t *testing.T) {
	f, err := planfile.Read(strings.NewReader(plan(window, building, site, markers)))
	if err != nil {
		t.Fatalf("Read(good plan) = %v", err)
	}
	s := f.Site("s1", "dry")
	if s == nil || s.LineCapacity != 3 || len(s.Markers) != 3 || f.Building("b1").Site["dry"] != "s1" {
		t.Fatalf("Read(good plan) = site %+v, building %+v", s, f.Building("b1"))
	}
	if ws := f.WindowsOf("dry", "s1"); len(ws) != 1 || ws[0].People() != 3 || !ws[0].Calls("b1") {
		t.Errorf("WindowsOf(dry, s1) = %+v, want the one window calling b1", ws)
	}
	if f.Location().String() != "Asia/Shanghai" || f.Params.Window.Minutes() != 15 {
		t.Errorf("Location, Window = %v, %v", f.Location(), f.Params.Window)
	}
	// Without natq:line_capacity, the line holds its markers.
	noCap := strings.Replace(site, `,"natq:line_capacity":3`, "", 1)
	f, err = planfile.Read(strings.NewReader(plan(window, building, noCap, markers)))
	if err != nil || f.Site("s1", "dry").LineCapacity != 3 {
		t.Errorf("Read(site without natq:line_capacity, 3 markers) = %v; line capacity %d, want 3", err, f.Site("s1", "dry").LineCapacity)
	}
	// A part of a floor too big for one window keeps its rooms through
	// Write and Read.
	byRoom := strings.Replace(window, `"floors":[1,6]`, `"floors":[1,1],"rooms":[101,103]`, 1)
	f, err = planfile.Read(strings.NewReader(plan(byRoom, building, site, markers)))
	if err != nil {
		t.Fatalf("Read(a group with rooms) = %v", err)
	}
	var buf strings.Builder
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	g, err := planfile.Read(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatalf("Read(Write(a group with rooms)) = %v", err)
	}
	if rs := g.Schedule[0].Groups[0].Rooms; len(rs) != 2 || rs[0] != 101 || rs[1] != 103 {
		t.Errorf("Read(Write(rooms [101, 103])) rooms = %v", rs)
	}
}

// readErrors are plan files Read refuses, and what it says.
var readErrors = []struct{ name, in, want string }{
	{"not json", `{"type":`, "not JSON"},
	{"cut short", `{"type":"FeatureCollection","natq:comp`, "not JSON: it ends in the middle, after 38 bytes (was the file cut short"},
	{"empty", " \n", "the file is empty: a plan is the .plan.geojson natq plan writes"},
	{"a stray comma", "{\"type\":\n  \"FeatureCollection\",, \"x\": 1}", "not JSON at line 2, column 24: invalid character ','"},
	{"feature", `{"type":"Feature"}`, `type is "Feature", want FeatureCollection`},
	{"members of the wrong type", `{"type":"FeatureCollection","natq:schedule":{}}`, `"natq:schedule" is a JSON object, want an array`},
	{"no compound", `{"type":"FeatureCollection"}`, `"natq:compound" missing or its id is not [A-Za-z0-9_.-]: a compound's map rather than a plan? natq plan FILE -o PLAN makes the plan`},
	{"compound id", `{"type":"FeatureCollection","natq:compound":{"id":"c 1"}}`, `its id is not [A-Za-z0-9_.-]`},
	{"no params", `{"type":"FeatureCollection","natq:compound":{"id":"c1"}}`, `"natq:params" missing`},
	{"date", `{"type":"FeatureCollection","natq:compound":{"id":"c1"},"natq:params":{"date":"1.12.2026"}}`, `"natq:params": date "1.12.2026" is not YYYY-MM-DD`},
	{"tz", `{"type":"FeatureCollection","natq:compound":{"id":"c1"},"natq:params":{"date":"2026-12-01","tz":"Mars/Base"}}`, `"natq:params": tz "Mars/Base"`},
	{"no spacing", `{"type":"FeatureCollection","natq:compound":{"id":"c1"},"natq:params":{"date":"2026-12-01"}}`, `"natq:params": spacing missing or not above 0`},
	{"spacing a string", `{"type":"FeatureCollection","natq:compound":{"id":"c1"},"natq:params":{"date":"2026-12-01","spacing":"1m"}}`, `"natq:params": spacing is "1m", want a number`},
	{"window", strings.Replace(head, `"15m"`, `"a while"`, 1) + `"features":[]}`, `window "a while" is not a duration`},
	{"variant", plan(strings.Replace(window, `"dry"`, `"fog"`, 1)), `"natq:schedule"[0]: variant "fog", want dry or wet`},
	{"start", plan(strings.Replace(window, `2026-12-01T07:00:00+08:00`, `07:00`, 1)), `"natq:schedule"[0]: start`},
	{"end before start", plan(strings.Replace(window, `T07:15`, `T06:15`, 1)), `end 2026-12-01T06:15:00+08:00 is not after start`},
	{"no capacity", plan(strings.Replace(window, `"capacity":3,`, ``, 1)), `"natq:schedule"[0]: capacity missing`},
	{"capacity a string", plan(strings.Replace(window, `"capacity":3`, `"capacity":"3"`, 1)), `"natq:schedule"[0]: capacity is a JSON string, want a number`},
	{"rooms not a pair", plan(strings.Replace(window, `"floors":[1,6]`, `"floors":[1,1],"rooms":[101]`, 1)), `"natq:schedule"[0]: groups[0]: rooms [101], want [first, last]`},
	{"rooms backwards", plan(strings.Replace(window, `"floors":[1,6]`, `"floors":[1,1],"rooms":[106,101]`, 1)), `groups[0]: rooms [106 101], want [first, last]`},
	{"group without building", plan(strings.Replace(window, `"building":"b1",`, ``, 1)), `"natq:schedule"[0]: groups[0]: building missing`},
	{"window at no site", plan(window, strings.Replace(building, `"natq:site":"s1",`, "", 1)), `"natq:schedule"[0]: site s1 (dry) is not a site of the plan`},
	{"one-metre rule", plan(strings.Replace(window, `"capacity":3`, `"capacity":4`, 1), building, site, markers), `"natq:schedule"[0]: capacity 4 is more than the 3 people the line of site s1 (dry) holds at 1 m apart`},
	{"no line at all", plan(window, building, strings.Replace(site, `,"natq:line_capacity":3`, "", 1)), `capacity 3 is more than the 0 people`},
	{"group of no building", plan(strings.Replace(window, `"building":"b1"`, `"building":"b9"`, 1), building, site), `"natq:schedule"[0].groups[0]: building "b9" is not a building of the plan`},
	{"markers disagree", plan(window, building, site, strings.Replace(markers, `,[121.00102,31.0001]]`, `]`, 1)), `features[2] (marker s1, dry): natq:count is 3 but there are 2 markers`},
	{"line capacity disagrees", plan(window, building, strings.Replace(site, `"natq:line_capacity":3`, `"natq:line_capacity":5`, 1), markers), `site s1 (dry): natq:line_capacity is 5 but its line has 3 markers`},
	{"building without id", plan(window, strings.Replace(building, `"natq:building":"b1",`, ``, 1)), `features[0] (building, dry): natq:building "" is not an id`},
	{"building without variant", plan(window, strings.Replace(building, `"natq:variant":"dry",`, ``, 1)), `features[0] (building b1): natq:variant "", want dry or wet`},
	{"building a point", plan(window, `{"type":"Feature","geometry":{"type":"Point","coordinates":[121,31]},"properties":{"natq:kind":"building","natq:building":"b1","natq:variant":"dry"}}`), `features[0] (building b1, dry): geometry is a Point, want a Polygon or MultiPolygon`},
	{"building twice", plan(window, building, building), `features[1] (building b1, dry): a second copy of building b1 for dry`},
	{"residents a string", plan(window, strings.Replace(building, `"natq:residents":3`, `"natq:residents":"3"`, 1)), `features[0] (building b1, dry): natq:residents is "3", want a number`},
	{"residents a fraction", plan(window, strings.Replace(building, `"natq:residents":3`, `"natq:residents":2.5`, 1)), `natq:residents is 2.5, want a whole number`},
	{"building at no site", plan("", building), `building b1 (dry): natq:site s1 is not a site of the plan`},
	{"not lon/lat", plan("", `{"type":"Feature","geometry":{"type":"Point","coordinates":[350000,3450000]},"properties":{"natq:kind":"gate","natq:gate":"g1"}}`), `features[0] (gate g1): coordinates out to [350000, 3450000] are not lon/lat`},
	{"no geometry", plan("", `{"type":"Feature","geometry":null,"properties":{"natq:kind":"gate"}}`), `features[0] (gate): geometry missing`},
	{"bad geometry", plan("", `{"type":"Feature","geometry":{"type":"Blob"},"properties":{}}`), `features[0]:`},
	{"marker a point", plan("", site, `{"type":"Feature","geometry":{"type":"Point","coordinates":[121,31]},"properties":{"natq:kind":"marker","natq:site":"s1","natq:variant":"dry"}}`), `features[1] (marker s1, dry): geometry is a Point, want a MultiPoint`},
	{"desk of no site", plan("", `{"type":"Feature","geometry":{"type":"Point","coordinates":[121,31]},"properties":{"natq:kind":"desk","natq:site":"s9","natq:variant":"dry"}}`), `site s9 (dry) has desks, a line or markers but no site feature`},
	{"site twice", plan("", site, site), `features[1] (site s1, dry): a second site s1 for dry`},
	{"route direction", plan("", building, site, `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[121,31],[121.001,31]]},"properties":{"natq:kind":"route","natq:building":"b1","natq:site":"s1","natq:variant":"dry","natq:direction":"up"}}`), `features[2] (route b1, dry): natq:direction "up", want to or back`},
	{"route of no building", plan("", building, site, `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[121,31],[121.001,31]]},"properties":{"natq:kind":"route","natq:building":"b7","natq:site":"s1","natq:variant":"dry","natq:direction":"to"}}`), `route of building "b7" to site "s1" (dry): not a building and a site of the plan`},
	{"route of one point", plan("", building, site, `{"type":"Feature","geometry":{"type":"LineString","coordinates":[[121,31]]},"properties":{"natq:kind":"route","natq:building":"b1","natq:site":"s1","natq:variant":"dry","natq:direction":"to"}}`), `geometry is a LineString, want a LineString of two points or more`},
	{"entrance of no building", plan("", `{"type":"Feature","id":"b7-e1","geometry":{"type":"Point","coordinates":[121,31]},"properties":{"natq:kind":"entrance","natq:building":"b7"}}`), `entrance 0 (b7-e1): natq:building "b7" is not a building of the plan`},
}

func TestReadErrors(t *testing.T) {
	for _, tc := range readErrors {
		t.Run(tc.name, func(t *testing.T) {
			_, err := planfile.Read(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Read(%s) = %v, want an error containing %q", tc.name, err, tc.want)
			}
			if code := errs.CodeOf(err); code != errs.Invalid {
				t.Errorf("Read(%s) error code %q, want %q (bad input)", tc.name, code, errs.Invalid)
			}
		})
	}
}
