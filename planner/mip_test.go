package planner

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"natq/planner/synth"
)

// mostPeople is, for each site and each desk count d in 0..maxD, the most
// people d desks can sample there in the day: the thresholds of the step
// function need.
func mostPeople(p *assignProblem) [][]int {
	most := make([][]int, p.ns())
	for s := range most {
		most[s] = make([]int, p.maxD[s]+1)
		for d := 1; d <= p.maxD[s]; d++ {
			most[s][d] = p.most(s, d)
		}
	}
	return most
}

// writeLP writes p as a mixed-integer program in CPLEX LP format: x_b_s = 1
// when building b goes to site s (only where it can walk there), y_s_d = 1
// when site s has d desks, d_s its desks; each building at one site, one
// desk count per site, at most K desks in all, and each site's people
// within what its desks can sample.
func writeLP(path string, p *assignProblem) error {
	most := mostPeople(p)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
	fmt.Fprintln(w, "\\ natq assignment problem: minimise resident-weighted walking")
	fmt.Fprintln(w, "Minimize")
	fmt.Fprintln(w, " walk:")
	for b := range p.load {
		for s := range p.maxD {
			if !math.IsInf(p.cost[b][s], 1) {
				fmt.Fprintf(w, "  + %s x_%d_%d\n", num(float64(p.load[b])*p.cost[b][s]), b, s)
			}
		}
	}
	fmt.Fprintln(w, "Subject To")
	for b := range p.load {
		fmt.Fprintf(w, " one_%d:\n", b)
		for s := range p.maxD {
			if !math.IsInf(p.cost[b][s], 1) {
				fmt.Fprintf(w, "  + x_%d_%d\n", b, s)
			}
		}
		fmt.Fprintln(w, "  = 1")
	}
	for s := range p.maxD {
		fmt.Fprintf(w, " pick_%d:\n", s)
		for d := 0; d <= p.maxD[s]; d++ {
			fmt.Fprintf(w, "  + y_%d_%d\n", s, d)
		}
		fmt.Fprintln(w, "  = 1")
		fmt.Fprintf(w, " desks_%d:\n  + d_%d\n", s, s)
		for d := 1; d <= p.maxD[s]; d++ {
			fmt.Fprintf(w, "  - %d y_%d_%d\n", d, s, d)
		}
		fmt.Fprintln(w, "  = 0")
		fmt.Fprintf(w, " cap_%d:\n", s)
		for b := range p.load {
			if !math.IsInf(p.cost[b][s], 1) {
				fmt.Fprintf(w, "  + %d x_%d_%d\n", p.load[b], b, s)
			}
		}
		for d := 1; d <= p.maxD[s]; d++ {
			fmt.Fprintf(w, "  - %d y_%d_%d\n", most[s][d], s, d)
		}
		fmt.Fprintln(w, "  <= 0")
	}
	fmt.Fprintln(w, " budget:")
	for s := range p.maxD {
		fmt.Fprintf(w, "  + d_%d\n", s)
	}
	fmt.Fprintf(w, "  <= %d\n", p.desks)
	fmt.Fprintln(w, "Bounds")
	for s := range p.maxD {
		fmt.Fprintf(w, " 0 <= d_%d <= %d\n", s, p.maxD[s])
	}
	fmt.Fprintln(w, "General")
	for s := range p.maxD {
		fmt.Fprintf(w, " d_%d\n", s)
	}
	fmt.Fprintln(w, "Binary")
	for b := range p.load {
		for s := range p.maxD {
			if !math.IsInf(p.cost[b][s], 1) {
				fmt.Fprintf(w, " x_%d_%d\n", b, s)
			}
		}
	}
	for s := range p.maxD {
		for d := 0; d <= p.maxD[s]; d++ {
			fmt.Fprintf(w, " y_%d_%d\n", s, d)
		}
	}
	fmt.Fprintln(w, "End")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// cbcResult is what cbc found: its best objective, whether it proved it
// optimal, its best bound, and each building's site in its solution.
type cbcResult struct {
	objective, bound float64
	optimal          bool
	site             []int
	elapsed          time.Duration
}

var (
	cbcStatus = regexp.MustCompile(`^(\S.*?) - objective value (\S+)`)
	cbcX      = regexp.MustCompile(`^\s*\d+\s+x_(\d+)_(\d+)\s+(\S+)`)
	cbcBound  = regexp.MustCompile(`(?m)^Lower bound:\s+(\S+)`)
)

// solveCBC solves the LP file with Debian's cbc (package coinor-cbc), to
// a zero gap within limit.
func solveCBC(t *testing.T, lp string, nb int, limit time.Duration) cbcResult {
	t.Helper()
	bin, err := exec.LookPath("cbc")
	if err != nil {
		t.Fatalf("cbc not found (apt-get install coinor-cbc): the outside MIP check cannot run: %v", err)
	}
	sol := strings.TrimSuffix(lp, ".lp") + ".sol"
	ctx, cancel := context.WithTimeout(context.Background(), limit+60*time.Second)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, bin, lp, "sec", fmt.Sprint(int(limit.Seconds())), "ratioGap", "0", "allowableGap", "0", "threads", "1", "solve", "solution", sol)
	out, err := cmd.CombinedOutput()
	r := cbcResult{elapsed: time.Since(start), site: make([]int, nb)}
	if err != nil {
		t.Fatalf("cbc %s: %v\n%s", lp, err, out)
	}
	data, err := os.ReadFile(sol)
	if err != nil {
		t.Fatalf("cbc wrote no solution: %v\n%s", err, out)
	}
	lines := strings.Split(string(data), "\n")
	m := cbcStatus.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("cbc solution %s starts %q, want a status and objective\n%s", sol, lines[0], out)
	}
	r.optimal = m[1] == "Optimal"
	r.objective, err = strconv.ParseFloat(m[2], 64)
	if err != nil {
		t.Fatalf("cbc objective %q: %v", m[2], err)
	}
	r.bound = r.objective
	if !r.optimal {
		if b := cbcBound.FindSubmatch(out); b != nil {
			r.bound, _ = strconv.ParseFloat(string(b[1]), 64)
		} else {
			r.bound = math.Inf(-1)
		}
	}
	for i := range r.site {
		r.site[i] = -1
	}
	for _, l := range lines[1:] {
		if m := cbcX.FindStringSubmatch(l); m != nil {
			v, _ := strconv.ParseFloat(m[3], 64)
			if v > 0.5 {
				b, _ := strconv.Atoi(m[1])
				s, _ := strconv.Atoi(m[2])
				r.site[b] = s
			}
		}
	}
	return r
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
	if p == nil || p.nb() == 0 {
		t.Fatalf("%s: the plan kept no assignment problem", vp.Variant)
	}
	if err := writeLP(lp, p); err != nil {
		t.Fatal(err)
	}
	r := solveCBC(t, lp, p.nb(), 120*time.Second)
	// cbc's solution must be an assignment of this problem, costing
	// what cbc says.
	for b, s := range r.site {
		if s < 0 {
			t.Fatalf("cbc left building %d unassigned", b)
		}
	}
	if _, total, ok := p.desksFor(p.loads(r.site)); !ok {
		t.Errorf("cbc's solution needs %d desks or a site over its max: the LP model is wrong", total)
	}
	if c := p.costOf(r.site); math.Abs(c-r.objective) > 1e-6*c+1 {
		t.Errorf("cbc objective %.3f, its solution costs %.3f: the LP model is wrong", r.objective, c)
	}
	gap := (vp.Objective - r.objective) / r.objective
	t.Logf("%s: %d buildings, %d sites, %d desks; natq %.1f (lower bound %.1f, exact %v), cbc %.1f (%s, bound %.1f, %v): gap %.4f%%",
		vp.Variant, p.nb(), p.ns(), p.desks, vp.Objective, vp.LowerBound, vp.Exact, r.objective,
		map[bool]string{true: "optimal", false: "not proven"}[r.optimal], r.bound, r.elapsed.Round(time.Millisecond), 100*gap)
	if !r.optimal {
		t.Logf("cbc stopped at its time limit before proving the optimum")
	}
	if vp.Objective > 1.01*r.bound {
		t.Errorf("natq objective %.1f is more than 1%% above the optimum's bound %.1f (%.3f%%)", vp.Objective, r.bound, 100*(vp.Objective/r.bound-1))
	}
	if vp.Objective < r.objective-1e-6*r.objective && r.optimal {
		t.Errorf("natq objective %.1f below cbc's proven optimum %.1f: natq's assignment cannot be feasible", vp.Objective, r.objective)
	}
	if vp.LowerBound > r.objective+1e-6*r.objective {
		t.Errorf("natq lower bound %.1f above cbc's objective %.1f: it is no lower bound", vp.LowerBound, r.objective)
	}
	rep := parsePlan(t, pl).report[string(vp.Variant)]
	if got := rep["objective_m"]; got != math.Round(vp.Objective) {
		t.Errorf("natq:report objective_m = %v, want %.0f", got, math.Round(vp.Objective))
	}
	if got := rep["lower_bound_m"]; got != math.Round(vp.LowerBound) {
		t.Errorf("natq:report lower_bound_m = %v, want %.0f", got, math.Round(vp.LowerBound))
	}
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
		p := &assignProblem{budget: 200000}
		most := make([][]int, ns)
		people := 0
		for b := 0; b < nb; b++ {
			p.load = append(p.load, 40+rng.Intn(460))
			people += p.load[b]
		}
		perDesk := 600 + rng.Intn(400)
		for s := 0; s < ns; s++ {
			p.maxD = append(p.maxD, 2+rng.Intn(6))
			most[s] = make([]int, p.maxD[s]+1)
			for d := 1; d <= p.maxD[s]; d++ {
				most[s][d] = d * perDesk
			}
		}
		p.need = stepNeed(most)
		p.desks = (people+perDesk-1)/perDesk + rng.Intn(2)
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
			p.cost = append(p.cost, row)
		}
		start := time.Now()
		a := p.solve()
		took := time.Since(start)
		if !a.feasible {
			continue
		}
		lp := filepath.Join(dir, fmt.Sprintf("tight%d.lp", i))
		if err := writeLP(lp, p); err != nil {
			t.Fatal(err)
		}
		r := solveCBC(t, lp, p.nb(), 120*time.Second)
		solved++
		gap := (a.cost - r.objective) / r.objective
		worst = math.Max(worst, gap)
		t.Logf("problem %d: %d buildings, %d sites, %d desks: natq %.1f (bound %.1f, %v), cbc %.1f (%v, %v): gap %.4f%%",
			i, nb, ns, p.desks, a.cost, a.lower, took.Round(time.Millisecond), r.objective, r.optimal, r.elapsed.Round(time.Millisecond), 100*gap)
		if a.cost > 1.01*r.bound {
			t.Errorf("problem %d: natq %.1f more than 1%% above cbc's bound %.1f", i, a.cost, r.bound)
		}
		if a.lower > r.objective+1e-6*r.objective {
			t.Errorf("problem %d: natq lower bound %.1f above cbc's objective %.1f", i, a.lower, r.objective)
		}
		if a.cost < r.objective-1e-6*r.objective && r.optimal {
			t.Errorf("problem %d: natq %.1f below cbc's proven optimum %.1f", i, a.cost, r.objective)
		}
	}
	if solved < 8 {
		t.Errorf("only %d of 16 problems feasible", solved)
	}
	t.Logf("%d problems, worst gap %.4f%%", solved, 100*worst)
}
