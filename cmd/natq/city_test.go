package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"natq/planner/planfile"
	"natq/planner/synth"
)

// TestPlanCity plans a 500-compound synthetic city, written as a stream
// the way natq-synth city writes it, with --out DIR on every core: every
// compound gets a plan that planfile.Read accepts, holding exactly that
// compound's buildings, its sealed ones door to door; the plans together
// hold the city's buildings and residents; summary.csv says each was
// planned; a log gets the progress bar's last line only. (How fast is
// BENCHMARKS.md's business, not a test's.)
func TestPlanCity(t *testing.T) {
	const n = 500
	dir := t.TempDir()
	in, out := filepath.Join(dir, "city.geojson"), filepath.Join(dir, "plans")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	st, err := synth.WriteCity(f, synth.CityOptions{Compounds: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	status, stdout, stderr := natq(t, "plan", in, "--out", out, "--desks", "12", "--date", "2026-12-02", "--tz", "Asia/Shanghai")
	if status != 0 {
		t.Fatalf("natq plan city: exit status %d; stderr:\n%s", status, tail(stderr, 2000))
	}
	if strings.Count(stderr, "planning 规划中") != 1 || !strings.Contains(stderr, "500/500 compounds in ") {
		t.Errorf("natq plan city to a log: want one final progress line, got:\n%s", tail(stderr, 2000))
	}
	buildings, residents, sealed := 0, 0, 0
	for k := 0; k < n; k++ {
		id := "city-" + strconv.Itoa(k)
		path := filepath.Join(out, id+".plan.geojson")
		r, err := os.Open(path)
		if err != nil {
			t.Errorf("compound %s: %v", id, err)
			continue
		}
		pf, err := planfile.Read(r)
		r.Close()
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if pf.Compound.ID != id || len(pf.Buildings) == 0 || len(pf.Variants) != 2 {
			t.Errorf("%s: compound %q, %d buildings, variants %q; want %s, some buildings, dry and wet", path, pf.Compound.ID, len(pf.Buildings), pf.Compound.ID, pf.Variants)
		}
		for _, b := range pf.Buildings {
			if !strings.HasPrefix(b.ID, "c"+strconv.Itoa(k)+"-") {
				t.Errorf("%s holds building %s of another compound", path, b.ID)
			}
			buildings++
			residents += b.Residents
			if b.Sealed {
				sealed++
				for _, v := range pf.Variants {
					if !b.DoorToDoor[v] {
						t.Errorf("%s: sealed building %s is not sampled door to door in the %s plan", path, b.ID, v)
					}
				}
			}
		}
		if !strings.Contains(stdout, "wrote "+path) {
			t.Errorf("natq plan city does not say it wrote %s", path)
		}
	}
	if buildings != st.Buildings || residents != st.Residents || sealed == 0 {
		t.Errorf("the plans hold %d buildings, %d residents, %d sealed; the city has %d buildings, %d residents, and some sealed",
			buildings, residents, sealed, st.Buildings, st.Residents)
	}
	rows := readSummary(t, filepath.Join(out, summaryFile))
	if len(rows) != n {
		t.Fatalf("summary.csv has %d lines, want %d", len(rows), n)
	}
	for k, row := range rows {
		if row["compound"] != "city-"+strconv.Itoa(k) || row["status"] != "planned" || row["dry_desks"] == "" || row["wet_desks"] == "" {
			t.Errorf("summary.csv line %d = %v, want city-%d planned, dry and wet", k+1, row, k)
		}
	}
	left, _ := os.ReadDir(out)
	if len(left) != n+1 {
		t.Errorf("natq plan city left %d files, want %d plans and the summary", len(left), n)
	}
}
