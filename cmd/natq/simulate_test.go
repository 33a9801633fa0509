package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const contestPlanFile = "../../planner/testdata/golden/contest.plan.geojson"

// TestSimulateCommand runs natq simulate on the contest plan with every
// what-if, and reads back what it wrote.
func TestSimulateCommand(t *testing.T) {
	dir := t.TempDir()
	status, out, errs := natq(t, "simulate", contestPlanFile, "--runs", "2", "--rain-at", "09:40",
		"--desks-down", "s2:1@08:30", "--late-share", "0.3", "--json", filepath.Join(dir, "r.json"), "--svg", filepath.Join(dir, "svg"))
	if status != 0 {
		t.Fatalf("status %d, stderr %s", status, errs)
	}
	for _, want := range []string{"one sample takes 30 s", "== dry ==", "== wet ==", "== rain at 09:40 ==",
		"rain switch at 09:40", "== desks down s2:1@08:30 ==", "== rain at 09:40, desks down s2:1@08:30 ==", "== late share 0.3 ==",
		"against dry:", "wrote 36 charts"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Params    struct{ Runs int }
		Scenarios []struct {
			Name, Base string
			Sites      []struct {
				Site    string
				Markers int
			}
		}
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Params.Runs != 2 || len(rep.Scenarios) != 6 || rep.Scenarios[2].Base != "dry" || len(rep.Scenarios[0].Sites) != 6 {
		t.Errorf("JSON report: %d runs, %d scenarios, want 2 and 6 (dry, wet and four what-ifs against dry: rain, desks down, both, late)", rep.Params.Runs, len(rep.Scenarios))
	}
	svg, err := os.ReadFile(filepath.Join(dir, "svg", "desks-down-s2-1-08-30-s2.svg"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(svg), "<svg") || !strings.Contains(string(svg), "markers (one-metre capacity, 360)") {
		t.Errorf("s2 chart lacks its capacity line:\n%.300s", svg)
	}
}

// TestSimulateDesksDownSites: --desks-down given twice counts both (it
// kept the last); a wet-only site's desks are lost on the wet day (it ran
// the dry day, where the site has none, and said nothing); and with a
// rain switch, desks of the wet plan lost after it.
func TestSimulateDesksDownSites(t *testing.T) {
	c1 := "../../queue/testdata/c1.plan.geojson"
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--desks-down", "s1:1@07:10", "--desks-down", "s2:1@07:10"}, []string{"== desks down s1:1@07:10 s2:1@07:10 ==", "against dry:"}},
		{[]string{"--desks-down", "w1:1@07:10"}, []string{"== desks down w1:1@07:10 ==", "against wet:", "3, 2 from 07:10"}},
		{[]string{"--desks-down", "w1:2@07:10-07:40,w1:1@07:40"}, []string{"== desks down w1:2@07:10-07:40 w1:1@07:40 ==", "against wet:"}},
		{[]string{"--rain-at", "07:20", "--desks-down", "w1:1@07:30"}, []string{"== rain at 07:20, desks down w1:1@07:30 ==", "0, 3 from 07:20, 2 from 07:30"}},
	} {
		status, out, errs := natq(t, append([]string{"simulate", c1, "--runs", "2"}, tc.args...)...)
		if status != 0 {
			t.Fatalf("natq simulate %s: status %d, %s", strings.Join(tc.args, " "), status, errs)
		}
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("natq simulate %s: output lacks %q:\n%s", strings.Join(tc.args, " "), want, out)
			}
		}
	}
}

// TestSimulateBadInput: a bad flag or file exits 2 and names what is wrong.
func TestSimulateBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"simulate"}, "one plan file"},
		{[]string{"simulate", "nonexistent.plan.geojson"}, "nonexistent.plan.geojson"},
		{[]string{"simulate", contestPlanFile, "--rain-at", "9h40"}, `--rain-at "9h40"`},
		{[]string{"simulate", contestPlanFile, "--desks-down", "s2@08:30"}, `--desks-down "s2@08:30"`},
		{[]string{"simulate", contestPlanFile, "--desks-down", "s9:1@08:30"}, `no site "s9"`},
		{[]string{"simulate", contestPlanFile, "--desks-down", "s2:5@08:30"}, "only 2 desks"},
		// Two what-ifs of one site at once, more desks than it has: from the
		// second's start; one that has come back by then does not count.
		{[]string{"simulate", contestPlanFile, "--desks-down", "s2:1@08:30", "--desks-down", "s2:2@09:00"}, "s2:1@08:30 and s2:2@09:00: together 3 desks of site s2 down from 09:00, which has only 2 desks"},
		{[]string{"simulate", contestPlanFile, "--desks-down", "s2:2@09:00,s2:1@08:30-09:30"}, "together 3 desks of site s2 down from 09:00"},
		{[]string{"simulate", "../../queue/testdata/c1.plan.geojson", "--desks-down", "s1:1@07:10", "--desks-down", "w1:1@07:30"}, "no one weather plan has all these sites"},
		{[]string{"simulate", contestPlanFile, "--late-share", "30%"}, `--late-share "30%"`},
		{[]string{"simulate", contestPlanFile, "--noshow", "2"}, "--noshow 2"},
		{[]string{"simulate", contestPlanFile, "--runs", "0"}, "--runs 0"},
		{[]string{"simulate", contestPlanFile, "--service-cv", "-1"}, "--service-cv -1"},
		{[]string{"simulate", contestPlanFile, "--bogus"}, "bogus"},
	} {
		status, _, errs := natq(t, tc.args...)
		if status != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("natq %s: status %d, stderr %q; want 2 and %q", strings.Join(tc.args, " "), status, errs, tc.want)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.plan.geojson")
	os.WriteFile(bad, []byte(`{"type":"FeatureCollection","natq:compound":{"id":"c1"},"natq:params":{"date":"2026-12-01","tz":"Asia/Shanghai","rate":120,"spacing":1},"natq:schedule":[]}`), 0o644)
	if status, _, errs := natq(t, "simulate", bad); status != 2 || !strings.Contains(errs, "no windows") {
		t.Errorf("natq simulate (plan without windows): status %d, stderr %q", status, errs)
	}
}

// TestSimulateReplayCommand writes a simulated round's log and replays it.
func TestSimulateReplayCommand(t *testing.T) {
	log := filepath.Join(t.TempDir(), "round.csv")
	status, out, errs := natq(t, "simulate", contestPlanFile, "--runs", "1", "--log-out", log)
	if status != 0 || !strings.Contains(out, "wrote a simulated dry round's log") {
		t.Fatalf("status %d, out %s, stderr %s", status, out, errs)
	}
	status, out, errs = natq(t, "simulate", contestPlanFile, "--runs", "2", "--replay", log)
	if status != 0 {
		t.Fatalf("replay: status %d, stderr %s", status, errs)
	}
	for _, want := range []string{"replay: ", "people sampled (dry variant)", "wait p95 min", "to calibrate: --rate "} {
		if !strings.Contains(out, want) {
			t.Errorf("replay output lacks %q:\n%s", want, out)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("ticket,site\n1,s1\n"), 0o644)
	if status, _, errs := natq(t, "simulate", contestPlanFile, "--replay", bad); status != 2 || !strings.Contains(errs, `lacks the column "party"`) {
		t.Errorf("replay of a bad log: status %d, stderr %q; want 2 and the missing column", status, errs)
	}
}
