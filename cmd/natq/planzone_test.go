package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPlanZoneFromLocation checks that natq plan takes its zone from where
// the compound lies and its date from the binary's clock in that zone,
// never from the machine: the clock reads 18:30 UTC on 30 November, which
// is already 1 December in China and still 30 November in St Petersburg.
func TestPlanZoneFromLocation(t *testing.T) {
	now := time.Date(2027, 11, 30, 18, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		args     []string
		tz, date string
	}{
		{"contest", []string{"../../testdata/contest.geojson", "--desks", "30"}, "Asia/Shanghai", "2027-12-01"},
		{"shanghai", []string{"../../testdata/real/shanghai_shu_baoshan.osm", "--whole-file", "--desks", "40"}, "Asia/Shanghai", "2027-12-01"},
		{"beijing", []string{"../../testdata/real/beijing_tsinghua_compounds.osm", "--compound", "w226670876"}, "Asia/Shanghai", "2027-12-01"},
		{"st petersburg", []string{"../../testdata/real/spb_galernaya_block.osm"}, "Europe/Moscow", "2027-11-30"},
		{"--tz wins", []string{"../../testdata/contest.geojson", "--desks", "30", "--tz", "Europe/Moscow"}, "Europe/Moscow", "2027-11-30"},
		{"--date wins", []string{"../../testdata/contest.geojson", "--desks", "30", "--date", "2027-12-03"}, "Asia/Shanghai", "2027-12-03"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "plan.geojson")
			var stdout, stderr bytes.Buffer
			e := testEnv(&stdout, &stderr)
			e.getenv = func(k string) string {
				if k == "TZ" {
					return "America/New_York" // must not matter
				}
				return ""
			}
			e.now = func() time.Time { return now }
			if status := run(context.Background(), e, append([]string{"plan", "-o", out}, c.args...)); status != 0 {
				t.Fatalf("natq plan %v: status %d\n%s", c.args, status, stderr.String())
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var f struct {
				Params map[string]any `json:"natq:params"`
				Report struct {
					Assumptions []string `json:"assumptions"`
				} `json:"natq:report"`
			}
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatal(err)
			}
			if f.Params["tz"] != c.tz || f.Params["date"] != c.date {
				t.Errorf("natq plan %v: tz %v, date %v; want %s, %s", c.args, f.Params["tz"], f.Params["date"], c.tz, c.date)
			}
			said := "time zone " + c.tz + ":"
			found := false
			for _, a := range f.Report.Assumptions {
				found = found || strings.HasPrefix(a, said)
			}
			if !found {
				t.Errorf("natq plan %v: the plan's assumptions do not state %q: %q", c.args, said, f.Report.Assumptions)
			}
			if !strings.Contains(stdout.String(), said) {
				t.Errorf("natq plan %v: the output does not state %q:\n%s", c.args, said, stdout.String())
			}
		})
	}
}

// TestPlanEmptyCompoundSuggestsWholeFile: a file whose compound polygon
// holds none of its buildings says how to plan them.
func TestPlanEmptyCompoundSuggestsWholeFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "plan.geojson")
	status, _, stderr := natq(t, "plan", "../../testdata/real/shanghai_shu_baoshan.osm", "-o", out)
	if status != 2 || !strings.Contains(stderr, "has no buildings inside it") || !strings.Contains(stderr, "--whole-file") {
		t.Errorf("natq plan shanghai (compound polygon empty): status %d, stderr %q; want 2 and a hint to use --whole-file", status, stderr)
	}
}

// TestPlanSomeCompoundsEmpty: where other compounds of the file hold
// buildings, an empty one is skipped with a warning, and --whole-file,
// which would merge them all, is not suggested.
func TestPlanSomeCompoundsEmpty(t *testing.T) {
	status, _, stderr := natq(t, "plan", "../../testdata/real/beijing_tsinghua_compounds.osm", "--out", t.TempDir())
	if status != 0 || !strings.Contains(stderr, "compound 西院 (w255748954) has no buildings inside it: not planned") || strings.Contains(stderr, "--whole-file") {
		t.Errorf("natq plan beijing: status %d, stderr %q; want 0, a warning for 西院 and no --whole-file hint", status, stderr)
	}
}
