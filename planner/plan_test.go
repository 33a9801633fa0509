package planner

import (
	"bytes"
	"reflect"
	"testing"

	"natq/planner/synth"
)

// TestMakeLeavesCompound plans twice from one *Compound and checks that
// the compound is still what it was before, field for field, against a
// deep copy read from the same bytes before planning; and that the two
// plans are the same. The cases set out sites (their layouts), fall back
// on open sites under canopies in the wet, probe for what would fit, and
// plan a compound whose network is not built yet.
func TestMakeLeavesCompound(t *testing.T) {
	short := contestParams()
	short.Desks = 16 // the day does not fit by noon: Make says what would
	tests := []struct {
		name  string
		p     Params
		noNet bool
	}{
		{"contest", contestParams(), false},
		{"contest-16desks", short, false},
		{"contest-no-network", contestParams(), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			read := func() *Compound {
				c := readFC(t, "contest", synth.Contest())[0]
				if tc.noNet {
					c.Net = nil
				}
				return c
			}
			before, c := read(), read()
			if !reflect.DeepEqual(before, c) {
				t.Fatal("two reads of the same compound differ: the test cannot tell a change")
			}
			var plans [][]byte
			for i := 0; i < 2; i++ {
				pl, err := Make(c, tc.p)
				if err != nil {
					t.Fatalf("Make #%d: %v", i+1, err)
				}
				plans = append(plans, planJSON(t, pl))
				if short := pl.Variants[0].Shortage; (short != "") != (tc.p.Desks == 16) {
					t.Fatalf("Make #%d: dry shortage %q: the case does not plan what it says", i+1, short)
				}
				if !reflect.DeepEqual(before, c) {
					t.Fatalf("Make #%d changed its input compound", i+1)
				}
			}
			if !bytes.Equal(plans[0], plans[1]) {
				t.Errorf("two plans of one compound differ: %s", diffPlans(plans[0], plans[1]))
			}
		})
	}
}
