package planner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"natq/planner/synth"

	"natq/planner/planfile"
)

type unitFloor struct {
	building, unit string
	floor          int
}

// floorWindows maps every unit-floor a variant calls to the windows that
// call it, and checks no window is over its capacity.
func floorWindows(t *testing.T, vp *VariantPlan) (map[unitFloor][]*Window, map[unitFloor][]Group) {
	t.Helper()
	wins := map[unitFloor][]*Window{}
	groups := map[unitFloor][]Group{}
	for _, w := range vp.Windows {
		if w.People() > w.Capacity {
			t.Errorf("%s: window %s at %s calls %d, capacity %d", vp.Variant, w.Start.Format("15:04"), w.Site.ID, w.People(), w.Capacity)
		}
		for _, g := range w.Groups {
			if g.Building == "students" {
				continue
			}
			for f := g.FromFl; f <= g.ToFl; f++ {
				k := unitFloor{g.Building, g.Unit, f}
				wins[k] = append(wins[k], w)
				groups[k] = append(groups[k], g)
			}
		}
	}
	return wins, groups
}

// TestNoFloorInTwoWindows plans random compounds with random desks and
// window lengths and checks the rule a resident relies on: a unit's floor
// is called to one window, never two, unless it is too big for one
// window; then every part of it lists its rooms, the parts' rooms do not
// overlap, and it is the only group of its floor not whole.
func TestNoFloorInTwoWindows(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	split, checked := 0, 0
	for seed := int64(1); seed <= 40; seed++ {
		p := contestParams()
		p.Desks = 1 + rng.Intn(8)
		p.Window = []time.Duration{10 * time.Minute, 15 * time.Minute, 30 * time.Minute}[rng.Intn(3)]
		p.End = "auto"
		c := readFC(t, fmt.Sprint("random", seed), synth.Random(seed, synth.RandomOptions{}))[0]
		pl, err := Make(c, p)
		if err != nil {
			continue
		}
		for _, vp := range pl.Variants {
			checked++
			wins, groups := floorWindows(t, vp)
			for k, ws := range wins {
				gs := groups[k]
				if len(ws) == 1 {
					if gs[0].Rooms != [2]int{} {
						t.Errorf("random %d %s: %v is called whole to one window but lists rooms %v", seed, vp.Variant, k, gs[0].Rooms)
					}
					continue
				}
				split++
				people := 0
				for i, g := range gs {
					people += g.People
					if g.Rooms == [2]int{} || g.FromFl != g.ToFl {
						t.Errorf("random %d %s: %v is in %d windows, and its part in window %s is not listed by room (%+v)", seed, vp.Variant, k, len(ws), ws[i].Start.Format("15:04"), g)
					}
					for j := 0; j < i; j++ {
						if g.Rooms[0] <= gs[j].Rooms[1] && gs[j].Rooms[0] <= g.Rooms[1] {
							t.Errorf("random %d %s: %v: rooms %v and %v called to two windows", seed, vp.Variant, k, g.Rooms, gs[j].Rooms)
						}
					}
				}
				if people <= ws[0].Capacity {
					t.Errorf("random %d %s: %v (%d people) split over %d windows, though one window holds %d", seed, vp.Variant, k, people, len(ws), ws[0].Capacity)
				}
			}
		}
	}
	t.Logf("%d variants checked, %d oversized floors split by rooms", checked, split)
	if checked < 40 {
		t.Errorf("only %d variants planned", checked)
	}
}

// TestOversizedFloorByRooms plans a one-storey hall of 90 households with
// one desk: its one floor is too big for any window, so it is the
// exception, called in parts that list their rooms, every room once.
func TestOversizedFloorByRooms(t *testing.T) {
	d := drawAt(testOrigin)
	d.way("w1", nil, orb.Point{0, 0}, orb.Point{100, 0})
	d.site("s1", true, square(-40, -30, 0, 0)...)
	d.add("b1", orb.Polygon{d.ring(square(40, 5, 60, 25))}, map[string]any{"building": "residential", "natq:residents": 180, "natq:households": 90, "building:levels": 1, "natq:units": 1})
	d.entrance("e1", orb.Point{50, 5})
	p := testParams()
	p.Desks, p.End, p.Students = 1, "auto", "none"
	pl, err := Make(d.compound(t), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, vp := range pl.Variants {
		_, groups := floorWindows(t, vp)
		gs := groups[unitFloor{"b1", "1", 1}]
		if len(gs) < 2 {
			t.Fatalf("%s: floor 1 in %d windows, want it split (180 people, windows of %d)", vp.Variant, len(gs), vp.Windows[0].Capacity)
		}
		next, people := 101, 0
		for _, g := range gs {
			if g.Rooms[0] != next {
				t.Errorf("%s: a part lists rooms %v, want them to go on from %d", vp.Variant, g.Rooms, next)
			}
			next = g.Rooms[1] + 1
			people += g.People
		}
		if next != 191 || people != 180 {
			t.Errorf("%s: parts list rooms up to %d and %d people, want 190 and 180", vp.Variant, next-1, people)
		}
	}
	// The plan file lists the rooms of each part, and reads them back.
	data, err := json.Marshal(pl.FeatureCollection())
	if err != nil {
		t.Fatal(err)
	}
	f, err := planfile.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for _, w := range f.Schedule {
		for _, g := range w.Groups {
			if r := g.Rooms; len(r) == 2 && r[0] >= 101 {
				listed++
			}
		}
	}
	if listed < 4 {
		t.Errorf("natq:schedule lists rooms in %d groups, want every part of the floor in both variants", listed)
	}
}

// TestWholeFloorsKeepTheDay plans the Beijing file as one area with 240
// desks, a day that fluid splitting fills to its last window: whole floors
// per window must still end it by --end (12:00), leaving room at the
// sites they would run late rather than a later end for all.
func TestWholeFloorsKeepTheDay(t *testing.T) {
	data, err := os.ReadFile(beijingFile)
	if err != nil {
		t.Fatal(err)
	}
	src, err := Read(filepath.Base(beijingFile), data)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := src.Compounds(Selection{WholeFile: true, WholeID: "beijing"})
	if err != nil {
		t.Fatal(err)
	}
	p := contestParams()
	p.Desks = 240
	pl, err := Make(cs[0], p)
	if err != nil {
		t.Fatal(err)
	}
	for _, vp := range pl.Variants {
		r := pl.Figures(vp)
		t.Logf("%s: makespan %v (bound %v), shortage %q", vp.Variant, r.Makespan, r.LowerMakespan, vp.Shortage)
		if vp.Shortage != "" || r.Makespan > 5*time.Hour {
			t.Errorf("%s: makespan %v, shortage %q; want the day done by 12:00, as fluid splitting had it", vp.Variant, r.Makespan, vp.Shortage)
		}
		wins, groups := floorWindows(t, vp)
		for k, ws := range wins {
			if len(ws) > 1 && groups[k][0].Rooms == [2]int{} {
				t.Errorf("%s: %v in %d windows, not listed by room", vp.Variant, k, len(ws))
			}
		}
	}
}
