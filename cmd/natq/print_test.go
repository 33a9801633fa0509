package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runPrintCmd runs natq print in-process and returns its exit status and
// output.
func runPrintCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := testEnv(&stdout, &stderr)
	status := run(context.Background(), e, append([]string{"print"}, args...))
	return status, stdout.String(), stderr.String()
}

const printFixture = "../../planner/sheets/testdata/fixture.plan.geojson"

func TestPrint(t *testing.T) {
	dir := t.TempDir()
	status, stdout, stderr := runPrintCmd(t, printFixture, "--out", dir, "--tickets", "../../planner/sheets/testdata/fixture.tickets.csv", "--base-url", "https://natq.example", "--combined")
	if status != 0 {
		t.Fatalf("natq print = %d, stderr:\n%s", status, stderr)
	}
	if !strings.Contains(stdout, "wrote 11 sheets") {
		t.Errorf("natq print said %q, want it to report 11 sheets", stdout)
	}
	for _, name := range []string{"building-w101.pdf", "buildings.pdf", "tickets.pdf", "marker-dry-s1.pdf", "battle-wet.pdf"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("natq print wrote no %s: %v", name, err)
		}
	}

	svgDir := t.TempDir()
	if status, _, stderr := runPrintCmd(t, "--format", "svg", "--out", svgDir, printFixture); status != 0 {
		t.Fatalf("natq print --format svg = %d, stderr:\n%s", status, stderr)
	}
	if _, err := os.Stat(filepath.Join(svgDir, "battle-dry.svg")); err != nil {
		t.Errorf("natq print --format svg wrote no battle-dry.svg: %v", err)
	}
}

func TestPrintBadInput(t *testing.T) {
	dir := t.TempDir()
	notPlan := filepath.Join(dir, "not.geojson")
	os.WriteFile(notPlan, []byte(`{"type":"FeatureCollection","features":[]}`), 0o644)
	badCSV := filepath.Join(dir, "bad.csv")
	os.WriteFile(badCSV, []byte("building,unit\nw1,1\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no plan", []string{"--out", dir}, "want one plan file"},
		{"no out", []string{printFixture}, "--out DIR is required"},
		{"bad format", []string{printFixture, "--out", dir, "--format", "png"}, "unknown format"},
		{"missing plan", []string{filepath.Join(dir, "nope.geojson"), "--out", dir}, "no such file"},
		{"empty plan", []string{notPlan, "--out", dir}, `"natq:compound" missing`},
		{"bad tickets", []string{printFixture, "--out", dir, "--tickets", badCSV}, `no "room" column`},
		{"bad font", []string{printFixture, "--out", dir, "--font", badCSV}, "font"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, stderr := runPrintCmd(t, tc.args...)
			if status != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("natq print %q = %d, stderr %q; want 2 and %q", tc.args, status, stderr, tc.want)
			}
		})
	}
}
