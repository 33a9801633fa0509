package planner

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"natq/planner/assign"
)

// SampleTime is how long the door-to-door team takes per household.
const SampleTime = 3 * time.Minute

// planVariant plans one weather: sites and desks, each building's site,
// the windows, the routes there and back, the posts and the home visits.
func (pl *Plan) planVariant(v Variant) (*VariantPlan, error) {
	c, n, p := pl.Compound, pl.Compound.Net, pl.Params
	vp := &VariantPlan{Variant: v, Site: map[*Building]*Site{}, Desks: map[*Site]int{}, Canopies: map[*Site]int{},
		load: map[*Building]int{}, trees: map[*Site]*tree{}}
	all := pl.usableSites(v)
	var sites []*Site
	for _, s := range all {
		if s.Layout != nil && s.Layout.MaxDesks() > 0 {
			sites = append(sites, s)
		}
	}
	if len(sites) == 0 {
		return nil, inputErrorf("compound %s (%s) has no candidate site that holds a desk and is joined to its walkways: mark open spaces with natq:site=candidate (or leisure=pitch, amenity=parking, ...)", c.Name, c.ID)
	}
	var laidOut []*Site
	for _, s := range c.Sites {
		if s.Layout != nil && s.Layout.MaxDesks() > 0 {
			laidOut = append(laidOut, s)
		}
	}
	vp.trees = n.treesFrom(laidOut, n.edgeCosts(v, p.RainFactor))
	home := map[string]int{}
	for _, h := range p.HomeVisits {
		home[h.Building]++
	}
	var bs []*Building
	for _, b := range c.Buildings {
		if b.Residents == 0 || b.Sealed {
			continue
		}
		per := float64(b.Residents) / float64(max(1, b.Households))
		vp.load[b] = max(0, b.Residents-int(math.Round(float64(home[b.ID])*per)))
		reach := false
		for _, s := range c.Sites {
			if t := vp.trees[s]; t != nil {
				if _, ok := buildingCost(b, t); ok {
					reach = true
				}
			}
		}
		if !reach {
			if err := pl.unreachable(b); err != nil {
				return nil, err
			}
			continue
		}
		if vp.load[b] > 0 {
			bs = append(bs, b)
		}
	}
	// The day's possible ends, one per window, for --end auto and for
	// saying what would fit.
	step := int(p.Window.Minutes())
	var ends []string
	for t := mustHM(p.Start) + step; t < 24*60; t += step {
		ends = append(ends, fmt.Sprintf("%02d:%02d", t/60, t%60))
	}
	if len(ends) == 0 {
		return nil, inputErrorf("--start %s leaves no %v window before midnight", p.Start, p.Window)
	}
	fits := func(sites []*Site, e string) bool { return pl.fits(vp, bs, sites, e) }
	end := p.End
	probe := end
	if end == "auto" {
		probe = ends[len(ends)-1]
	}
	// The wet variant falls back on open sites, under canopies, when the
	// sheltered ones cannot hold the day.
	var more []*Site
	for _, s := range c.Sites {
		if s.Layout != nil && s.Layout.MaxDesks() > 0 && s.node >= 0 {
			more = append(more, s)
		}
	}
	if v == Wet && len(sites) < len(more) && !fits(sites, probe) && fits(more, probe) {
		sites = more
		pl.warn("wet: the sheltered sites cannot hold the day; open sites are used too, with a canopy over each desk")
	}
	// What would fit is said for every site the weather allows, canopies
	// included.
	remedy := func(by, fits string) string {
		if v == Wet && len(sites) < len(more) {
			return pl.shortage(vp, bs, more, by, fits) + " (open sites under canopies included)"
		}
		return pl.shortage(vp, bs, sites, by, fits)
	}
	final := end
	if end == "auto" || !fits(sites, end) {
		// The earliest end that fits, by bisection over the window ends
		// (a later end never fits fewer people).
		if !fits(sites, ends[len(ends)-1]) {
			by := end
			if by == "auto" {
				by = ends[len(ends)-1]
			}
			return nil, inputErrorf("%s weather: %d desks cannot sample everyone in one day, even past --end: %s", v, p.Desks, remedy(by, ""))
		}
		lo, hi := -1, len(ends)-1
		for lo+1 < hi {
			m := (lo + hi) / 2
			if fits(sites, ends[m]) {
				hi = m
			} else {
				lo = m
			}
		}
		final = ends[hi]
		if end != "auto" {
			vp.Shortage = fmt.Sprintf("the day cannot hold everyone by %s with %d desks: %s", end, p.Desks, remedy(end, final))
			pl.warn("%s: %s (planned to end at %s instead)", v, vp.Shortage, final)
		}
	}
	a, dt, err := pl.assign(vp, bs, sites, final)
	if err != nil {
		return nil, err
	}
	vp.Sites = sites
	vp.Objective, vp.LowerBound, vp.Exact = a.Cost, a.Lower, a.Exact
	for i, b := range bs {
		if a.Site[i] < 0 {
			if err := pl.unreachable(b); err != nil {
				return nil, err
			}
			continue
		}
		vp.Site[b] = sites[a.Site[i]]
	}
	used := 0
	for i, s := range sites {
		vp.Desks[s] = a.Desks[i]
		used += a.Desks[i]
	}
	vp.spareDesks(p, p.Desks-used)
	for s, d := range vp.Desks {
		if d > 0 && !s.Sheltered && v == Wet {
			vp.Canopies[s] = d
		}
	}
	sort.SliceStable(bs, func(i, j int) bool {
		ci, _ := buildingLength(bs[i], vp.trees[vp.Site[bs[i]]])
		cj, _ := buildingLength(bs[j], vp.trees[vp.Site[bs[j]]])
		return ci < cj
	})
	vp.schedule(p, dt, bs)
	for _, w := range vp.Windows {
		if w.People() > 0 && w.End.After(vp.End) {
			vp.End = w.End
		}
	}
	vp.Routes = vp.routes(n, p.RainFactor)
	vp.Posts = vp.posts(c, p)
	vp.Visit = vp.visits(c, n, p)
	return vp, nil
}

// mustHM is the minutes past midnight of an HH:MM that Params.check
// already accepted.
func mustHM(s string) int {
	t, _ := time.Parse("15:04", s)
	return t.Hour()*60 + t.Minute()
}

// assign solves the site choice for buildings bs over sites with the day
// ending at end.
func (pl *Plan) assign(vp *VariantPlan, bs []*Building, sites []*Site, end string) (assign.Solution, dayTimes, error) {
	a, dt, prob, err := pl.assignProblem(vp, bs, sites, end, false)
	if err == nil {
		vp.problem = prob
	}
	return a, dt, err
}

// fits reports whether buildings bs fit at sites by end with the desks on
// hand; it asks the solver only that, not for the least walking.
func (pl *Plan) fits(vp *VariantPlan, bs []*Building, sites []*Site, end string) bool {
	a, _, _, err := pl.assignProblem(vp, bs, sites, end, true)
	return err == nil && a.Feasible
}

// assignProblem builds and solves the assignment problem for buildings bs
// over sites with the day ending at end; quick asks only whether it fits.
func (pl *Plan) assignProblem(vp *VariantPlan, bs []*Building, sites []*Site, end string, quick bool) (assign.Solution, dayTimes, *assign.Problem, error) {
	p := pl.Params
	dt, err := p.windows(end)
	if err != nil {
		return assign.Solution{}, dt, nil, err
	}
	prob := &assign.Problem{Desks: p.Desks, Budget: 200000, Quick: quick}
	for _, s := range sites {
		prob.MaxDesks = append(prob.MaxDesks, s.Layout.MaxDesks())
	}
	for _, b := range bs {
		prob.Load = append(prob.Load, vp.load[b])
		row := make([]float64, len(sites))
		for j, s := range sites {
			l, ok := buildingLength(b, vp.trees[s])
			if !ok {
				l = math.Inf(1)
			}
			row[j] = l
		}
		prob.Cost = append(prob.Cost, row)
	}
	// most[s][d] is the most people d desks can sample at site s in the
	// day; need is then a binary search, as the solver asks it millions
	// of times.
	most := make([][]int, len(sites))
	for i, s := range sites {
		markers := len(s.Layout.Markers)
		most[i] = make([]int, prob.MaxDesks[i]+1)
		for d := 1; d <= prob.MaxDesks[i]; d++ {
			lo, hi := most[i][d-1], 1
			for p.deskNeed(hi, markers, prob.MaxDesks[i], dt) <= d {
				hi *= 2
			}
			for lo+1 < hi {
				m := (lo + hi) / 2
				if p.deskNeed(m, markers, prob.MaxDesks[i], dt) <= d {
					lo = m
				} else {
					hi = m
				}
			}
			most[i][d] = lo
		}
	}
	prob.Need = func(s, load int) int {
		m := most[s]
		return sort.Search(len(m), func(d int) bool { return m[d] >= load })
	}
	key := end
	for _, s := range sites {
		key += "|" + s.ID
	}
	if vp.relaxed == nil {
		vp.relaxed = map[string]*assign.Relaxation{}
	}
	prob.Relaxed = vp.relaxed[key]
	a := prob.Solve()
	if prob.Relaxed != nil {
		vp.relaxed[key] = prob.Relaxed
	}
	return a, dt, prob, nil
}

// shortage says what would make the day fit by end: more desks (found by
// bisection, the sites set out anew for each count, as a site's layout
// takes at most the desks on hand), or a later end.
func (pl *Plan) shortage(vp *VariantPlan, bs []*Building, sites []*Site, end, fits string) string {
	p := pl.Params
	orig := p.Desks
	saved := make([]*Layout, len(sites))
	for i, s := range sites {
		saved[i] = s.Layout
	}
	defer func() {
		pl.Params.Desks = orig
		for i, s := range sites {
			s.Layout = saved[i]
		}
	}()
	room := 0 // desks the sites hold, however many are on hand
	for _, s := range sites {
		room += s.Layout.Room
	}
	ok := func(k int) bool {
		pl.Params.Desks = k
		for _, s := range sites {
			s.Layout = layoutSite(s.Plane, s.Entry, p.Spacing, k, float64(p.Rate)*p.Window.Hours())
		}
		return pl.fits(vp, bs, sites, end)
	}
	later := ""
	if fits != "" {
		later = ", or ending at " + fits
	}
	if room <= orig || !ok(room) {
		return fmt.Sprintf("the sites hold at most %d desks, and that is not enough by %s: add sites%s", room, end, later)
	}
	lo, hi := orig, room
	for lo+1 < hi {
		m := (lo + hi) / 2
		if ok(m) {
			hi = m
		} else {
			lo = m
		}
	}
	return fmt.Sprintf("%d desks would make it fit by %s%s", hi, end, later)
}

// spareDesks gives desks left over to the sites whose day ends last, so
// that the makespan shrinks.
func (vp *VariantPlan) spareDesks(p Params, spare int) {
	loads := map[*Site]int{}
	for b, s := range vp.Site {
		loads[s] += vp.load[b]
	}
	for ; spare > 0; spare-- {
		var worst *Site
		worstH := 0.0
		for _, s := range vp.Sites {
			d := vp.Desks[s]
			if d == 0 || d >= s.Layout.MaxDesks() {
				continue
			}
			if h := float64(loads[s]) / float64(d); h > worstH {
				worst, worstH = s, h
			}
		}
		if worst == nil {
			return
		}
		vp.Desks[worst]++
	}
}

// routes draws, for every scheduled building, each entrance's way to where
// its site joins the walkways (the line starts a few steps in), and the
// way back, which avoids where it can the walkways the way there uses, so
// that the sampled and the unsampled do not meet.
func (vp *VariantPlan) routes(n *Network, rainFactor float64) []*Route {
	var out []*Route
	bs := make([]*Building, 0, len(vp.Site))
	for b := range vp.Site {
		bs = append(bs, b)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].ID < bs[j].ID })
	used := map[*Site]map[int32]bool{}
	for _, b := range bs {
		s := vp.Site[b]
		t := vp.trees[s]
		if used[s] == nil {
			used[s] = map[int32]bool{}
		}
		for _, e := range b.Entrances {
			if e.node < 0 || math.IsInf(t.cost[e.node], 1) {
				continue
			}
			path := n.path(t, e.node)
			for v := e.node; v != t.src; v = n.edges[t.prev[v]].other(v) {
				used[s][t.prev[v]] = true
			}
			out = append(out, &Route{Variant: vp.Variant, Building: b, Entrance: e, Site: s, Direction: "to",
				Path: path, Length: t.length[e.node], Uncovered: t.uncovered[e.node]})
		}
	}
	back := map[*Site]*tree{}
	for _, b := range bs {
		s := vp.Site[b]
		bt := back[s]
		if bt == nil {
			cost := make([]float64, len(n.edges))
			for i, e := range n.edges {
				cost[i] = e.length
				if vp.Variant == Wet && !e.sheltered {
					cost[i] *= rainFactor
				}
				if used[s][int32(i)] {
					cost[i] *= 3 // the way there: use another way back where there is one
				}
			}
			bt = n.shortest(s.node, cost)
			back[s] = bt
		}
		for _, e := range b.Entrances {
			if e.node < 0 || math.IsInf(bt.cost[e.node], 1) {
				continue
			}
			to := n.path(bt, e.node)
			path := make(orb.LineString, len(to))
			for i := range to {
				path[i] = to[len(to)-1-i]
			}
			out = append(out, &Route{Variant: vp.Variant, Building: b, Entrance: e, Site: s, Direction: "back",
				Path: path, Length: bt.length[e.node], Uncovered: bt.uncovered[e.node]})
		}
	}
	return out
}

// A Post is one person's place on the battle map.
type Post struct {
	Role     string // coordinator, marshal, caller, guard
	Label    string
	At       orb.Point // plane
	Site     *Site
	Building *Building
}

// posts places the day's people: a coordinator at each used site, a
// marshal every MarshalEvery metres of queue line, a caller at each door of
// each scheduled building, a guard at each gate.
func (vp *VariantPlan) posts(c *Compound, p Params) []Post {
	var out []Post
	for _, s := range vp.Sites {
		if vp.Desks[s] == 0 {
			continue
		}
		l := s.Layout
		out = append(out, Post{Role: "coordinator", Label: fmt.Sprintf("协调员 coordinator %s", siteName(s)), At: l.Desks[0], Site: s})
		// Marshals cover the stretch of line one window can fill.
		inUse := math.Min(l.Length, float64(p.windowCap(vp.Desks[s], len(l.Markers)))*p.Spacing)
		k := max(1, int(math.Ceil(inUse/p.MarshalEvery)))
		for i := 0; i < k; i++ {
			at := pointAlong(l.Line, math.Min(l.Length, (float64(i)+0.5)*p.MarshalEvery))
			out = append(out, Post{Role: "marshal", Label: fmt.Sprintf("引导员 marshal %s #%d", siteName(s), i+1), At: at, Site: s})
		}
	}
	bs := make([]*Building, 0, len(vp.Site))
	for b := range vp.Site {
		bs = append(bs, b)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].ID < bs[j].ID })
	for _, b := range bs {
		for _, e := range b.Entrances {
			out = append(out, Post{Role: "caller", Label: fmt.Sprintf("楼长 caller %s %s", b.Name, e.Ref), At: e.Plane, Site: vp.Site[b], Building: b})
		}
	}
	for _, g := range c.Gates {
		out = append(out, Post{Role: "guard", Label: fmt.Sprintf("门岗 guard %s", firstNonEmpty(g.Name, g.ID)), At: g.Plane})
	}
	return out
}

func siteName(s *Site) string { return firstNonEmpty(s.Name, s.ID) }

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

// pointAlong is the point at distance d along a line.
func pointAlong(ls orb.LineString, d float64) orb.Point {
	for i := 1; i < len(ls); i++ {
		l := dist(ls[i-1], ls[i])
		if d <= l && l > 0 {
			t := d / l
			return orb.Point{ls[i-1][0] + t*(ls[i][0]-ls[i-1][0]), ls[i-1][1] + t*(ls[i][1]-ls[i-1][1])}
		}
		d -= l
	}
	return ls[len(ls)-1]
}

// A Visit is the door-to-door team's round: sealed buildings and
// households who cannot walk, from the nearest gate.
type Visit struct {
	Stops      []*Building
	Path       orb.LineString // plane
	Length     float64
	Households int
	Duration   time.Duration // walking plus SampleTime per household
}

// visits orders the home visits by nearest neighbour from the gate nearest
// them, then 2-opt, on walking distances over the network.
func (vp *VariantPlan) visits(c *Compound, n *Network, p Params) *Visit {
	home := map[string]int{}
	for _, h := range p.HomeVisits {
		home[h.Building]++
	}
	var stops []*Building
	hh := 0
	for _, b := range c.Buildings {
		k := home[b.ID]
		if b.Sealed {
			k = b.Households
		}
		if k > 0 && len(b.Entrances) > 0 && b.Entrances[0].node >= 0 {
			stops = append(stops, b)
			hh += k
		}
	}
	if len(stops) == 0 {
		return nil
	}
	// Start: the gate nearest the first stop, else that stop itself.
	nodes := []int32{-1}
	for _, b := range stops {
		nodes = append(nodes, b.Entrances[0].node)
	}
	cost := n.edgeCosts(Dry, 1)
	trees := make([]*tree, len(nodes))
	for i := 1; i < len(nodes); i++ {
		trees[i] = n.shortest(nodes[i], cost)
	}
	nodes[0] = nodes[1]
	bestG := math.Inf(1)
	for _, g := range c.Gates {
		if g.node >= 0 {
			for i := 1; i < len(nodes); i++ {
				if d := trees[i].cost[g.node]; d < bestG {
					bestG, nodes[0] = d, g.node
				}
			}
		}
	}
	trees[0] = n.shortest(nodes[0], cost)
	d := func(i, j int) float64 { return trees[i].cost[nodes[j]] }
	// Nearest neighbour from the start.
	tour := []int{0}
	seen := map[int]bool{0: true}
	for len(tour) < len(nodes) {
		last, next := tour[len(tour)-1], -1
		for j := range nodes {
			if !seen[j] && (next < 0 || d(last, j) < d(last, next)) {
				next = j
			}
		}
		if math.IsInf(d(last, next), 1) {
			break
		}
		tour = append(tour, next)
		seen[next] = true
	}
	// 2-opt on the open path (the team need not come back).
	for improved := true; improved; {
		improved = false
		for i := 1; i+1 < len(tour); i++ {
			for j := i + 1; j < len(tour); j++ {
				before := d(tour[i-1], tour[i])
				after := d(tour[i-1], tour[j])
				if j+1 < len(tour) {
					before += d(tour[j], tour[j+1])
					after += d(tour[i], tour[j+1])
				}
				if after < before-1e-6 {
					for a, b := i, j; a < b; a, b = a+1, b-1 {
						tour[a], tour[b] = tour[b], tour[a]
					}
					improved = true
				}
			}
		}
	}
	v := &Visit{Households: hh}
	for k := 1; k < len(tour); k++ {
		v.Stops = append(v.Stops, stops[tour[k]-1])
		seg := n.path(trees[tour[k]], nodes[tour[k-1]])
		if len(v.Path) > 0 {
			seg = seg[1:]
		}
		v.Path = append(v.Path, seg...)
		v.Length += d(tour[k-1], tour[k])
	}
	if len(v.Path) < 2 {
		v.Path = append(v.Path, v.Path...)
	}
	v.Duration = time.Duration(v.Length/p.WalkSpeed*float64(time.Second)) + time.Duration(hh)*SampleTime
	return v
}
