package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"natq/planner/synth"
)

// realFiles are the three real OSM exports with the counts published in
// their .source.txt files (counted there with other tools).
var realFiles = []struct {
	file string
	// buildings: building ways + building relations; highway: ways with
	// highway=*; covered: highway ways with covered=yes or
	// tunnel=building_passage; entrances: nodes with entrance=*; gates:
	// nodes with barrier=gate.
	buildings, highway, covered, entrances, gates int
}{
	// "Buildings: 520 ways and 1 relation." "Ways with highway=*: 684."
	// "11 highway ways with covered=yes" "0 nodes tagged entrance=*" "gate 25"
	{"beijing_tsinghua_compounds.osm", 520 + 1, 684, 11, 0, 25},
	// "Buildings: 105 ways and 2 multipolygon relations." "Ways with
	// highway=*: 193." "5 highway ways with covered=yes" (the 2 covered
	// metro station outlines are not highways) "0 nodes tagged entrance=*"
	// "gate 1" (lift_gate and kissing_gate are other barriers)
	{"shanghai_shu_baoshan.osm", 105 + 2, 193, 5, 0, 1},
	// "Buildings: 5 ways and 9 multipolygon relations." "Ways with
	// highway=*: 50" "7 service ways with tunnel=building_passage"
	// "Entrances: 16 nodes" "gate 9"
	{"spb_galernaya_block.osm", 5 + 9, 50, 7, 16, 9},
}

// fileTotals parses the file totals section of natq inspect's output.
func fileTotals(t *testing.T, out string) map[string]int {
	t.Helper()
	sec, _, _ := strings.Cut(out, "\ncompound ")
	if !strings.Contains(sec, "file totals") {
		t.Fatalf("natq inspect printed no file totals:\n%s", out)
	}
	got := map[string]int{}
	for key, re := range map[string]*regexp.Regexp{
		"buildings": regexp.MustCompile(`buildings 楼栋\s+(\d+)`),
		"highway":   regexp.MustCompile(`highway ways 道路\s+(\d+) \(`),
		"covered":   regexp.MustCompile(`highway ways 道路\s+\d+ \(\d+ walkable, (\d+) covered\)`),
		"entrances": regexp.MustCompile(`entrances 单元门\s+(\d+)`),
		"gates":     regexp.MustCompile(`gates 大门\s+(\d+)`),
	} {
		m := re.FindStringSubmatch(sec)
		if m == nil {
			t.Fatalf("natq inspect's file totals have no %s line (%v):\n%s", key, re, sec)
		}
		got[key], _ = strconv.Atoi(m[1])
	}
	return got
}

// TestInspectRealTotals checks natq inspect's file totals on each real
// file against the counts published with it.
func TestInspectRealTotals(t *testing.T) {
	for _, tt := range realFiles {
		t.Run(tt.file, func(t *testing.T) {
			status, out, stderr := natq(t, "inspect", filepath.Join("../../testdata/real", tt.file))
			if status != 0 {
				t.Fatalf("natq inspect: exit status %d; stderr:\n%s", status, stderr)
			}
			got := fileTotals(t, out)
			want := map[string]int{"buildings": tt.buildings, "highway": tt.highway, "covered": tt.covered, "entrances": tt.entrances, "gates": tt.gates}
			for _, k := range []string{"buildings", "highway", "covered", "entrances", "gates"} {
				if got[k] != want[k] {
					t.Errorf("Inspect(%q) %s = %d, want %d (.source.txt)", tt.file, k, got[k], want[k])
				}
			}
		})
	}
}

// beijingCompounds are the named compounds of the Beijing file, from its
// .source.txt: those with buildings mapped inside must be planned, the
// others (no buildings) skipped with a warning.
var beijingCompounds = []struct {
	id, name  string
	buildings int // "buildings inside" per .source.txt; 0 for none
}{
	{"w226684173", "荷清苑教师住宅区", 21},
	{"w385514039", "清华大学西北小区", 24},
	{"w265789821", "西王庄小区", 20},
	{"w226670876", "新林院", 7},
	{"w255748954", "西院", 0},
	{"w473654608", "华清嘉园小区", 0},
}

// TestPlanBeijingCompounds plans every compound of the Beijing file with
// --out DIR and checks that each named compound with buildings gets a plan
// file with routes in both weathers, and that each without buildings gets
// none and a warning naming it.
func TestPlanBeijingCompounds(t *testing.T) {
	dir := t.TempDir()
	status, _, stderr := natq(t, "plan", "../../testdata/real/beijing_tsinghua_compounds.osm", "--out", dir)
	if status != 0 {
		t.Fatalf("natq plan --out: exit status %d; stderr:\n%s", status, stderr)
	}
	var want []string
	for _, c := range beijingCompounds {
		path := filepath.Join(dir, c.id+".plan.geojson")
		if c.buildings == 0 {
			if _, err := os.Stat(path); err == nil {
				t.Errorf("compound %s (%s) has no buildings but natq wrote %s", c.name, c.id, path)
			}
			if w := c.name + " (" + c.id + ") has no buildings"; !strings.Contains(stderr, w) {
				t.Errorf("natq plan warnings = %q, want them to contain %q", stderr, w)
			}
			continue
		}
		want = append(want, c.id+".plan.geojson")
		t.Run(c.id, func(t *testing.T) {
			pf := checkPlanFile(t, path)
			if got := pf.Compound["name"]; got != c.name {
				t.Errorf("Plan(%q) natq:compound name = %v, want %v", c.id, got, c.name)
			}
			for _, v := range []string{"dry", "wet"} {
				if pf.routes[v] == 0 {
					t.Errorf("Plan(%q) has no %s routes", c.id, v)
				}
			}
			// The relation-built buildings may add to the ways counted in
			// .source.txt, never take away.
			if got := len(pf.buildings); got < c.buildings {
				t.Errorf("Plan(%q) has %d buildings, want at least %d", c.id, got, c.buildings)
			}
		})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want = append(want, "summary.csv") // a line for each compound, 西院 too
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("natq plan --out wrote %q, want %q", got, want)
	}
	// The summary's end is the main day's; the students' period ends
	// apart (it read 16:45 for a compound sampled by 07:30).
	for _, r := range readSummary(t, filepath.Join(dir, "summary.csv")) {
		if r["status"] != "planned" {
			continue
		}
		end, students := r["dry_end"], r["dry_students_end"]
		if end == "" || end >= "12:00" || students < "16:00" {
			t.Errorf("summary.csv: %s ends %q, its students' period %q; want the morning, then the afternoon", r["compound"], end, students)
		}
	}
}

// TestInspectContest checks natq inspect understands the contest compound
// as the issue describes it: 103 buildings holding the contest's 18,326
// residents, given not estimated; 60 x 3 + 20 x 2 + 23 x 3 unit doors,
// all given; one connected walkway network; sites sheltered and not.
func TestInspectContest(t *testing.T) {
	status, out, stderr := natq(t, "inspect", "../../testdata/contest.geojson")
	if status != 0 {
		t.Fatalf("natq inspect: exit status %d; stderr:\n%s", status, stderr)
	}
	_, comp, ok := strings.Cut(out, "\ncompound ")
	if !ok {
		t.Fatalf("natq inspect printed no compound:\n%s", out)
	}
	for _, want := range []string{
		"buildings 楼栋      103 (103 dwellings",
		fmt.Sprintf("residents 居民      %d (%d given, 0 estimated)", synth.ContestResidents, synth.ContestResidents),
		"entrances 单元门    289 (289 given, 0 inferred)",
		"walkway network     1 part(s)",
		"gates 大门          3",
	} {
		if !strings.Contains(comp, want) {
			t.Errorf("Inspect(contest) = %q, want it to contain %q", comp, want)
		}
	}
	if m := regexp.MustCompile(`sites 采样点候选\s+(\d+) \((\d+) sheltered, (\d+) open\)`).FindStringSubmatch(comp); m == nil || m[2] == "0" || m[3] == "0" {
		t.Errorf("Inspect(contest) sites = %q, want some sheltered and some open", m)
	}
	if strings.Contains(comp, "warning:") {
		t.Errorf("Inspect(contest) warns:\n%s", comp)
	}
}

// TestPlanRealStrict plans a Beijing compound five of whose buildings
// stand more than 60 m from any mapped walkway: without --strict each is a
// warning naming it and the rest is planned; with --strict the first is an
// error, status 2, and no plan is written.
func TestPlanRealStrict(t *testing.T) {
	far := []string{"w451306293", "w451306294", "w451306303", "w451306307", "w451306309"}
	in := "../../testdata/real/beijing_tsinghua_compounds.osm"
	dir := t.TempDir()
	out := filepath.Join(dir, "plan.geojson")
	status, stdout, stderr := natq(t, "plan", in, "--compound", "荷清苑教师住宅区", "-o", out)
	if status != 0 {
		t.Fatalf("natq plan: exit status %d; stderr:\n%s", status, stderr)
	}
	// The table counts the residents the warnings leave out: 3027 = 2311
	// at sites + 0 door to door + 716 not routed.
	if !regexp.MustCompile(`not routed \(see warnings\)\s+716\s+716\n`).MatchString(stdout) {
		t.Errorf("natq plan's table does not count the 716 residents not routed:\n%s", stdout)
	}
	for _, id := range far {
		// Named by a name a person can find on the map, and by id.
		if w := regexp.MustCompile(`楼 \d+ / building \d+ \(` + id + `\): no walkway reaches it`); !w.MatchString(stderr) {
			t.Errorf("natq plan warnings = %q, want them to contain %q", stderr, w)
		}
	}
	os.Remove(out)
	status, _, stderr = natq(t, "plan", in, "--compound", "w226684173", "-o", out, "--strict")
	if status != 2 {
		t.Errorf("natq plan --strict: exit status %d, want 2; stderr:\n%s", status, stderr)
	}
	if !strings.Contains(stderr, "no walkway reaches it") || !strings.Contains(stderr, "(--strict)") || !strings.Contains(stderr, "(w45130") {
		t.Errorf("natq plan --strict message = %q, want it to name an unreachable building and --strict", stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("natq plan --strict wrote %s despite the error", out)
	}
}
