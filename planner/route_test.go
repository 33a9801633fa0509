package planner

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// wantRoute is what one building's route must be, worked out by hand.
type wantRoute struct {
	site              string
	length, uncovered float64
}

// TestRouteHandWorked plans small compounds whose shortest ways can be
// worked out on paper. Lengths must agree to a centimetre.
func TestRouteHandWorked(t *testing.T) {
	tests := []struct {
		name       string
		draw       func(d *drawing)
		rainFactor float64
		dry, wet   wantRoute
	}{{
		// A 100 m square loop drawn as one closed way; the door is 5 m
		// south of its south side, 70 m from the site's corner. The short
		// way is 5 + 70; the long way round 5 + 30 + 300.
		name: "square loop goes the short way",
		draw: func(d *drawing) {
			d.way("loop", nil, orb.Point{0, 0}, orb.Point{100, 0}, orb.Point{100, 100}, orb.Point{0, 100}, orb.Point{0, 0})
			d.site("s1", false, square(-10, -10, 0, 0)...)
			d.building("b1", 50, square(60, -25, 80, -5)...)
			d.entrance("e1", orb.Point{70, -5})
		},
		rainFactor: 4,
		dry:        wantRoute{"s1", 75, 75},
		wet:        wantRoute{"s1", 75, 75},
	}, {
		// Two ways from the door to the site: straight (100 m) and round
		// by a parallel path (30 + 100 + 30 m).
		name: "site reachable two ways takes the straight one",
		draw: twoWays(nil, nil),
		dry:  wantRoute{"s1", 100, 100}, wet: wantRoute{"s1", 100, 100}, rainFactor: 4,
	}, {
		name: "access=no closes the straight way",
		draw: twoWays(map[string]string{"access": "no"}, nil),
		dry:  wantRoute{"s1", 160, 160}, wet: wantRoute{"s1", 160, 160}, rainFactor: 4,
	}, {
		name: "foot=yes reopens an access=no way",
		draw: twoWays(map[string]string{"access": "no", "foot": "yes"}, nil),
		dry:  wantRoute{"s1", 100, 100}, wet: wantRoute{"s1", 100, 100}, rainFactor: 4,
	}, {
		// In the rain the 160 m covered way costs 160 and the open 100 m
		// costs 400: wet walks further to stay dry.
		name: "wet takes the longer covered way",
		draw: twoWays(nil, map[string]string{"covered": "yes"}),
		dry:  wantRoute{"s1", 100, 100}, wet: wantRoute{"s1", 160, 0}, rainFactor: 4,
	}, {
		// With a rain factor of 1.5 the open way costs 150 < 160.
		name: "a light rain factor keeps the short open way",
		draw: twoWays(nil, map[string]string{"covered": "yes"}),
		dry:  wantRoute{"s1", 100, 100}, wet: wantRoute{"s1", 100, 100}, rainFactor: 1.5,
	}, {
		name: "building passage and arcade count as shelter",
		draw: func(d *drawing) {
			twoWays(nil, map[string]string{"tunnel": "building_passage"})(d)
			d.way("arcade", map[string]string{"covered": "arcade"}, orb.Point{0, 0}, orb.Point{0, -30}, orb.Point{100, -30}, orb.Point{100, 0})
		},
		dry: wantRoute{"s1", 100, 100}, wet: wantRoute{"s1", 160, 0}, rainFactor: 4,
	}, {
		// The door is 5 m off the middle of a 100 m way and the site's
		// nearest corner 10 m past its end: both joins count as walked,
		// uncovered metres.
		name: "connectors to the door and the site are walked",
		draw: func(d *drawing) {
			d.way("w1", map[string]string{"covered": "yes"}, orb.Point{0, 0}, orb.Point{100, 0})
			d.building("b1", 50, square(40, -25, 60, -5)...)
			d.entrance("e1", orb.Point{50, -5})
			d.site("s1", true, orb.Point{110, 0}, orb.Point{120, -5}, orb.Point{130, 0}, orb.Point{120, 5})
		},
		rainFactor: 4,
		dry:        wantRoute{"s1", 65, 15},
		wet:        wantRoute{"s1", 65, 15},
	}, {
		// No entrance mapped: the door is inferred at the outline's point
		// nearest a walkway (the diamond's top corner, 10 m below it).
		name: "inferred door at the nearest corner",
		draw: func(d *drawing) {
			d.way("w1", nil, orb.Point{0, 0}, orb.Point{100, 0})
			d.site("s1", false, square(-10, -10, 0, 0)...)
			d.building("b1", 50, orb.Point{50, -30}, orb.Point{60, -20}, orb.Point{50, -10}, orb.Point{40, -20})
		},
		rainFactor: 4,
		dry:        wantRoute{"s1", 60, 60},
		wet:        wantRoute{"s1", 60, 60},
	}, {
		// Two sites: the nearer is open, the farther sheltered. Dry goes
		// to the nearer; wet may use only the sheltered one.
		name: "wet uses only sheltered sites",
		draw: func(d *drawing) {
			d.way("w1", nil, orb.Point{0, 0}, orb.Point{200, 0})
			d.site("open", false, square(-10, -10, 0, 0)...)
			d.site("roof", true, square(200, -10, 210, 0)...)
			d.building("b1", 50, square(40, -20, 60, 0)...)
			d.entrance("e1", orb.Point{50, 0})
		},
		rainFactor: 4,
		dry:        wantRoute{"open", 50, 50},
		wet:        wantRoute{"roof", 150, 150},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := drawAt(testOrigin)
			tt.draw(d)
			pl := d.plan(t, tt.rainFactor)
			for _, v := range []struct {
				v    Variant
				want wantRoute
			}{{Dry, tt.dry}, {Wet, tt.wet}} {
				vp := variant(t, pl, v.v)
				to := toRoutes(vp)
				if len(to) != 1 {
					t.Fatalf("%s: %d routes to a site, want 1 (warnings: %q)", v.v, len(to), pl.Warnings)
				}
				r := to[0]
				length, uncovered := walkway(t, r)
				got := wantRoute{r.Site.ID, length, uncovered}
				if got.site != v.want.site || math.Abs(got.length-v.want.length) > 0.01 || math.Abs(got.uncovered-v.want.uncovered) > 0.01 {
					t.Errorf("Route(%q, %s) = %+v, want %+v", r.Building.ID, v.v, got, v.want)
				}
				if l := planar.Length(r.Path); math.Abs(l-r.Length) > 1e-6 {
					t.Errorf("Route(%q, %s): path is %.3f m long, Length %.3f", r.Building.ID, v.v, l, r.Length)
				}
			}
		})
	}
}

// toRoutes are a variant's routes from doors to sites.
func toRoutes(vp *VariantPlan) []*Route {
	var out []*Route
	for _, r := range vp.Routes {
		if r.Direction == "to" {
			out = append(out, r)
		}
	}
	return out
}

// walkway returns the length and uncovered metres of a route's walk along
// the network to where its site joins it (what routing decides), leaving
// out any last leg inside the site to where its queue line starts (what
// the site's layout decides); it checks such a leg ends inside the site.
func walkway(t *testing.T, r *Route) (length, uncovered float64) {
	t.Helper()
	n := len(r.Path)
	if n == 0 {
		t.Fatalf("Route(%q, %s): empty path", r.Building.ID, r.Variant)
	}
	end := r.Path[n-1]
	if dist(end, r.Site.Entry) < 0.01 {
		return r.Length, r.Uncovered
	}
	if n < 2 || dist(r.Path[n-2], r.Site.Entry) > 0.01 {
		t.Fatalf("Route(%q, %s) ends at %v, neither where site %s joins the walkways (%v) nor a step from there", r.Building.ID, r.Variant, end, r.Site.ID, r.Site.Entry)
	}
	if d := distToMultiPolygon(orb.MultiPolygon{r.Site.Plane}, end); d > 0.01 {
		t.Errorf("Route(%q, %s) ends %.2f m outside its site %s", r.Building.ID, r.Variant, d, r.Site.ID)
	}
	leg := dist(r.Path[n-2], end)
	length, uncovered = r.Length-leg, r.Uncovered
	if !r.Site.Sheltered {
		uncovered -= leg
	}
	return length, uncovered
}

// twoWays draws a door at (0, 0) and a site at (100, 0) joined by a
// straight way with tags straight, and a way round by y = 30 with tags
// round.
func twoWays(straight, round map[string]string) func(d *drawing) {
	return func(d *drawing) {
		d.way("straight", straight, orb.Point{0, 0}, orb.Point{100, 0})
		d.way("round", round, orb.Point{0, 0}, orb.Point{0, 30}, orb.Point{100, 30}, orb.Point{100, 0})
		d.building("b1", 50, square(-20, -10, 0, 10)...)
		d.entrance("e1", orb.Point{0, 0})
		d.site("s1", true, orb.Point{100, 0}, orb.Point{110, -10}, orb.Point{120, 0}, orb.Point{110, 10})
	}
}

// A graphCase is a random walkway grid drawn as a compound file, with what
// the test knows of it independently of the planner: the lon/lat of every
// vertex, the walkable edges, and which vertex each door and site is at.
type graphCase struct {
	d          *drawing
	vertices   []orb.Point // lon/lat, as written to the file
	edges      []graphEdge // walkable edges only
	buildings  map[string]int
	sites      map[string]int
	sheltered  map[string]bool
	rainFactor float64
}

type graphEdge struct {
	a, b    int
	covered bool
}

// randomGraph draws a jittered nx x ny grid of walkways, some edges
// missing, some covered, some closed with access=no, grouped into ways of
// one to several edges that share their end vertices. Doors stand exactly
// on grid vertices (each building just beside its door) and sites touch
// the grid at one vertex on its west or east side, so every join to the
// network is of zero length and the true distances are those of the grid.
// It returns nil when no vertex of the west or east side is walkable.
func randomGraph(seed int64) *graphCase {
	rng := rand.New(rand.NewSource(seed))
	nx, ny := 2+rng.Intn(5), 2+rng.Intn(5)
	sx, sy := 30+50*rng.Float64(), 30+50*rng.Float64()
	g := &graphCase{d: drawAt(testOrigin), buildings: map[string]int{}, sites: map[string]int{}, sheltered: map[string]bool{}}
	g.rainFactor = []float64{1, 2.5, 4, 10}[rng.Intn(4)]
	plane := make([]orb.Point, nx*ny)
	id := func(i, j int) int { return j*nx + i }
	for j := 0; j < ny; j++ {
		for i := 0; i < nx; i++ {
			plane[id(i, j)] = orb.Point{float64(i)*sx + (rng.Float64()-0.5)*0.3*sx, float64(j)*sy + (rng.Float64()-0.5)*0.3*sy}
		}
	}
	g.vertices = make([]orb.Point, len(plane))
	for i, p := range plane {
		g.vertices[i] = g.d.ll(p)
	}
	// Lines of the grid: rows then columns, as vertex sequences.
	var lines [][]int
	for j := 0; j < ny; j++ {
		var l []int
		for i := 0; i < nx; i++ {
			l = append(l, id(i, j))
		}
		lines = append(lines, l)
	}
	for i := 0; i < nx; i++ {
		var l []int
		for j := 0; j < ny; j++ {
			l = append(l, id(i, j))
		}
		lines = append(lines, l)
	}
	type edgeTags struct{ present, covered, closed bool }
	nway := 0
	for _, l := range lines {
		tags := make([]edgeTags, len(l)-1)
		for k := range tags {
			tags[k] = edgeTags{rng.Float64() < 0.85, rng.Float64() < 0.3, rng.Float64() < 0.08}
		}
		// Cut the line into ways of like edges, sometimes also where
		// nothing changes.
		for k := 0; k < len(tags); {
			if !tags[k].present {
				k++
				continue
			}
			end := k + 1
			for end < len(tags) && tags[end] == tags[k] && rng.Float64() < 0.6 {
				end++
			}
			pts := make([]orb.Point, 0, end-k+1)
			for m := k; m <= end; m++ {
				pts = append(pts, plane[l[m]])
			}
			wt := map[string]string{}
			if tags[k].covered {
				wt["covered"] = "yes"
			}
			if tags[k].closed {
				wt["access"] = "no"
			} else {
				for m := k; m < end; m++ {
					g.edges = append(g.edges, graphEdge{l[m], l[m+1], tags[k].covered})
				}
			}
			nway++
			g.d.way(fmt.Sprintf("w%d", nway), wt, pts...)
			k = end
		}
	}
	// Doors and sites stand only at vertices that a walkable edge reaches:
	// anywhere else they would join the nearest walkway by a connector,
	// which this test does not model (TestRouteHandWorked checks those).
	onNet := map[int]bool{}
	for _, e := range g.edges {
		onNet[e.a], onNet[e.b] = true, true
	}
	// Sites on the west and east columns, each a diamond whose inner
	// corner is the grid vertex.
	var side []int
	for j := 0; j < ny; j++ {
		for _, v := range []int{id(0, j), id(nx-1, j)} {
			if onNet[v] {
				side = append(side, v)
			}
		}
	}
	if len(side) == 0 {
		return nil
	}
	rng.Shuffle(len(side), func(a, b int) { side[a], side[b] = side[b], side[a] })
	for k, v := range side[:1+rng.Intn(min(3, len(side)))] {
		p, dir := plane[v], -1.0
		if v%nx == nx-1 {
			dir = 1
		}
		name := fmt.Sprintf("s%d", k+1)
		sh := rng.Float64() < 0.4
		g.sites[name], g.sheltered[name] = v, sh
		const h = 15 // half the diamond's width: room for desks and a line
		corners := []orb.Point{p, {p[0] + dir*h, p[1] - h}, {p[0] + dir*2*h, p[1]}, {p[0] + dir*h, p[1] + h}}
		if dir < 0 { // keep the ring counter-clockwise
			corners = []orb.Point{p, {p[0] + dir*h, p[1] + h}, {p[0] + dir*2*h, p[1]}, {p[0] + dir*h, p[1] - h}}
		}
		g.d.site(name, sh, corners...)
	}
	// Buildings: a 6 m square 2 m off the vertex, toward the grid's inside.
	var doors []int
	for _, v := range rng.Perm(len(plane)) {
		if onNet[v] {
			doors = append(doors, v)
		}
	}
	for k, v := range doors[:1+rng.Intn(min(8, len(doors)))] {
		p := plane[v]
		qx := 1.0
		if v%nx == nx-1 {
			qx = -1
		}
		name := fmt.Sprintf("b%d", k+1)
		g.buildings[name] = v
		x0, x1 := p[0]+qx*2, p[0]+qx*8
		g.d.building(name, 10+rng.Intn(200), square(math.Min(x0, x1), p[1]+2, math.Max(x0, x1), p[1]+8)...)
		g.d.entrance("e-"+name, p)
	}
	return g
}

// floydWarshall returns all-pairs least costs over the grid's walkable
// edges, each edge weighing its geodesic length, uncovered metres times
// rainFactor in the wet; and the geodesic length of the cheapest way.
func (g *graphCase) floydWarshall(v Variant) (cost, length [][]float64) {
	n := len(g.vertices)
	cost, length = make([][]float64, n), make([][]float64, n)
	for i := range cost {
		cost[i], length[i] = make([]float64, n), make([]float64, n)
		for j := range cost[i] {
			if i != j {
				cost[i][j], length[i][j] = math.Inf(1), math.Inf(1)
			}
		}
	}
	for _, e := range g.edges {
		l := vincenty(g.vertices[e.a], g.vertices[e.b])
		c := l
		if v == Wet && !e.covered {
			c *= g.rainFactor
		}
		if c < cost[e.a][e.b] {
			cost[e.a][e.b], cost[e.b][e.a] = c, c
			length[e.a][e.b], length[e.b][e.a] = l, l
		}
	}
	for k := 0; k < n; k++ {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				if c := cost[i][k] + cost[k][j]; c < cost[i][j] {
					cost[i][j] = c
					length[i][j] = length[i][k] + length[k][j]
				}
			}
		}
	}
	return cost, length
}

// TestRouteLengthsFloydWarshall plans random walkway grids and checks, for
// both weathers, that every route from a door walks the least-cost way to
// its site: its walkway part costs what Floyd-Warshall on geodesic edge
// lengths says, and, dry, is that long. Which site a building gets is the
// assignment's business (capacitated); that every building with a
// reachable site gets one, and no other, is checked here. A route's drawn
// line must be as long as its Length, in lon/lat too, and the plan file
// must say the same length.
func TestRouteLengthsFloydWarshall(t *testing.T) {
	planned := 0
	for seed := int64(1); planned < 200; seed++ {
		g := randomGraph(seed)
		if g == nil {
			continue
		}
		planned++
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			pl := g.d.plan(t, g.rainFactor)
			c := pl.Compound
			for _, v := range []Variant{Dry, Wet} {
				cost, length := g.floydWarshall(v)
				vp := variant(t, pl, v)
				routes := map[string]*Route{}
				for _, r := range toRoutes(vp) {
					if routes[r.Building.ID] != nil {
						t.Errorf("%s: building %s has two routes from its one door", v, r.Building.ID)
					}
					routes[r.Building.ID] = r
				}
				for b, bv := range g.buildings {
					reachable := false
					for _, s := range vp.Sites {
						if !math.IsInf(cost[bv][g.sites[s.ID]], 1) {
							reachable = true
						}
					}
					r := routes[b]
					if !reachable {
						if r != nil {
							t.Errorf("Route(%q, %s) = to %s, %.2f m, want none: no site of the variant is reachable", b, v, r.Site.ID, r.Length)
						}
						continue
					}
					if r == nil {
						t.Errorf("Route(%q, %s) = none, want one: a site is reachable (warnings %q)", b, v, pl.Warnings)
						continue
					}
					sv, ok := g.sites[r.Site.ID]
					if !ok {
						t.Fatalf("Route(%q, %s) goes to %s, which the test did not draw", b, v, r.Site.ID)
					}
					want := cost[bv][sv]
					tol := 0.02 + 1e-4*want
					walked, uncovered := walkway(t, r)
					got := walked
					if v == Wet {
						got = walked - uncovered + g.rainFactor*uncovered
					}
					if math.Abs(got-want) > tol {
						t.Errorf("Route(%q, %s) cost to %s = %.3f, want %.3f (Floyd-Warshall)", b, v, r.Site.ID, got, want)
					}
					if v == Dry && math.Abs(walked-length[bv][sv]) > tol {
						t.Errorf("Route(%q, %s) walkway length to %s = %.3f, want %.3f (Floyd-Warshall)", b, v, r.Site.ID, walked, length[bv][sv])
					}
					if l := lineLengthGeodesic(c.Proj.LineLonLat(r.Path)); math.Abs(l-r.Length) > tol {
						t.Errorf("Route(%q, %s): drawn line is %.3f m, Length %.3f", b, v, l, r.Length)
					}
					if uncovered < -1e-6 || r.Uncovered > r.Length+1e-6 {
						t.Errorf("Route(%q, %s): uncovered %.3f of %.3f m", b, v, r.Uncovered, r.Length)
					}
					if d := vincenty(c.Proj.ToLonLat(r.Path[0]), g.vertices[bv]); d > 0.01 {
						t.Errorf("Route(%q, %s) starts %.3f m from its door", b, v, d)
					}
					if d := vincenty(c.Proj.ToLonLat(r.Site.Entry), g.vertices[sv]); d > 0.01 {
						t.Errorf("site %s joins the walkways %.3f m from the vertex it touches", r.Site.ID, d)
					}
				}
			}
			// The plan file has a route feature for each way there, with
			// the same length rounded to 0.1 m, drawn as a valid LineString.
			features := map[Variant]int{}
			for _, f := range pl.FeatureCollection().Features {
				if f.Properties["natq:kind"] != "route" {
					continue
				}
				b, _ := f.Properties["natq:building"].(string)
				if ls, ok := f.Geometry.(orb.LineString); !ok || len(ls) < 2 {
					t.Errorf("route feature for %s (%v): geometry %#v, want a LineString of 2 or more positions (RFC 7946 3.1.4)", b, f.Properties["natq:direction"], f.Geometry)
				}
				if f.Properties["natq:direction"] != "to" {
					continue
				}
				v := Variant(f.Properties["natq:variant"].(string))
				features[v]++
				for _, r := range toRoutes(variant(t, pl, v)) {
					if r.Building.ID == b {
						if got, want := f.Properties["natq:length_m"], math.Round(r.Length*10)/10; got != want {
							t.Errorf("route feature for %s: natq:length_m = %v, want %v", b, got, want)
						}
					}
				}
			}
			for _, v := range []Variant{Dry, Wet} {
				if got, want := features[v], len(toRoutes(variant(t, pl, v))); got != want {
					t.Errorf("plan file has %d %s route features to sites, want %d", got, v, want)
				}
			}
		})
	}
}

// TestPlanCrashFixture plans the random grid whose mix of open and
// sheltered sites crashed the wet assignment (index out of range [-1] in
// assignProblem.improve) after 9157130.
func TestPlanCrashFixture(t *testing.T) {
	data, err := os.ReadFile("testdata/crash-wet-assign.geojson")
	if err != nil {
		t.Fatal(err)
	}
	src, err := Read("crash-wet-assign.geojson", data)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := src.Compounds(Selection{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rf := range []float64{1, 4} {
		p := testParams()
		p.RainFactor = rf
		if _, err := Make(cs[0], p); err != nil {
			t.Errorf("Make(crash-wet-assign, rain factor %g) = %v", rf, err)
		}
	}
}
