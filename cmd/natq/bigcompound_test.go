package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"natq/planner/synth"
)

// TestPlanSaysABigCompoundTakesAWhile plans a compound of bigCompound
// buildings: natq says so on stderr before anything else (the notice goes
// out as planning starts, not with the summary), and still plans it; the
// contest compound, far smaller, gets no such notice.
func TestPlanSaysABigCompoundTakesAWhile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "big.geojson")
	data, err := synth.Random(1, synth.RandomOptions{Buildings: bigCompound, Sites: bigCompound / 16}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	status, stdout, stderr := natq(t, "plan", in, "-o", filepath.Join(dir, "big.plan.geojson"), "--desks", "141", "--date", "2026-12-02", "--tz", "Asia/Shanghai")
	if status != 0 {
		t.Fatalf("natq plan of %d buildings: exit status %d; stderr:\n%s", bigCompound, status, tail(stderr, 2000))
	}
	first, _, _ := strings.Cut(stderr, "\n")
	want := "note: 随机小区 1 (random compound 1) (random-1): 300 buildings and 18 sites, a big compound (大型小区): its plan takes seconds to minutes"
	if first != want {
		t.Errorf("stderr's first line:\n got %q\nwant %q", first, want)
	}
	if !strings.Contains(stdout, "planned in ") {
		t.Errorf("no summary on stdout:\n%.2000s", stdout)
	}
	status, _, stderr = natq(t, "plan", filepath.Join("..", "..", "testdata", "contest.geojson"), "-o", filepath.Join(dir, "contest.plan.geojson"), "--desks", "30", "--date", "2026-12-02", "--tz", "Asia/Shanghai")
	if status != 0 || strings.Contains(stderr, "big compound") {
		t.Errorf("natq plan contest: exit status %d, stderr:\n%s", status, tail(stderr, 2000))
	}
}
