package planner

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"natq/planner/assign/assigntest"
	"natq/planner/internal/minheap"
	"natq/planner/synth"
)

// freeWalk is an independent model of walking to sites entered from
// every walkway that comes within SiteJoin of them: the walkways cut into
// pieces at their vertices and at each door's nearest point (each door
// joined to the nearest point of the nearest walkway, as natq joins
// doors), and each piece sampled every step metres. A piece enters a site
// at its point nearest each outline segment, found by ternary search,
// when that is within SiteJoin; where the piece runs parallel to the
// segment, at every sample beside it within SiteJoin. It shares nothing
// with natq's network but the parsed geometry.
type freeWalk struct {
	pts   []orb.Point
	adj   [][]freeEdge
	key   map[[2]int64]int
	joins map[*Site]map[int]bool
	step  map[*Site]float64 // from a site no walkway comes near to its one way in
}

type freeEdge struct {
	to int
	l  float64
}

func (f *freeWalk) node(p orb.Point) int {
	k := [2]int64{int64(math.Round(p[0] * 1000)), int64(math.Round(p[1] * 1000))}
	if i, ok := f.key[k]; ok {
		return i
	}
	f.pts = append(f.pts, p)
	f.adj = append(f.adj, nil)
	f.key[k] = len(f.pts) - 1
	return len(f.pts) - 1
}

func (f *freeWalk) link(a, b int) {
	if a == b {
		return
	}
	l := math.Hypot(f.pts[a][0]-f.pts[b][0], f.pts[a][1]-f.pts[b][1])
	f.adj[a] = append(f.adj[a], freeEdge{b, l})
	f.adj[b] = append(f.adj[b], freeEdge{a, l})
}

// footOn is the parameter of p's nearest point on segment ab, and the
// distance.
func footOn(p, a, b orb.Point) (float64, float64) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	return t, math.Hypot(a[0]+t*dx-p[0], a[1]+t*dy-p[1])
}

// newFreeWalk builds the model of compound c; doors is every entrance's
// node.
func newFreeWalk(c *Compound, step float64) (*freeWalk, map[*Entrance]int) {
	f := &freeWalk{key: map[[2]int64]int{}, joins: map[*Site]map[int]bool{}}
	type seg struct{ a, b orb.Point }
	var segs []seg
	for _, w := range c.Walkways {
		for i := 0; i+1 < len(w.Plane); i++ {
			segs = append(segs, seg{w.Plane[i], w.Plane[i+1]})
		}
	}
	cuts := make([][]float64, len(segs))
	for i := range cuts {
		cuts[i] = []float64{0, 1}
	}
	type foot struct {
		e   *Entrance
		seg int
		t   float64
	}
	var feet []foot
	for _, b := range c.Buildings {
		for _, e := range b.Entrances {
			best, bd, bt := -1, math.Inf(1), 0.0
			for i, s := range segs {
				if t, d := footOn(e.Plane, s.a, s.b); d < bd {
					best, bd, bt = i, d, t
				}
			}
			if best >= 0 && bd <= MaxJoin {
				cuts[best] = append(cuts[best], bt)
				feet = append(feet, foot{e, best, bt})
			}
		}
	}
	for _, s := range c.Sites {
		f.joins[s] = map[int]bool{}
	}
	for i, sg := range segs {
		sort.Float64s(cuts[i])
		at := func(t float64) orb.Point {
			return orb.Point{sg.a[0] + t*(sg.b[0]-sg.a[0]), sg.a[1] + t*(sg.b[1]-sg.a[1])}
		}
		for k := 1; k < len(cuts[i]); k++ {
			ta, tb := cuts[i][k-1], cuts[i][k]
			pa, pb := at(ta), at(tb)
			l := dist(pa, pb)
			if l < 1e-6 {
				continue
			}
			piece := func(u float64) orb.Point { return orb.Point{pa[0] + u*(pb[0]-pa[0]), pa[1] + u*(pb[1]-pa[1])} }
			n := int(math.Ceil(l / step))
			us := map[float64]bool{}
			for j := 0; j <= n; j++ {
				us[float64(j)/float64(n)] = true
			}
			type join struct {
				s *Site
				u float64
			}
			var joins []join
			var beside []func(u float64) (*Site, bool)
			for _, s := range c.Sites {
				r := s.Plane[0]
				for j := 0; j+1 < len(r); j++ {
					a, b := r[j], r[j+1]
					d := func(u float64) float64 { _, dd := footOn(piece(u), a, b); return dd }
					ua, ub := dist(a, b), l
					cross := ((b[0]-a[0])*(pb[1]-pa[1]) - (b[1]-a[1])*(pb[0]-pa[0])) / (ua * ub)
					if math.Abs(cross) < 1e-9 {
						s, a, b := s, a, b
						beside = append(beside, func(u float64) (*Site, bool) {
							// Beside: the perpendicular from the sample meets ab.
							q := piece(u)
							t := ((q[0]-a[0])*(b[0]-a[0]) + (q[1]-a[1])*(b[1]-a[1])) / (ua * ua)
							_, dd := footOn(q, a, b)
							return s, t >= -1e-9 && t <= 1+1e-9 && dd <= SiteJoin+1e-9
						})
						continue
					}
					lo, hi := 0.0, 1.0
					for it := 0; it < 200; it++ {
						m1, m2 := lo+(hi-lo)/3, hi-(hi-lo)/3
						if d(m1) <= d(m2) {
							hi = m2
						} else {
							lo = m1
						}
					}
					if u := (lo + hi) / 2; d(u) <= SiteJoin+1e-9 {
						us[u] = true
						joins = append(joins, join{s, u})
					}
				}
			}
			var list []float64
			for u := range us {
				list = append(list, u)
			}
			sort.Float64s(list)
			prev := -1
			for _, u := range list {
				cur := f.node(piece(u))
				if prev >= 0 {
					f.link(prev, cur)
				}
				prev = cur
				for _, b := range beside {
					if s, ok := b(u); ok {
						f.joins[s][cur] = true
					}
				}
			}
			for _, j := range joins {
				f.joins[j.s][f.node(piece(j.u))] = true
			}
		}
	}
	// A site no walkway comes near joins the nearest, as natq has it: the
	// nearest sample, with the step from the site to it.
	f.step = map[*Site]float64{}
	for _, s := range c.Sites {
		if len(f.joins[s]) > 0 {
			continue
		}
		best, bd := -1, MaxJoin
		for i, q := range f.pts {
			if d, _ := distToRing(s.Plane[0], q); d < bd {
				best, bd = i, d
			}
		}
		if best >= 0 {
			f.joins[s][best] = true
			f.step[s] = bd
		}
	}
	doors := map[*Entrance]int{}
	for _, ft := range feet {
		on := f.node(orb.Point{segs[ft.seg].a[0] + ft.t*(segs[ft.seg].b[0]-segs[ft.seg].a[0]), segs[ft.seg].a[1] + ft.t*(segs[ft.seg].b[1]-segs[ft.seg].a[1])})
		d := f.node(ft.e.Plane)
		f.link(d, on)
		doors[ft.e] = d
	}
	return f, doors
}

// from is every node's walking distance from node src.
func (f *freeWalk) from(src int) []float64 {
	d := make([]float64, len(f.pts))
	for i := range d {
		d[i] = math.Inf(1)
	}
	d[src] = 0
	h := minheap.Heap{{Cost: 0, Node: int32(src)}}
	for len(h) > 0 {
		it := h.Pop()
		v := int(it.Node)
		if it.Cost > d[v] {
			continue
		}
		for _, e := range f.adj[v] {
			if nd := d[v] + e.l; nd < d[e.to] {
				d[e.to] = nd
				h.Push(minheap.Item{Cost: nd, Node: int32(e.to)})
			}
		}
	}
	return d
}

// ways are the nodes by which site s may be entered.
func (f *freeWalk) ways(s *Site) []int {
	var out []int
	for v := range f.joins[s] {
		out = append(out, v)
	}
	sort.Ints(out)
	return out
}

// TestWalkingAgainstFreeEntry plans generated compounds whose sites lie
// within a metre of the walkways round them, so that each is reachable
// from several sides, and holds natq's resident-weighted walking to the
// exact optimum of the independent model above: its door-to-site
// distances, all pairs, and the assignment over them solved by cbc (with
// the plan's own loads and desk needs, which are not what is tested).
// natq's walking, as its routes walk it and as the independent model
// measures its assignment, must be within 1% of that optimum.
func TestWalkingAgainstFreeEntry(t *testing.T) {
	dir := t.TempDir()
	worst := 0.0
	for _, seed := range []int64{3, 5, 8, 11, 17, 23, 29, 31} {
		t.Run(fmt.Sprint("touching", seed), func(t *testing.T) {
			c := readFC(t, fmt.Sprint("touching", seed), synth.Random(seed, synth.RandomOptions{Buildings: 14, Sites: 4, Touching: true}))[0]
			p := contestParams()
			p.Desks, p.End, p.Variants = 10, "auto", []Variant{Dry}
			pl, err := Make(c, p)
			if err != nil {
				t.Fatal(err)
			}
			vp := pl.Variants[0]
			prob, bs := vp.problem, vp.problemBuildings
			multi := 0
			for _, s := range vp.Sites {
				sides := map[int]bool{}
				for _, j := range s.joints {
					sides[j.Side] = true
				}
				if len(sides) > 1 {
					multi++
				}
			}
			if multi == 0 {
				t.Fatalf("no site is entered from more than one side: the compound does not test what it should")
			}

			f, doors := newFreeWalk(pl.Compound, 0.2)
			ways := make([][]int, len(vp.Sites))
			for j, s := range vp.Sites {
				ways[j] = f.ways(s)
			}
			free := *prob
			free.Relaxed = nil
			free.Cost = make([][]float64, len(bs))
			for i, b := range bs {
				free.Cost[i] = make([]float64, len(vp.Sites))
				k := 0
				for _, e := range b.Entrances {
					d, ok := doors[e]
					if !ok {
						continue
					}
					k++
					dist := f.from(d)
					for j := range vp.Sites {
						best := math.Inf(1)
						for _, w := range ways[j] {
							best = math.Min(best, dist[w])
						}
						free.Cost[i][j] += best + f.step[vp.Sites[j]]
					}
				}
				for j := range free.Cost[i] {
					free.Cost[i][j] /= float64(max(1, k))
				}
			}
			lp := filepath.Join(dir, fmt.Sprint("touching", seed, ".lp"))
			if err := assigntest.WriteLP(lp, &free); err != nil {
				t.Fatal(err)
			}
			r := assigntest.SolveCBC(t, lp, len(bs), 60*time.Second)
			if _, _, ok := free.Fits(r.Site); !ok {
				t.Fatalf("cbc's assignment does not fit the desks: the LP model is wrong")
			}
			opt := r.Bound

			// natq's walking as its routes walk it, per resident.
			walked := 0.0
			for i, b := range bs {
				sum, k := 0.0, 0
				for _, rt := range vp.Routes {
					if rt.Building == b && rt.Direction == "to" {
						sum += rt.Length
						k++
					}
				}
				if k == 0 {
					t.Fatalf("%s has no route to its site", b.ID)
				}
				walked += float64(prob.Load[i]) * sum / float64(k)
			}
			site := make([]int, len(bs))
			for i, b := range bs {
				site[i] = -1
				for j, s := range vp.Sites {
					if vp.Site[b] == s {
						site[i] = j
					}
				}
			}
			measured := free.CostOf(site)
			gap := math.Max(walked, measured)/opt - 1
			worst = math.Max(worst, gap)
			t.Logf("%d buildings, %d sites (%d entered from several sides): natq walks %.0f person-metres (%.0f as the free model measures its assignment), free optimum %.0f (%s): gap %.3f%%",
				len(bs), len(vp.Sites), multi, walked, measured, opt, map[bool]string{true: "proven", false: "bound"}[r.Optimal], 100*gap)
			if walked > 1.01*opt {
				t.Errorf("natq's routes walk %.0f person-metres, %.2f%% above the optimum %.0f of free entry", walked, 100*(walked/opt-1), opt)
			}
			if walked < 0.99*opt {
				t.Errorf("natq's routes walk %.0f person-metres, below the optimum %.0f of free entry: one of the two models is wrong", walked, opt)
			}
			if measured > 1.01*opt {
				t.Errorf("natq's assignment walks %.0f person-metres under free entry, %.2f%% above its optimum %.0f", measured, 100*(measured/opt-1), opt)
			}
		})
	}
	t.Logf("worst gap %.3f%%", 100*worst)
}

// TestEntryExitSides plans generated compounds whose sites are entered
// from several sides and checks, for every site in use, that the line's
// entry is by the joint most of its residents arrive at (as their routes
// there end), that every way back leaves from the exit, and that the exit
// is on another side of the site than the entry wherever the site has
// joints on more than one side.
func TestEntryExitSides(t *testing.T) {
	checked := 0
	for seed := int64(1); seed <= 16; seed++ {
		c := readFC(t, fmt.Sprint("touching", seed), synth.Random(seed, synth.RandomOptions{Touching: true}))[0]
		p := contestParams()
		p.Desks, p.End = 12, "auto"
		pl, err := Make(c, p)
		if err != nil {
			continue
		}
		for _, vp := range pl.Variants {
			arrive := map[*Site]map[orb.Point]float64{}
			doors := map[*Building]int{}
			for _, r := range vp.Routes {
				if r.Direction == "to" {
					doors[r.Building]++
				}
			}
			for _, r := range vp.Routes {
				if r.Direction != "to" {
					continue
				}
				if arrive[r.Site] == nil {
					arrive[r.Site] = map[orb.Point]float64{}
				}
				arrive[r.Site][r.Path[len(r.Path)-1]] += float64(vp.load[r.Building]) / float64(doors[r.Building])
			}
			for s, in := range vp.Entry {
				out := vp.Exit[s]
				most := 0.0
				for _, v := range arrive[s] {
					most = math.Max(most, v)
				}
				if got := arrive[s][in.At]; got < most-1e-6 {
					t.Errorf("touching %d %s site %s: entry at %v, where %.0f residents arrive; %.0f arrive elsewhere", seed, vp.Variant, s.ID, in.At, got, most)
				}
				if len(s.sides()) > 1 {
					checked++
					if in.Side == out.Side {
						t.Errorf("touching %d %s site %s: entry and exit both by side %d, though its joints are by sides %v", seed, vp.Variant, s.ID, in.Side, s.sides())
					}
				}
			}
			for _, r := range vp.Routes {
				if r.Direction == "back" && dist(r.Path[0], vp.Exit[r.Site].At) > 1e-6 {
					t.Errorf("touching %d %s: the way back from %s to %s starts at %v, not at its exit %v", seed, vp.Variant, r.Site.ID, r.Building.ID, r.Path[0], vp.Exit[r.Site].At)
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d sites in use with joints on several sides: the compounds test too little", checked)
	}
	t.Logf("%d sites entered from several sides: entry and exit on different sides", checked)
}
