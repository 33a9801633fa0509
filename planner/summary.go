package planner

import (
	"math"
	"sort"
)

// WalkStats are resident-weighted walking figures.
type WalkStats struct {
	Mean, P95, Max, UncoveredMean float64
	Within300                     float64 // share of residents within 300 m
	Residents                     int
	Objective                     float64 // sum of residents x route length
}

// Walking is the variant's resident-weighted walking distance: each
// building's residents walk the mean of its entrances' routes.
func (vp *VariantPlan) Walking(speed float64) WalkStats {
	type bw struct {
		l, u float64
		n    int
	}
	per := map[*Building]*bw{}
	cnt := map[*Building]int{}
	for _, r := range vp.Routes {
		if r.Direction != "to" {
			continue
		}
		x := per[r.Building]
		if x == nil {
			x = &bw{n: r.Building.Residents}
			per[r.Building] = x
		}
		x.l += r.Length
		x.u += r.Uncovered
		cnt[r.Building]++
	}
	var ws WalkStats
	var list []bw
	for b, x := range per {
		x.l /= float64(cnt[b])
		x.u /= float64(cnt[b])
		list = append(list, *x)
		ws.Residents += x.n
		ws.Objective += float64(x.n) * x.l
		ws.UncoveredMean += float64(x.n) * x.u
		ws.Max = math.Max(ws.Max, x.l)
		if x.l <= 300 {
			ws.Within300 += float64(x.n)
		}
	}
	if ws.Residents == 0 {
		return ws
	}
	ws.Mean = ws.Objective / float64(ws.Residents)
	ws.UncoveredMean /= float64(ws.Residents)
	ws.Within300 /= float64(ws.Residents)
	sort.Slice(list, func(i, j int) bool { return list[i].l < list[j].l })
	need := 0.95 * float64(ws.Residents)
	acc := 0.0
	for _, x := range list {
		acc += float64(x.n)
		if acc >= need {
			ws.P95 = x.l
			break
		}
	}
	return ws
}
