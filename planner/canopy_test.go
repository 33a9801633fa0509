package planner

import (
	"testing"
)

// TestWetDayUsesCanopies plans the contest compound with 30 desks: the
// two sheltered sites hold 24, so a wet day under shelter alone leaves
// six idle and runs 5h30m. With canopies on hand the wet day must end
// within one window of residents / (K x r), use no more canopies than on
// hand, and say what they bought; with none, it keeps to shelter; under a
// fixed --end that shelter alone cannot meet, canopies come before a
// shortage.
func TestWetDayUsesCanopies(t *testing.T) {
	cs, err := contestSource(t).Compounds(Selection{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		end       string
		canopies  int
		onTime    bool // wet makespan within one window of the bound
		sheltered bool // the wet day keeps to sheltered sites
	}{
		{"auto, as many as needed", "auto", -1, true, false},
		{"auto, 20 on hand", "auto", 20, true, false},
		{"auto, none", "auto", 0, false, true},
		{"12:00, as many as needed", "12:00", -1, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := contestParams()
			p.End, p.Canopies = tt.end, tt.canopies
			pl, err := Make(cs[0], p)
			if err != nil {
				t.Fatal(err)
			}
			wet := variant(t, pl, Wet)
			r := pl.Figures(wet)
			over := r.Makespan - r.LowerMakespan
			t.Logf("wet: makespan %v, bound %v, %d desks at %d sites, %d canopies; %v", r.Makespan, r.LowerMakespan, r.Desks, r.Sites, r.Canopies, wet.Canopy)
			if tt.onTime && over > p.Window {
				t.Errorf("wet makespan %v is %v over the bound %v: more than one %v window", r.Makespan, over, r.LowerMakespan, p.Window)
			}
			if tt.canopies >= 0 && r.Canopies > tt.canopies {
				t.Errorf("wet uses %d canopies, %d on hand", r.Canopies, tt.canopies)
			}
			open := false
			for s, d := range wet.Desks {
				if d > 0 && !s.Sheltered {
					open = true
				}
			}
			if open == tt.sheltered {
				t.Errorf("wet puts desks at open sites: %v, want %v", open, !tt.sheltered)
			}
			if !tt.sheltered {
				c := wet.Canopy
				if c == nil || c.Canopies != r.Canopies || c.Canopies == 0 {
					t.Fatalf("wet Canopy = %v, want the %d canopies it uses and what they bought", c, r.Canopies)
				}
				if c.ShelteredEnd == "" || c.Saved() <= 0 {
					t.Errorf("wet Canopy = %v: shelter alone holds the day by some end, and canopies should end it earlier", c)
				}
				rep := parsePlan(t, pl).report["wet"]
				if tr, ok := rep["canopy_trade"].(map[string]any); !ok || tr["canopies"] != float64(c.Canopies) {
					t.Errorf("natq:report wet canopy_trade = %v, want %d canopies", rep["canopy_trade"], c.Canopies)
				}
				if wet.Shortage != "" {
					t.Errorf("wet Shortage = %q: canopies come before a shortage", wet.Shortage)
				}
			}
		})
	}
}
