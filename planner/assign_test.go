package planner

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"natq/planner/assign/assigntest"
	"natq/planner/synth"
)

// TestPlanAssignmentOptimal plans small random compounds (2 to 8
// buildings, 1 to 3 sites) and checks the plan's assignment, as its last
// assignment problem holds it, against every assignment.
func TestPlanAssignmentOptimal(t *testing.T) {
	checked := 0
	for seed := int64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewSource(seed))
		opts := synth.RandomOptions{Buildings: 2 + rng.Intn(7), Sites: 1 + rng.Intn(3)}
		p := contestParams()
		p.Desks = 2 + rng.Intn(5)
		if seed%2 == 0 {
			p.End = "auto"
		}
		c := readFC(t, fmt.Sprint("random", seed), synth.Random(seed, opts))[0]
		pl, err := Make(c, p)
		if err != nil {
			t.Logf("random %d: %v", seed, err)
			continue
		}
		for _, vp := range pl.Variants {
			prob := vp.problem
			if prob == nil || len(prob.Load) == 0 {
				continue
			}
			if len(prob.Load) > 8 || len(prob.MaxDesks) > 3 {
				t.Fatalf("random %d: %d buildings, %d sites: too big to enumerate", seed, len(prob.Load), len(prob.MaxDesks))
			}
			name := fmt.Sprintf("random %d %s (%d buildings, %d sites, %d desks)", seed, vp.Variant, len(prob.Load), len(prob.MaxDesks), p.Desks)
			opt, _, ok := assigntest.Enumerate(prob)
			if !ok {
				t.Errorf("%s: planned, but no assignment of its final problem fits", name)
				continue
			}
			checked++
			if math.Abs(vp.Objective-opt) > 1e-6*math.Max(1, opt) {
				t.Errorf("%s: objective %.3f, optimum %.3f", name, vp.Objective, opt)
			}
			if vp.LowerBound > opt+1e-6*math.Max(1, opt) {
				t.Errorf("%s: lower bound %.3f above the optimum %.3f", name, vp.LowerBound, opt)
			}
			if vp.Exact && vp.LowerBound != vp.Objective {
				t.Errorf("%s: exact, yet lower bound %.3f != objective %.3f", name, vp.LowerBound, vp.Objective)
			}
			// The plan's objective is its buildings' walking.
			sum := 0.0
			for b, s := range vp.Site {
				l, _ := buildingLength(b, vp.trees[s])
				sum += float64(vp.load[b]) * l
			}
			if math.Abs(sum-vp.Objective) > 1e-6*math.Max(1, sum) {
				t.Errorf("%s: objective %.3f, but its buildings walk %.3f person-metres", name, vp.Objective, sum)
			}
			fresh := *prob
			fresh.Relaxed = nil
			assigntest.CheckOptimal(t, name, &fresh, fresh.Solve())
		}
	}
	if checked < 30 {
		t.Errorf("only %d variants checked", checked)
	}
	t.Logf("%d planned variants proved optimal", checked)
}
