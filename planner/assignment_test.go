package planner

import (
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"testing"
	"time"

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

// TestAssignmentAgainstCBC writes the final assignment problem of each
// case, dry and wet, as a MIP, solves it exactly with cbc, and checks
// natq's objective is within 1% of the optimum and its lower bound below
// it. The cbc solution is checked against the problem too, so that a
// wrong model cannot pass for a right answer. The cases: the contest
// compound as the bench plans it, and with 16 desks (the day then runs to
// mid-afternoon and the desks bind); the Beijing compounds as golden
// plans them; four random compounds with 8 desks and --end auto (the
// ones on which moves and swaps alone stalled 2.4-4.7% above the optimum).
func TestAssignmentAgainstCBC(t *testing.T) {
	type mipCase struct {
		name string
		c    *Compound
		p    Params
	}
	var cases []mipCase
	for _, k := range []int{30, 16} {
		cs, err := contestSource(t).Compounds(Selection{})
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, mipCase{fmt.Sprintf("contest-%ddesks", k), cs[0], withDesks(contestParams(), k)})
	}
	for _, g := range realGoldenCases(t) {
		cases = append(cases, mipCase{g.name, g.c, g.p})
	}
	for _, seed := range []int64{4, 6, 13, 37} {
		p := contestParams()
		p.Desks, p.End = 8, "auto"
		c := readFC(t, fmt.Sprint("random", seed), synth.Random(seed, synth.RandomOptions{}))[0]
		cases = append(cases, mipCase{fmt.Sprint("random", seed), c, p})
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pl, err := Make(tc.c, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			for _, vp := range pl.Variants {
				t.Run(string(vp.Variant), func(t *testing.T) {
					checkAgainstCBC(t, pl, vp, filepath.Join(dir, tc.name+"-"+string(vp.Variant)+".lp"))
				})
			}
		})
	}
}

func checkAgainstCBC(t *testing.T, pl *Plan, vp *VariantPlan, lp string) {
	t.Helper()
	p := vp.problem
	if p == nil || len(p.Load) == 0 {
		t.Fatalf("%s: the plan kept no assignment problem", vp.Variant)
	}
	if err := assigntest.WriteLP(lp, p); err != nil {
		t.Fatal(err)
	}
	r := assigntest.SolveCBC(t, lp, len(p.Load), 120*time.Second)
	// cbc's solution must be an assignment of this problem, costing
	// what cbc says.
	for b, s := range r.Site {
		if s < 0 {
			t.Fatalf("cbc left building %d unassigned", b)
		}
	}
	if _, total, ok := p.Fits(r.Site); !ok {
		t.Errorf("cbc's solution needs %d desks or a site over its max: the LP model is wrong", total)
	}
	if c := p.CostOf(r.Site); math.Abs(c-r.Objective) > 1e-6*c+1 {
		t.Errorf("cbc objective %.3f, its solution costs %.3f: the LP model is wrong", r.Objective, c)
	}
	gap := (vp.Objective - r.Objective) / r.Objective
	t.Logf("%s: %d buildings, %d sites, %d desks; natq %.1f (lower bound %.1f, exact %v), cbc %.1f (%s, bound %.1f, %v): gap %.4f%%",
		vp.Variant, len(p.Load), len(p.MaxDesks), p.Desks, vp.Objective, vp.LowerBound, vp.Exact, r.Objective,
		map[bool]string{true: "optimal", false: "not proven"}[r.Optimal], r.Bound, r.Elapsed.Round(time.Millisecond), 100*gap)
	if !r.Optimal {
		t.Logf("cbc stopped at its time limit before proving the optimum")
	}
	if vp.Objective > 1.01*r.Bound {
		t.Errorf("natq objective %.1f is more than 1%% above the optimum's bound %.1f (%.3f%%)", vp.Objective, r.Bound, 100*(vp.Objective/r.Bound-1))
	}
	if vp.Objective < r.Objective-1e-6*r.Objective && r.Optimal {
		t.Errorf("natq objective %.1f below cbc's proven optimum %.1f: natq's assignment cannot be feasible", vp.Objective, r.Objective)
	}
	if vp.LowerBound > r.Objective+1e-6*r.Objective {
		t.Errorf("natq lower bound %.1f above cbc's objective %.1f: it is no lower bound", vp.LowerBound, r.Objective)
	}
	rep := parsePlan(t, pl).report[string(vp.Variant)]
	if got := rep["objective_m"]; got != math.Round(vp.Objective) {
		t.Errorf("natq:report objective_m = %v, want %.0f", got, math.Round(vp.Objective))
	}
	if got := rep["lower_bound_m"]; got != math.Round(vp.LowerBound) {
		t.Errorf("natq:report lower_bound_m = %v, want %.0f", got, math.Round(vp.LowerBound))
	}
}
