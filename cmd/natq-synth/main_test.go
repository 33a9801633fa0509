package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"natq/planner"
)

// TestCityPlans writes a 20-compound city the way the command does and
// plans every compound of it: the file reads, each compound is found with
// its own buildings, and each plans, dry and wet, without a warning about
// its geometry. (A small compound with one sheltered site breaks the
// national guidance's residents per site in the rain; the planner is right
// to say so, and the generator makes such compounds on purpose.)
func TestCityPlans(t *testing.T) {
	out := filepath.Join(t.TempDir(), "city.geojson")
	var stderr bytes.Buffer
	if err := run([]string{"city", "--compounds", "20", "--seed", "3", "-o", out}, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "natq-synth city: 20 compounds, ") {
		t.Errorf("stderr = %q, want the city's counts", stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	src, err := planner.Read("city.geojson", data)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := src.Compounds(planner.Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 20 {
		t.Fatalf("Compounds = %d, want 20", len(cs))
	}
	p := planner.DefaultParams()
	p.Date, p.TZ, p.Desks = "2026-12-01", "Asia/Shanghai", 12
	for _, c := range cs {
		if len(c.Buildings) == 0 {
			t.Errorf("compound %s has no buildings", c.ID)
			continue
		}
		for _, b := range c.Buildings {
			if !strings.HasPrefix(b.ID, "c"+strings.TrimPrefix(c.ID, "city-")+"-") {
				t.Errorf("compound %s holds building %s of another compound", c.ID, b.ID)
			}
		}
		pl, err := planner.Make(c, p)
		if err != nil {
			t.Errorf("Make(%s) = %v", c.ID, err)
			continue
		}
		for _, w := range pl.Warnings {
			if !strings.Contains(w, "national guidance") {
				t.Errorf("Make(%s) warns: %q", c.ID, w)
			}
		}
	}
}

func TestRunRefuses(t *testing.T) {
	for _, args := range [][]string{{"city", "--compounds", "0"}, {"city", "extra"}, {"extra"}, {"city", "--bogus"}} {
		if err := run(args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("run(%q) = nil error", args)
		}
	}
}
