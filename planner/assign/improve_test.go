package assign

import (
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"sort"
	"testing"
)

// improvePlain is improve as it was, the plain scan: it applies the best improving move (one building to another site)
// or swap (two buildings trade sites) that keeps the desks within budget,
// until none is left.
func (p *Problem) improvePlain(a *Solution) {
	if !a.Feasible {
		return
	}
	loads := p.loads(a.Site)
	fits := func() bool { _, _, ok := p.desksFor(loads); return ok }
	for iter := 0; iter < 10000; iter++ {
		bestD := -1e-9
		kind, b1, b2, s2 := 0, -1, -1, -1
		for b, s := range a.Site {
			for t := 0; t < p.ns(); t++ {
				if t == s || math.IsInf(p.Cost[b][t], 1) {
					continue
				}
				d := float64(p.Load[b]) * (p.Cost[b][t] - p.Cost[b][s])
				if d >= bestD {
					continue
				}
				loads[s] -= p.Load[b]
				loads[t] += p.Load[b]
				if fits() {
					bestD, kind, b1, s2 = d, 1, b, t
				}
				loads[s] += p.Load[b]
				loads[t] -= p.Load[b]
			}
		}
		for i := range a.Site {
			for j := i + 1; j < len(a.Site); j++ {
				si, sj := a.Site[i], a.Site[j]
				if si == sj || math.IsInf(p.Cost[i][sj], 1) || math.IsInf(p.Cost[j][si], 1) {
					continue
				}
				d := float64(p.Load[i])*(p.Cost[i][sj]-p.Cost[i][si]) + float64(p.Load[j])*(p.Cost[j][si]-p.Cost[j][sj])
				if d >= bestD {
					continue
				}
				delta := p.Load[i] - p.Load[j]
				loads[si] -= delta
				loads[sj] += delta
				if fits() {
					bestD, kind, b1, b2 = d, 2, i, j
				}
				loads[si] += delta
				loads[sj] -= delta
			}
		}
		switch kind {
		case 0:
			a.Desks, _, a.Feasible = p.desksFor(loads)
			a.Cost = p.CostOf(a.Site)
			return
		case 1:
			loads[a.Site[b1]] -= p.Load[b1]
			loads[s2] += p.Load[b1]
			a.Site[b1] = s2
		case 2:
			si, sj := a.Site[b1], a.Site[b2]
			delta := p.Load[b1] - p.Load[b2]
			loads[si] -= delta
			loads[sj] += delta
			a.Site[b1], a.Site[b2] = sj, si
		}
	}
	a.Desks, _, a.Feasible = p.desksFor(loads)
	a.Cost = p.CostOf(a.Site)
}

// TestImproveAsPlainScan checks that improve, with its bounds and its
// desks kept per site, takes the very steps of the plain scan (same
// sites, desks and cost, bit for bit) on random problems of up to 150
// buildings, from the relaxation's rounding or a random start, desks tight or not, canopies or not, some pairs out of reach.
func TestImproveAsPlainScan(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	steps := 0
	for i := 0; i < 300; i++ {
		nb, ns := 2+rng.Intn(150), 2+rng.Intn(12)
		p := &Problem{Budget: 1000}
		most := make([][]int, ns)
		room := 0
		for s := 0; s < ns; s++ {
			maxD := 1 + rng.Intn(8)
			p.MaxDesks = append(p.MaxDesks, maxD)
			perDesk, line := 200+rng.Intn(300), 1000+rng.Intn(3000)
			most[s] = make([]int, maxD+1)
			for d := 1; d <= maxD; d++ {
				most[s][d] = min(d*perDesk, line)
			}
			room += maxD
		}
		p.Need = func(s, load int) int {
			m := most[s]
			return sort.Search(len(m), func(d int) bool { return m[d] >= load })
		}
		people := 0
		for b := 0; b < nb; b++ {
			l := 1 + rng.Intn(300)
			if rng.Intn(20) == 0 {
				l = 0
			}
			p.Load = append(p.Load, l)
			people += l
			row := make([]float64, ns)
			for s := range row {
				row[s] = 20 + 480*rng.Float64()
				if rng.Intn(8) == 0 {
					row[s] = math.Inf(1)
				}
			}
			row[rng.Intn(ns)] = 20 + 480*rng.Float64() // every building reaches a site
			p.Cost = append(p.Cost, row)
		}
		p.Desks = max(1, room*(5+rng.Intn(6))/10)
		if rng.Intn(3) == 0 {
			p.Covered = make([]bool, ns)
			for s := range p.Covered {
				p.Covered[s] = rng.Intn(2) == 0
			}
			p.Canopies = rng.Intn(p.Desks + 1)
		}
		_, frac, placed := p.relaxation()
		if !placed {
			continue
		}
		if i%2 == 1 {
			// A poor start, so that improve has a long way to go.
			for b := range frac {
				for {
					frac[b] = rng.Intn(ns)
					if !math.IsInf(p.Cost[b][frac[b]], 1) {
						break
					}
				}
			}
		}
		a := p.round(frac)
		p.repair(&a)
		if !a.Feasible {
			continue
		}
		want, got := a, a
		want.Site = append([]int(nil), a.Site...)
		got.Site = append([]int(nil), a.Site...)
		p.improvePlain(&want)
		p.improve(&got)
		name := fmt.Sprintf("problem %d (%d buildings, %d sites, %d desks)", i, nb, ns, p.Desks)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: improve gave %+v, the plain scan %+v", name, got, want)
		}
		for b := range a.Site {
			if a.Site[b] != got.Site[b] {
				steps++
			}
		}
	}
	t.Logf("%d buildings moved", steps)
	if steps < 100 {
		t.Fatalf("only %d buildings moved in all: the problems do not exercise improve", steps)
	}
}
