// Package assigntest checks assignment solutions against the truth: every
// assignment of a small problem enumerated, or a large one written as a
// mixed-integer program and solved by cbc (Debian package coinor-cbc).
package assigntest

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"natq/planner/assign"
)

// Enumerate solves p by trying every assignment of buildings to sites:
// the optimum, and whether any assignment fits the desks at all.
func Enumerate(p *assign.Problem) (float64, []int, bool) {
	nb, ns := len(p.Load), len(p.MaxDesks)
	site := make([]int, nb)
	best, bestSite := math.Inf(1), []int(nil)
	for {
		cost, ok := 0.0, true
		for b, s := range site {
			if math.IsInf(p.Cost[b][s], 1) {
				ok = false
				break
			}
			cost += float64(p.Load[b]) * p.Cost[b][s]
		}
		if ok && cost < best {
			if _, _, fits := p.Fits(site); fits {
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

// StepNeed is a desk-need function as the planner's: most[s][d] is the
// most people d desks sample at site s, and a load needs the fewest desks
// whose most reaches it (maxD+1 when none does).
func StepNeed(most [][]int) func(s, load int) int {
	return func(s, load int) int {
		m := most[s]
		return sort.Search(len(m), func(d int) bool { return m[d] >= load })
	}
}

// CheckOptimal checks a, p's Solve answer, against every assignment of p.
func CheckOptimal(t testing.TB, name string, p *assign.Problem, a assign.Solution) (exact, feasible bool) {
	t.Helper()
	opt, optSite, ok := Enumerate(p)
	if !ok {
		if a.Feasible {
			t.Errorf("%s: solve() = feasible assignment %v (cost %.1f), but no assignment fits the desks", name, a.Site, a.Cost)
		}
		return a.Exact, false
	}
	if !a.Feasible {
		t.Errorf("%s: solve() found nothing feasible; the optimum is %.3f at %v", name, opt, optSite)
		return a.Exact, true
	}
	// The answer is what it says it is.
	if c := p.CostOf(a.Site); math.Abs(c-a.Cost) > 1e-6*math.Max(1, c) {
		t.Errorf("%s: solve() cost %.6f, but its sites %v cost %.6f", name, a.Cost, a.Site, c)
	}
	d, total, fits := p.Fits(a.Site)
	if !fits || total > p.Desks {
		t.Errorf("%s: solve() sites %v need desks %v (%d in all, %d on hand): they do not fit", name, a.Site, d, total, p.Desks)
	}
	for s := range a.Desks {
		if a.Desks[s] < d[s] {
			t.Errorf("%s: solve() gives site %d %d desks, its load needs %d", name, s, a.Desks[s], d[s])
		}
	}
	if math.Abs(a.Cost-opt) > 1e-6*math.Max(1, opt) {
		t.Errorf("%s: solve() cost %.3f (sites %v, exact %v), optimum %.3f (sites %v)", name, a.Cost, a.Site, a.Exact, opt, optSite)
	}
	if a.Lower > opt+1e-6*math.Max(1, opt) {
		t.Errorf("%s: lower bound %.3f above the optimum %.3f", name, a.Lower, opt)
	}
	if a.Exact && math.Abs(a.Lower-a.Cost) > 1e-9*math.Max(1, a.Cost) {
		t.Errorf("%s: exact, yet lower bound %.3f != cost %.3f", name, a.Lower, a.Cost)
	}
	// The transportation relaxation alone is a lower bound too.
	if lb := p.RelaxationBound(); lb > opt+1e-6*math.Max(1, opt) {
		t.Errorf("%s: relaxation %.3f above the optimum %.3f", name, lb, opt)
	}
	return a.Exact, true
}

// mostPeople is, for each site and each desk count d in 0..maxD, the most
// people d desks can sample there in the day: the thresholds of the step
// function need.
func mostPeople(p *assign.Problem) [][]int {
	most := make([][]int, len(p.MaxDesks))
	for s := range most {
		most[s] = make([]int, p.MaxDesks[s]+1)
		for d := 1; d <= p.MaxDesks[s]; d++ {
			most[s][d] = p.Most(s, d)
		}
	}
	return most
}

// WriteLP writes p as a mixed-integer program in CPLEX LP format: x_b_s = 1
// when building b goes to site s (only where it can walk there), y_s_d = 1
// when site s has d desks, d_s its desks; each building at one site, one
// desk count per site, at most K desks in all, and each site's people
// within what its desks can sample.
func WriteLP(path string, p *assign.Problem) error {
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
	for b := range p.Load {
		for s := range p.MaxDesks {
			if !math.IsInf(p.Cost[b][s], 1) {
				fmt.Fprintf(w, "  + %s x_%d_%d\n", num(float64(p.Load[b])*p.Cost[b][s]), b, s)
			}
		}
	}
	fmt.Fprintln(w, "Subject To")
	for b := range p.Load {
		fmt.Fprintf(w, " one_%d:\n", b)
		for s := range p.MaxDesks {
			if !math.IsInf(p.Cost[b][s], 1) {
				fmt.Fprintf(w, "  + x_%d_%d\n", b, s)
			}
		}
		fmt.Fprintln(w, "  = 1")
	}
	for s := range p.MaxDesks {
		fmt.Fprintf(w, " pick_%d:\n", s)
		for d := 0; d <= p.MaxDesks[s]; d++ {
			fmt.Fprintf(w, "  + y_%d_%d\n", s, d)
		}
		fmt.Fprintln(w, "  = 1")
		fmt.Fprintf(w, " desks_%d:\n  + d_%d\n", s, s)
		for d := 1; d <= p.MaxDesks[s]; d++ {
			fmt.Fprintf(w, "  - %d y_%d_%d\n", d, s, d)
		}
		fmt.Fprintln(w, "  = 0")
		fmt.Fprintf(w, " cap_%d:\n", s)
		for b := range p.Load {
			if !math.IsInf(p.Cost[b][s], 1) {
				fmt.Fprintf(w, "  + %d x_%d_%d\n", p.Load[b], b, s)
			}
		}
		for d := 1; d <= p.MaxDesks[s]; d++ {
			fmt.Fprintf(w, "  - %d y_%d_%d\n", most[s][d], s, d)
		}
		fmt.Fprintln(w, "  <= 0")
	}
	fmt.Fprintln(w, " budget:")
	for s := range p.MaxDesks {
		fmt.Fprintf(w, "  + d_%d\n", s)
	}
	fmt.Fprintf(w, "  <= %d\n", p.Desks)
	if p.Covered != nil {
		fmt.Fprintln(w, " canopies:")
		for s, c := range p.Covered {
			if c {
				fmt.Fprintf(w, "  + d_%d\n", s)
			}
		}
		fmt.Fprintf(w, "  <= %d\n", p.Canopies)
	}
	fmt.Fprintln(w, "Bounds")
	for s := range p.MaxDesks {
		fmt.Fprintf(w, " 0 <= d_%d <= %d\n", s, p.MaxDesks[s])
	}
	fmt.Fprintln(w, "General")
	for s := range p.MaxDesks {
		fmt.Fprintf(w, " d_%d\n", s)
	}
	fmt.Fprintln(w, "Binary")
	for b := range p.Load {
		for s := range p.MaxDesks {
			if !math.IsInf(p.Cost[b][s], 1) {
				fmt.Fprintf(w, " x_%d_%d\n", b, s)
			}
		}
	}
	for s := range p.MaxDesks {
		for d := 0; d <= p.MaxDesks[s]; d++ {
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

// CBCResult is what cbc found: its best objective, whether it proved it
// optimal, its best bound, and each building's site in its solution.
type CBCResult struct {
	Objective, Bound float64
	Optimal          bool
	Site             []int
	Elapsed          time.Duration
}

var (
	cbcStatus = regexp.MustCompile(`^(\S.*?) - objective value (\S+)`)
	cbcX      = regexp.MustCompile(`^\s*\d+\s+x_(\d+)_(\d+)\s+(\S+)`)
	cbcBound  = regexp.MustCompile(`(?m)^Lower bound:\s+(\S+)`)
)

// SolveCBC solves the LP file with Debian's cbc (package coinor-cbc), to
// a zero gap within limit.
func SolveCBC(t testing.TB, lp string, nb int, limit time.Duration) CBCResult {
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
	r := CBCResult{Elapsed: time.Since(start), Site: make([]int, nb)}
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
	r.Optimal = m[1] == "Optimal"
	r.Objective, err = strconv.ParseFloat(m[2], 64)
	if err != nil {
		t.Fatalf("cbc objective %q: %v", m[2], err)
	}
	r.Bound = r.Objective
	if !r.Optimal {
		if b := cbcBound.FindSubmatch(out); b != nil {
			r.Bound, _ = strconv.ParseFloat(string(b[1]), 64)
		} else {
			r.Bound = math.Inf(-1)
		}
	}
	for i := range r.Site {
		r.Site[i] = -1
	}
	for _, l := range lines[1:] {
		if m := cbcX.FindStringSubmatch(l); m != nil {
			v, _ := strconv.ParseFloat(m[3], 64)
			if v > 0.5 {
				b, _ := strconv.Atoi(m[1])
				s, _ := strconv.Atoi(m[2])
				r.Site[b] = s
			}
		}
	}
	return r
}
