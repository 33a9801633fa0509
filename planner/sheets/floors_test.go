package sheets

import (
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"natq/planner/planfile"
)

// floorPlan is a one-building plan whose schedule calls the given groups,
// one window each, 15 minutes apart from 07:00 in Shanghai.
func floorPlan(t *testing.T, groups ...[]Group) *Plan {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	f := &planfile.File{
		Compound: Compound{ID: "c", Name: "测试小区"},
		Params:   planfile.Params{Date: "2026-12-01", TZ: "Asia/Shanghai"},
		Variants: []string{"dry"},
		Buildings: []*Building{{ID: "b1", Name: "1号楼", Levels: 18, Units: 2,
			Outline: orb.MultiPolygon{{{{121.40, 31.30}, {121.4003, 31.30}, {121.4003, 31.3001}, {121.40, 31.3001}, {121.40, 31.30}}}},
			Site:    map[string]string{"dry": "s1"}, DoorToDoor: map[string]bool{}}},
		Sites: []*Site{{ID: "s1", Name: "广场", Variant: "dry", Desks: 2}},
	}
	start := time.Date(2026, 12, 1, 7, 0, 0, 0, loc)
	for i, gs := range groups {
		f.Schedule = append(f.Schedule, Window{Index: i, Variant: "dry", Site: "s1",
			Start: start.Add(time.Duration(i) * 15 * time.Minute), End: start.Add(time.Duration(i+1) * 15 * time.Minute),
			Capacity: 100, Groups: gs})
	}
	p, err := FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWindowRows checks the building sheet's window table: each floor in
// exactly one window, a floor the plan splits listed by room when the
// plan gives the rooms and marked as a part in each window when not.
func TestWindowRows(t *testing.T) {
	type row struct{ when, unit, floors string }
	for _, c := range []struct {
		name   string
		groups [][]Group
		want   []row
		part   bool
	}{
		{
			name: "whole floors",
			groups: [][]Group{
				{{Building: "b1", Unit: "2", Floors: []int{1, 7}, People: 40}},
				{{Building: "b1", Unit: "2", Floors: []int{8, 18}, People: 40}},
			},
			want: []row{{"07:00–07:15", "2单元 Unit 2", "1–7层 Floors 1–7"}, {"07:15–07:30", "2单元 Unit 2", "8–18层 Floors 8–18"}},
		},
		{
			name: "floor 8 in two windows, no rooms",
			groups: [][]Group{
				{{Building: "b1", Unit: "2", Floors: []int{1, 8}, People: 40}},
				{{Building: "b1", Unit: "2", Floors: []int{8, 18}, People: 40}},
			},
			want: []row{
				{"07:00–07:15", "2单元 Unit 2", "1–7层、8层（部分） Floors 1–7, 8 (part)"},
				{"07:15–07:30", "2单元 Unit 2", "8层（部分）、9–18层 Floors 8 (part), 9–18"},
			},
			part: true,
		},
		{
			name: "an oversized floor by room",
			groups: [][]Group{
				{{Building: "b1", Unit: "1", Floors: []int{1, 1}, Rooms: []int{101, 145}, People: 90}},
				{{Building: "b1", Unit: "1", Floors: []int{1, 1}, Rooms: []int{146, 190}, People: 90}, {Building: "b1", Unit: "1", Floors: []int{2, 3}, People: 8}},
			},
			want: []row{
				{"07:00–07:15", "1单元 Unit 1", "1层 101–145室 Floor 1 (rooms 101–145)"},
				{"07:15–07:30", "1单元 Unit 1", "1层 146–190室、2–3层 Floors 1 (rooms 146–190), 2–3"},
			},
		},
		{
			name: "floors apart in one window, units in turn",
			groups: [][]Group{
				{{Building: "b1", Unit: "1", Floors: []int{1, 3}, People: 20}, {Building: "b1", Unit: "1", Floors: []int{5, 5}, People: 6}, {Building: "b1", Unit: "2", Floors: []int{1, 1}, People: 6}},
				{{Building: "b1", Unit: "1", Floors: []int{4, 4}, People: 6}, {Building: "students", People: 3}},
			},
			want: []row{
				{"07:00–07:15", "1单元 Unit 1", "1–3层、5层 Floors 1–3, 5"},
				{"07:00–07:15", "2单元 Unit 2", "1层 Floor 1"},
				{"07:15–07:30", "1单元 Unit 1", "4层 Floor 4"},
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := floorPlan(t, c.groups...)
			rows, part := windowRows(p, p.Buildings[0], "dry")
			var got []row
			for _, r := range rows {
				got = append(got, row{r.when, r.unit, r.floors})
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("windowRows = %q, want %q", got, c.want)
			}
			if part != c.part {
				t.Errorf("windowRows part = %v, want %v", part, c.part)
			}
		})
	}
}

// TestWindowRowsEveryFloorOnce checks the rule on whole plans: the
// contest compound's golden plan as planned; with every group that
// follows another of its unit made to start one floor lower, so that
// floors are split between windows; and made whole, each floor left in
// the first window that calls it. Every floor a building's groups call
// is listed whole in one row only, or as a part in every window that
// calls it, never both.
func TestWindowRowsEveryFloorOnce(t *testing.T) {
	planned := loadContest(t)
	split := loadContest(t)
	split.Schedule = append([]Window(nil), split.Schedule...)
	last := map[[3]string]int{} // variant, building, unit -> top floor called so far
	for i, w := range split.Schedule {
		gs := make([]Group, len(w.Groups))
		for j, g := range w.Groups {
			k := [3]string{w.Variant, g.Building, g.Unit}
			if len(g.Floors) == 2 {
				if top, ok := last[k]; ok && top == g.Floors[0]-1 {
					g.Floors = []int{top, g.Floors[1]}
				}
				last[k] = max(last[k], g.Floors[1])
			}
			gs[j] = g
		}
		split.Schedule[i].Groups = gs
	}
	// And made whole: a floor already called leaves the later groups,
	// as the planner's whole-floor schedules have it.
	whole := loadContest(t)
	whole.Schedule = append([]Window(nil), whole.Schedule...)
	called := map[[3]string]int{}
	for i, w := range whole.Schedule {
		var gs []Group
		for _, g := range w.Groups {
			k := [3]string{w.Variant, g.Building, g.Unit}
			if len(g.Floors) == 2 {
				if top, ok := called[k]; ok && g.Floors[0] <= top {
					if g.Floors[1] <= top {
						continue
					}
					g.Floors = []int{top + 1, g.Floors[1]}
				}
				called[k] = max(called[k], g.Floors[1])
			}
			gs = append(gs, g)
		}
		whole.Schedule[i].Groups = gs
	}
	for name, p := range map[string]*Plan{"planned": planned, "split": split, "whole": whole} {
		t.Run(name, func(t *testing.T) {
			n := checkEveryFloorOnce(t, p)
			t.Logf("%d floors called in more than one window", n)
			if name == "split" && n == 0 {
				t.Errorf("no floor is called in two windows: the split case is not tested")
			}
			if name == "whole" && n != 0 {
				t.Errorf("%d floors called in more than one window of a whole-floor schedule", n)
			}
		})
	}
}

// checkEveryFloorOnce checks every building's window rows of p and
// returns how many floors p calls in more than one window.
func checkEveryFloorOnce(t *testing.T, p *Plan) int {
	split := 0
	for _, b := range p.Buildings {
		for _, v := range p.Variants {
			called := map[floorKey]map[int]bool{} // -> windows
			for _, w := range p.Schedule {
				for _, g := range w.Groups {
					if w.Variant != v || g.Building != b.ID || len(g.Floors) == 0 {
						continue
					}
					lo, hi := floorSpan(g.Floors)
					for f := lo; f <= hi; f++ {
						k := floorKey{g.Unit, f}
						if called[k] == nil {
							called[k] = map[int]bool{}
						}
						called[k][w.Index] = true
					}
				}
			}
			rows, part := windowRows(p, b, v)
			wholeIn := map[floorKey]int{}
			partIn := map[floorKey]int{}
			for _, r := range rows {
				for _, f := range r.whole {
					wholeIn[floorKey{r.unitID, f}]++
				}
				for _, fp := range r.parts {
					partIn[floorKey{r.unitID, fp.floor}]++
				}
			}
			splitHere := 0
			for k, ws := range called {
				switch {
				case len(ws) == 1 && (wholeIn[k] != 1 || partIn[k] != 0):
					t.Errorf("%s %s unit %q floor %d: in one window, listed whole in %d rows and as a part in %d, want 1 and 0", v, b.ID, k.unit, k.floor, wholeIn[k], partIn[k])
				case len(ws) > 1 && (wholeIn[k] != 0 || partIn[k] != len(ws)):
					t.Errorf("%s %s unit %q floor %d: in %d windows, listed whole in %d rows and as a part in %d, want 0 and %d", v, b.ID, k.unit, k.floor, len(ws), wholeIn[k], partIn[k], len(ws))
				}
				if len(ws) > 1 {
					splitHere++
				}
			}
			if part != (splitHere > 0) {
				t.Errorf("%s %s: windowRows part = %v with %d floors split", v, b.ID, part, splitHere)
			}
			split += splitHere
		}
	}
	return split
}

// TestSheetOfUnplannedBuilding: a building the plan neither routes nor
// visits (no walkway reaches its door) must not be told it is sampled at
// home, where nobody would come.
func TestSheetOfUnplannedBuilding(t *testing.T) {
	p := floorPlan(t)
	b := p.Buildings[0]
	b.Site = map[string]string{"dry": ""}
	path := filepath.Join(t.TempDir(), "building.pdf")
	writeFile(t, path, func(w io.Writer) error { return BuildingSheet(w, p, b.ID, PDF, testOpts) })
	text := strings.Join(strings.Fields(tool(t, "pdftotext", path, "-")), " ")
	if strings.Contains(text, "Sampled at home") || !strings.Contains(text, "Not planned yet") {
		t.Errorf("the sheet of a building with no site and no visit reads:\n%s\nwant %q and no \"Sampled at home\"", text, notPlanned)
	}
}
