package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"natq/planner/planfile"
)

// TestServeReadsPlansOnce: natq serve parses each plan file once, at
// start, however many maps the pages ask for.
func TestServeReadsPlansOnce(t *testing.T) {
	before := planfile.Reads()
	e, _, errb := serveEnv(nil)
	c2 := filepath.Join("..", "..", "queue", "testdata", "c2.plan.geojson")
	url := serve(t, e, errb, "--plan", fixture, "--plan", c2)
	if n := planfile.Reads() - before; n != 2 {
		t.Fatalf("natq serve with two plans read %d plan files at start, want 2", n)
	}
	for i := 0; i < 30; i++ {
		for _, path := range []string{"/api/v1/compounds/c1/map.json", "/api/v1/compounds/c1/map.json?building=b1",
			"/api/v1/compounds/c2/map.json?building=b2", "/api/v1/compounds/c1/map.json?building=nope"} {
			code, body := call(t, "GET", url+path, "", "")
			var m struct{ Buildings []any }
			if code != 200 || json.Unmarshal([]byte(body), &m) != nil || len(m.Buildings) == 0 {
				t.Fatalf("GET %s = %d %.80s, want 200 and a map with buildings", path, code, body)
			}
		}
	}
	if n := planfile.Reads() - before; n != 2 {
		t.Errorf("after 120 map.json requests natq serve has read %d plan files, want 2 (each once)", n)
	}
}

// TestDemoReadsPlanOnce: natq demo reads its plan back from the plan
// file's bytes once, for the queue, the maps and the prints.
func TestDemoReadsPlanOnce(t *testing.T) {
	before := planfile.Reads()
	d, err := newDemo(context.Background(), demoConfig{desks: 30, now: clockAt(yearOn)}, "http://demo.test")
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	b := d.firstBuilding()
	for _, path := range []string{"/api/v1/compounds/" + d.plan.Compound.ID + "/map.json", "/api/v1/compounds/" + d.plan.Compound.ID + "/map.json?building=" + b,
		"/api/v1/compounds/" + d.plan.Compound.ID + "/map.json?building=" + b, "/print/b/" + b + ".svg"} {
		resp, err := d.app.Test(httptest.NewRequest(http.MethodGet, path, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("GET %s = %d, %d bytes; want 200", path, resp.StatusCode, len(body))
		}
	}
	if n := planfile.Reads() - before; n != 1 {
		t.Errorf("natq demo read its plan %d times, want once", n)
	}
}
