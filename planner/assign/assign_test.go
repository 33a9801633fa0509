package assign_test

import (
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"testing"
	"time"

	"natq/planner/assign"
	"natq/planner/assign/assigntest"
)

// randomProblem makes a small assignment problem: up to 8 buildings, up to
// 3 sites, some unreachable pairs, sites whose line caps what any number
// of desks can take.
func randomProblem(rng *rand.Rand) *assign.Problem {
	nb, ns := 1+rng.Intn(8), 1+rng.Intn(3)
	p := &assign.Problem{Desks: 1 + rng.Intn(12), Budget: 200000}
	most := make([][]int, ns)
	for s := 0; s < ns; s++ {
		maxD := 1 + rng.Intn(6)
		p.MaxDesks = append(p.MaxDesks, maxD)
		perDesk, line := 50+rng.Intn(350), 100+rng.Intn(2000)
		most[s] = make([]int, maxD+1)
		for d := 1; d <= maxD; d++ {
			most[s][d] = min(d*perDesk, line)
		}
	}
	p.Need = assigntest.StepNeed(most)
	for b := 0; b < nb; b++ {
		p.Load = append(p.Load, 1+rng.Intn(400))
		row := make([]float64, ns)
		for s := range row {
			row[s] = 20 + 480*rng.Float64()
			if rng.Intn(10) == 0 {
				row[s] = math.Inf(1)
			}
		}
		p.Cost = append(p.Cost, row)
	}
	return p
}

// TestSolveOptimalSmall checks solve() on 1500 random problems small
// enough to enumerate.
func TestSolveOptimalSmall(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	var exact, feasible int
	const n = 1500
	for i := 0; i < n; i++ {
		p := randomProblem(rng)
		name := fmt.Sprintf("problem %d (%d buildings, %d sites, %d desks, max %v, loads %v)", i, len(p.Load), len(p.MaxDesks), p.Desks, p.MaxDesks, p.Load)
		a := p.Solve()
		e, f := assigntest.CheckOptimal(t, name, p, a)
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

// TestSolveOptimalCanopies checks solve() on random problems whose sites
// are in part open (on a wet day each of their desks needs a canopy) with
// few canopies on hand: the optimum of every assignment that keeps within
// them, and never an answer that needs more.
func TestSolveOptimalCanopies(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	var feasible, bound int
	const n = 600
	for i := 0; i < n; i++ {
		p := randomProblem(rng)
		p.Covered = make([]bool, len(p.MaxDesks))
		for s := range p.Covered {
			p.Covered[s] = rng.Intn(2) == 0
		}
		p.Canopies = rng.Intn(6)
		name := fmt.Sprintf("problem %d (%d buildings, covered %v, %d canopies, max %v, loads %v)", i, len(p.Load), p.Covered, p.Canopies, p.MaxDesks, p.Load)
		a := p.Solve()
		if _, f := assigntest.CheckOptimal(t, name, p, a); f {
			feasible++
		}
		if a.Feasible {
			under := 0
			for s, d := range a.Desks {
				if p.Covered[s] {
					under += d
				}
			}
			if under > p.Canopies {
				t.Errorf("%s: %d desks under canopies, %d on hand", name, under, p.Canopies)
			}
			if under == p.Canopies && under > 0 {
				bound++
			}
		}
	}
	t.Logf("%d problems: %d feasible, %d with every canopy used", n, feasible, bound)
	if feasible < n/4 || bound < n/20 {
		t.Errorf("%d feasible, %d using every canopy, of %d: the test says little", feasible, bound, n)
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
		p.Budget = 0 // branch and bound gives up at once
		a := p.Solve()
		opt, _, ok := assigntest.Enumerate(p)
		if !ok || !a.Feasible {
			continue
		}
		if a.Exact {
			t.Errorf("problem %d: exact with no search budget", i)
		}
		if a.Lower > opt+1e-6*opt {
			t.Errorf("problem %d: heuristic lower bound %.3f above the optimum %.3f", i, a.Lower, opt)
		}
		if a.Cost < opt-1e-6*opt {
			t.Errorf("problem %d: heuristic cost %.3f below the optimum %.3f", i, a.Cost, opt)
		}
		gap := a.Cost/opt - 1
		worst, sum, k = math.Max(worst, gap), sum+gap, k+1
	}
	t.Logf("heuristic alone on %d feasible problems: mean gap %.3f%%, worst %.3f%%", k, 100*sum/float64(k), 100*worst)
}

// TestTightProblemsAgainstCBC solves random assignment problems too big
// for natq's branch and bound (26 to 40 buildings, 3 to 6 sites) with the
// desks just enough, where local search alone stalls, and checks each
// against cbc's optimum.
func TestTightProblemsAgainstCBC(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	dir := t.TempDir()
	worst, solved := 0.0, 0
	for i := 0; i < 16; i++ {
		nb, ns := 26+rng.Intn(15), 3+rng.Intn(4)
		p := &assign.Problem{Budget: 200000}
		most := make([][]int, ns)
		people := 0
		for b := 0; b < nb; b++ {
			p.Load = append(p.Load, 40+rng.Intn(460))
			people += p.Load[b]
		}
		perDesk := 600 + rng.Intn(400)
		for s := 0; s < ns; s++ {
			p.MaxDesks = append(p.MaxDesks, 2+rng.Intn(6))
			most[s] = make([]int, p.MaxDesks[s]+1)
			for d := 1; d <= p.MaxDesks[s]; d++ {
				most[s][d] = d * perDesk
			}
		}
		p.Need = assigntest.StepNeed(most)
		p.Desks = (people+perDesk-1)/perDesk + rng.Intn(2)
		// Sites on a line, buildings scattered along it: walking grows
		// with distance, so the nearest site is contested.
		sx := make([]float64, ns)
		for s := range sx {
			sx[s] = 600 * rng.Float64()
		}
		for b := 0; b < nb; b++ {
			x := 600 * rng.Float64()
			row := make([]float64, ns)
			for s := range row {
				row[s] = 30 + math.Abs(x-sx[s]) + 40*rng.Float64()
			}
			p.Cost = append(p.Cost, row)
		}
		start := time.Now()
		a := p.Solve()
		took := time.Since(start)
		if !a.Feasible {
			continue
		}
		lp := filepath.Join(dir, fmt.Sprintf("tight%d.lp", i))
		if err := assigntest.WriteLP(lp, p); err != nil {
			t.Fatal(err)
		}
		r := assigntest.SolveCBC(t, lp, len(p.Load), 120*time.Second)
		solved++
		gap := (a.Cost - r.Objective) / r.Objective
		worst = math.Max(worst, gap)
		t.Logf("problem %d: %d buildings, %d sites, %d desks: natq %.1f (bound %.1f, %v), cbc %.1f (%v, %v): gap %.4f%%",
			i, nb, ns, p.Desks, a.Cost, a.Lower, took.Round(time.Millisecond), r.Objective, r.Optimal, r.Elapsed.Round(time.Millisecond), 100*gap)
		if a.Cost > 1.01*r.Bound {
			t.Errorf("problem %d: natq %.1f more than 1%% above cbc's bound %.1f", i, a.Cost, r.Bound)
		}
		if a.Lower > r.Objective+1e-6*r.Objective {
			t.Errorf("problem %d: natq lower bound %.1f above cbc's objective %.1f", i, a.Lower, r.Objective)
		}
		if a.Cost < r.Objective-1e-6*r.Objective && r.Optimal {
			t.Errorf("problem %d: natq %.1f below cbc's proven optimum %.1f", i, a.Cost, r.Objective)
		}
	}
	if solved < 8 {
		t.Errorf("only %d of 16 problems feasible", solved)
	}
	t.Logf("%d problems, worst gap %.4f%%", solved, 100*worst)
}
