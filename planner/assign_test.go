package planner

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"

	"natq/planner/synth"
)

// enumerate solves p by trying every assignment of buildings to sites:
// the optimum, and whether any assignment fits the desks at all.
func enumerate(p *assignProblem) (float64, []int, bool) {
	nb, ns := p.nb(), p.ns()
	site := make([]int, nb)
	best, bestSite := math.Inf(1), []int(nil)
	for {
		cost, ok := 0.0, true
		for b, s := range site {
			if math.IsInf(p.cost[b][s], 1) {
				ok = false
				break
			}
			cost += float64(p.load[b]) * p.cost[b][s]
		}
		if ok && cost < best {
			if _, _, fits := p.desksFor(p.loads(site)); fits {
				best, bestSite = cost, append([]int(nil), site...)
			}
		}
		// Next assignment, as a number in base ns.
		k := 0
		for ; k < nb; k++ {
			site[k]++
			if site[k] < ns {
				break
			}
			site[k] = 0
		}
		if k == nb {
			break
		}
	}
	return best, bestSite, bestSite != nil
}

// stepNeed is a desk-need function as the planner's: most[s][d] is the
// most people d desks sample at site s, and a load needs the fewest desks
// whose most reaches it (maxD+1 when none does).
func stepNeed(most [][]int) func(s, load int) int {
	return func(s, load int) int {
		m := most[s]
		return sort.Search(len(m), func(d int) bool { return m[d] >= load })
	}
}

// randomProblem makes a small assignment problem: up to 8 buildings, up to
// 3 sites, some unreachable pairs, sites whose line caps what any number
// of desks can take.
func randomProblem(rng *rand.Rand) *assignProblem {
	nb, ns := 1+rng.Intn(8), 1+rng.Intn(3)
	p := &assignProblem{desks: 1 + rng.Intn(12), budget: 200000}
	most := make([][]int, ns)
	for s := 0; s < ns; s++ {
		maxD := 1 + rng.Intn(6)
		p.maxD = append(p.maxD, maxD)
		perDesk, line := 50+rng.Intn(350), 100+rng.Intn(2000)
		most[s] = make([]int, maxD+1)
		for d := 1; d <= maxD; d++ {
			most[s][d] = min(d*perDesk, line)
		}
	}
	p.need = stepNeed(most)
	for b := 0; b < nb; b++ {
		p.load = append(p.load, 1+rng.Intn(400))
		row := make([]float64, ns)
		for s := range row {
			row[s] = 20 + 480*rng.Float64()
			if rng.Intn(10) == 0 {
				row[s] = math.Inf(1)
			}
		}
		p.cost = append(p.cost, row)
	}
	return p
}

// checkOptimal checks solve's answer to p against every assignment.
func checkOptimal(t *testing.T, name string, p *assignProblem, a assignment) (exact, feasible bool) {
	t.Helper()
	opt, optSite, ok := enumerate(p)
	if !ok {
		if a.feasible {
			t.Errorf("%s: solve() = feasible assignment %v (cost %.1f), but no assignment fits the desks", name, a.site, a.cost)
		}
		return a.exact, false
	}
	if !a.feasible {
		t.Errorf("%s: solve() found nothing feasible; the optimum is %.3f at %v", name, opt, optSite)
		return a.exact, true
	}
	// The answer is what it says it is.
	if c := p.costOf(a.site); math.Abs(c-a.cost) > 1e-6*math.Max(1, c) {
		t.Errorf("%s: solve() cost %.6f, but its sites %v cost %.6f", name, a.cost, a.site, c)
	}
	d, total, fits := p.desksFor(p.loads(a.site))
	if !fits || total > p.desks {
		t.Errorf("%s: solve() sites %v need desks %v (%d in all, %d on hand): they do not fit", name, a.site, d, total, p.desks)
	}
	for s := range a.desks {
		if a.desks[s] < d[s] {
			t.Errorf("%s: solve() gives site %d %d desks, its load needs %d", name, s, a.desks[s], d[s])
		}
	}
	if math.Abs(a.cost-opt) > 1e-6*math.Max(1, opt) {
		t.Errorf("%s: solve() cost %.3f (sites %v, exact %v), optimum %.3f (sites %v)", name, a.cost, a.site, a.exact, opt, optSite)
	}
	if a.lower > opt+1e-6*math.Max(1, opt) {
		t.Errorf("%s: lower bound %.3f above the optimum %.3f", name, a.lower, opt)
	}
	if a.exact && math.Abs(a.lower-a.cost) > 1e-9*math.Max(1, a.cost) {
		t.Errorf("%s: exact, yet lower bound %.3f != cost %.3f", name, a.lower, a.cost)
	}
	// The transportation relaxation alone is a lower bound too.
	if lb, _, _ := p.relaxation(); lb > opt+1e-6*math.Max(1, opt) {
		t.Errorf("%s: relaxation %.3f above the optimum %.3f", name, lb, opt)
	}
	return a.exact, true
}

// TestSolveOptimalSmall checks solve() on 1500 random problems small
// enough to enumerate.
func TestSolveOptimalSmall(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	var exact, feasible int
	const n = 1500
	for i := 0; i < n; i++ {
		p := randomProblem(rng)
		name := fmt.Sprintf("problem %d (%d buildings, %d sites, %d desks, max %v, loads %v)", i, p.nb(), p.ns(), p.desks, p.maxD, p.load)
		a := p.solve()
		e, f := checkOptimal(t, name, p, a)
		if e {
			exact++
		}
		if f {
			feasible++
		}
	}
	t.Logf("%d problems: %d feasible, %d solved by branch and bound", n, feasible, exact)
	if feasible < n/3 {
		t.Errorf("only %d of %d random problems are feasible: the test says little", feasible, n)
	}
}

// TestSolveWithoutExactSearch runs the heuristic alone (no branch and
// bound) on enumerable problems: it must stay feasible and keep its lower
// bound below the optimum; its cost is logged against the optimum.
func TestSolveWithoutExactSearch(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	worst, sum, k := 0.0, 0.0, 0
	for i := 0; i < 800; i++ {
		p := randomProblem(rng)
		p.budget = 0 // branch and bound gives up at once
		a := p.solve()
		opt, _, ok := enumerate(p)
		if !ok || !a.feasible {
			continue
		}
		if a.exact {
			t.Errorf("problem %d: exact with no search budget", i)
		}
		if a.lower > opt+1e-6*opt {
			t.Errorf("problem %d: heuristic lower bound %.3f above the optimum %.3f", i, a.lower, opt)
		}
		if a.cost < opt-1e-6*opt {
			t.Errorf("problem %d: heuristic cost %.3f below the optimum %.3f", i, a.cost, opt)
		}
		gap := a.cost/opt - 1
		worst, sum, k = math.Max(worst, gap), sum+gap, k+1
	}
	t.Logf("heuristic alone on %d feasible problems: mean gap %.3f%%, worst %.3f%%", k, 100*sum/float64(k), 100*worst)
}

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
			if prob == nil || prob.nb() == 0 {
				continue
			}
			if prob.nb() > 8 || prob.ns() > 3 {
				t.Fatalf("random %d: %d buildings, %d sites: too big to enumerate", seed, prob.nb(), prob.ns())
			}
			name := fmt.Sprintf("random %d %s (%d buildings, %d sites, %d desks)", seed, vp.Variant, prob.nb(), prob.ns(), p.Desks)
			opt, _, ok := enumerate(prob)
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
			fresh.relaxed = nil
			checkOptimal(t, name, &fresh, fresh.solve())
		}
	}
	if checked < 30 {
		t.Errorf("only %d variants checked", checked)
	}
	t.Logf("%d planned variants proved optimal", checked)
}
