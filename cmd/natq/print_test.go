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
	if status, _, stderr := runPrintCmd(t, "--format", "svg", "--out", svgDir, printFixture, "--base-url", "https://natq.example"); status != 0 {
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
	const base = "https://natq.example"
	fixtureCSV, _ := os.ReadFile("../../planner/sheets/testdata/fixture.tickets.csv")
	otherZone := filepath.Join(dir, "zone.csv")
	os.WriteFile(otherZone, []byte(strings.ReplaceAll(string(fixtureCSV), "Asia/Shanghai", "Europe/Moscow")), 0o644)
	otherDay := filepath.Join(dir, "day.csv")
	os.WriteFile(otherDay, []byte(strings.ReplaceAll(string(fixtureCSV), "2026-12-01", "2026-12-02")), 0o644)
	badCSV := filepath.Join(dir, "bad.csv")
	os.WriteFile(badCSV, []byte("building,unit\nw1,1\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no plan", []string{"--out", dir}, "want one plan file"},
		{"no out", []string{printFixture}, "--out DIR is required"},
		{"bad format", []string{printFixture, "--out", dir, "--format", "png", "--base-url", base}, "unknown format"},
		{"missing plan", []string{filepath.Join(dir, "nope.geojson"), "--out", dir, "--base-url", base}, "no such file"},
		{"empty plan", []string{notPlan, "--out", dir, "--base-url", base}, `"natq:compound" missing`},
		{"bad tickets", []string{printFixture, "--out", dir, "--tickets", badCSV, "--base-url", base}, `no "compound" column`},
		{"bad font", []string{printFixture, "--out", dir, "--font", badCSV, "--base-url", base}, "font"},
		{"tickets in another zone", []string{printFixture, "--out", dir, "--tickets", otherZone, "--base-url", base}, "has its times in Europe/Moscow, the plan in Asia/Shanghai"},
		{"tickets of another day", []string{printFixture, "--out", dir, "--tickets", otherDay, "--base-url", base}, "is for 2026-12-02, the plan for 2026-12-01"},
		{"no base URL", []string{printFixture, "--out", dir}, "no --base-url: the building sheets' QR codes need it; give the address"},
		{"base URL not a URL", []string{printFixture, "--out", dir, "--base-url", "natq.example.org"}, "is not an http(s) address"},
		{"base URL localhost", []string{printFixture, "--out", dir, "--base-url", "http://localhost:8080"}, "is this computer only"},
		{"base URL loopback", []string{printFixture, "--out", dir, "--base-url", "http://127.0.0.1:8080/"}, "is this computer only"},
		{"base URL with a query", []string{printFixture, "--out", dir, "--base-url", "https://natq.example.org/path?x=1"}, "has a query (?), a fragment (#)"},
		{"base URL with a fragment", []string{printFixture, "--out", dir, "--base-url", "https://natq.example.org/#top"}, "has a query (?), a fragment (#)"},
		{"base URL with an empty fragment", []string{printFixture, "--out", dir, "--base-url", "https://natq.example.org/#"}, "has a query (?), a fragment (#)"},
		{"base URL with a password", []string{printFixture, "--out", dir, "--base-url", "https://a:b@natq.example.org"}, "has a query (?), a fragment (#)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, stderr := runPrintCmd(t, tc.args...)
			if status != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("natq print %q = %d, stderr %q; want 2 and %q", tc.args, status, stderr, tc.want)
			}
		})
	}
}
