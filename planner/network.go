package planner

import (
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// SnapDistance is how close the loose end of a walkway must come to another
// walkway to be joined to it: hand-drawn files rarely put the end exactly
// on the other line.
const SnapDistance = 1.0

// A Network is the walkway graph of a compound in its metric plane. Nodes
// are walkway vertices (one node where walkways share a vertex), entrances,
// site joints and gates; edges are straight pieces of walkway, or the
// connector from an entrance (or a site no walkway comes near) to the
// nearest point of the nearest walkway, which splits that walkway there.
type Network struct {
	pts   []orb.Point
	edges []edge

	// Adjacency in compressed form: node i's edges are adj[off[i]:off[i+1]].
	off []int32
	adj []int32

	comp  []int32 // part index of each node
	Parts []Part
}

type edge struct {
	a, b      int32
	length    float64
	sheltered bool
	way       int32 // index into Compound.Walkways, -1 for a connector
}

func (e *edge) other(n int32) int32 {
	if e.a == n {
		return e.b
	}
	return e.a
}

// A Part is one connected piece of the walkway network.
type Part struct {
	Name      string  // its longest named walkway, or its longest walkway's id
	Walkways  int     // walkways in it
	Metres    float64 // walkway metres (connectors not counted)
	Sheltered float64 // sheltered walkway metres
	Sites     int     // candidate sites that join it
	Main      bool    // the part with the most walkway metres
}

func (p Part) String() string {
	s := fmt.Sprintf("%s: %s, %.0f m", p.Name, count(p.Walkways, "walkway"), p.Metres)
	if p.Sites == 0 {
		s += ", no candidate site"
	}
	return s
}

// joinRequest asks for a point to be joined to the nearest walkway.
type joinRequest struct {
	p    orb.Point // the point to join (plane)
	edge int32     // nearest original edge
	q    orb.Point // nearest point on it
	t    float64   // q's parameter along the edge
	d    float64   // distance p-q
	node *int32    // where to write the joined node
}

// buildNetwork builds c's walkway network and joins its entrances (inferring
// one where a building has none), sites and gates to it.
func buildNetwork(c *Compound) *Network {
	n := &Network{}
	ids := map[[2]int64]int32{}
	nodeAt := func(ll, p orb.Point) int32 {
		k := [2]int64{int64(math.Round(ll[0] * 1e7)), int64(math.Round(ll[1] * 1e7))}
		if i, ok := ids[k]; ok {
			return i
		}
		n.pts = append(n.pts, p)
		ids[k] = int32(len(n.pts) - 1)
		return ids[k]
	}
	for wi, w := range c.Walkways {
		prev := int32(-1)
		for i, ll := range w.Line {
			cur := nodeAt(ll, w.Plane[i])
			if prev >= 0 && prev != cur {
				n.edges = append(n.edges, edge{a: prev, b: cur, length: dist(n.pts[prev], n.pts[cur]), sheltered: w.Sheltered, way: int32(wi)})
			}
			prev = cur
		}
	}
	g := newGrid(n, 20)
	var reqs []*joinRequest

	// Loose ends within SnapDistance of another walkway are joined to it.
	deg := make([]int, len(n.pts))
	for _, e := range n.edges {
		deg[e.a]++
		deg[e.b]++
	}
	for i, d := range deg {
		if d != 1 {
			continue
		}
		node := int32(i)
		if r := g.nearest(n.pts[i], SnapDistance, node); r != nil {
			r.node = new(int32)
			*r.node = -2 - node // marks a snap: connect to node itself
			reqs = append(reqs, r)
		}
	}

	for _, b := range c.Buildings {
		if len(b.Entrances) == 0 {
			var ring orb.Ring
			for _, pg := range b.Plane {
				if ring == nil || math.Abs(ringArea(pg[0])) > math.Abs(ringArea(ring)) {
					ring = pg[0]
				}
			}
			e := &Entrance{ID: b.ID + "-e", Building: b, Inferred: true, node: -1}
			r := g.nearestToRing(ring, math.Inf(1))
			if r == nil { // no walkway at all: put the door at the footprint's centre of the outline
				_, e.Plane = distToRing(ring, centroid(orb.MultiPolygon{{ring}}))
			} else {
				e.Plane = r.p
			}
			e.At = c.Proj.ToLonLat(e.Plane)
			b.Entrances = append(b.Entrances, e)
		}
		for _, e := range b.Entrances {
			if r := g.nearest(e.Plane, MaxJoin, -1); r != nil {
				r.node = &e.node
				reqs = append(reqs, r)
			}
		}
	}
	for _, gt := range c.Gates {
		if r := g.nearest(gt.Plane, MaxJoin, -1); r != nil {
			r.node = &gt.node
			reqs = append(reqs, r)
		}
	}
	n.join(reqs)

	// Sites join the network as the doors split it: a door's point on a
	// walkway by a site is a way in too. Every walkway that touches or
	// nearly touches a site enters it, anywhere along the stretch within
	// SiteJoin of its edge: the stretch's ends and every node on it are
	// joints. A site no walkway comes near joins the nearest one.
	g = newGrid(n, 20)
	reqs = reqs[:0]
	siteReqs := map[*Site][]*joinRequest{}
	for _, s := range c.Sites {
		rs := g.touching(s.Plane, SiteJoin)
		if len(rs) == 0 {
			if r := g.nearestToRing(s.Plane[0], MaxJoin); r != nil {
				if planar.PolygonContains(s.Plane, r.q) {
					r.p, r.d = r.q, 0
				}
				rs = []*joinRequest{r}
			}
		}
		for _, r := range rs {
			r.node = new(int32)
			reqs = append(reqs, r)
		}
		siteReqs[s] = rs
	}
	n.join(reqs)
	for _, s := range c.Sites {
		s.joints = nil
		seen := map[int32]bool{}
		for _, r := range siteReqs[s] {
			if seen[*r.node] {
				continue
			}
			seen[*r.node] = true
			at := n.pts[*r.node] // the point itself, or the node it was merged with
			s.joints = append(s.joints, Joint{At: at, Side: ringSide(s.Plane[0], at), node: *r.node})
		}
		// The nearest joint first: until a plan knows who comes from
		// where, the site is entered there.
		sort.SliceStable(s.joints, func(i, j int) bool {
			return planar.DistanceFrom(s.Plane, s.joints[i].At) < planar.DistanceFrom(s.Plane, s.joints[j].At)
		})
		s.node = -1
		if len(s.joints) > 0 {
			s.node, s.Entry = s.joints[0].node, s.joints[0].At
		}
	}
	n.finish(c)
	return n
}

// SiteJoin is how near a walkway must come to a site's edge to enter it
// there: a square with paths on three sides is entered from all three.
const SiteJoin = 1.0

// A Joint is where a site meets one of its walkways: residents enter and
// leave the site there.
type Joint struct {
	At   orb.Point // plane: on the site's edge, or inside it where a walkway runs in
	Side int       // the site outline's segment it is by (ring index)
	node int32
}

// touching finds where the walkways meet polygon pg or come within
// maxDist of its outline. For each walkway piece and outline segment: the
// piece's point nearest the segment (where it crosses, ends at or passes
// the site); or, where the two run side by side (a path along a square's
// side), the whole stretch beside it, as a resident steps in anywhere
// along it: the stretch's two ends, and every node between them, as the
// doors' joints split the pieces there.
func (g *grid) touching(pg orb.Polygon, maxDist float64) []*joinRequest {
	r := pg[0]
	b := r.Bound()
	box := orb.Bound{Min: orb.Point{b.Min[0] - maxDist, b.Min[1] - maxDist}, Max: orb.Point{b.Max[0] + maxDist, b.Max[1] + maxDist}}
	var eis []int32
	g.visit(box, func(ei int32) { eis = append(eis, ei) })
	sort.Slice(eis, func(i, j int) bool { return eis[i] < eis[j] })
	var out []*joinRequest
	for _, ei := range eis {
		e := &g.n.edges[ei]
		c, d := g.n.pts[e.a], g.n.pts[e.b]
		at := func(t float64) orb.Point { return orb.Point{c[0] + t*(d[0]-c[0]), c[1] + t*(d[1]-c[1])} }
		for i := 0; i+1 < len(r); i++ {
			var ts []float64
			if lo, hi, ok := besideStretch(r[i], r[i+1], c, d, maxDist); ok {
				ts = []float64{lo, hi}
			} else if _, _, t, dd := segSegClosest(r[i], r[i+1], c, d); dd <= maxDist {
				ts = []float64{t}
			}
			for _, t := range ts {
				q := at(t)
				out = append(out, &joinRequest{p: q, edge: ei, q: q, t: t, d: 0})
			}
		}
	}
	return out
}

// besideStretch is the stretch [lo, hi] (parameters along cd) of walkway
// piece cd that runs beside outline segment ab, within maxDist of it, when
// the two are all but parallel (within about a degree).
func besideStretch(a, b, c, d orb.Point, maxDist float64) (lo, hi float64, ok bool) {
	la, lc := dist(a, b), dist(c, d)
	if la < 1e-9 || lc < 1e-9 {
		return 0, 0, false
	}
	u := orb.Point{(b[0] - a[0]) / la, (b[1] - a[1]) / la}
	v := orb.Point{(d[0] - c[0]) / lc, (d[1] - c[1]) / lc}
	if math.Abs(u[0]*v[1]-u[1]*v[0]) > 0.02 {
		return 0, 0, false
	}
	// Along ab (0..la) and across it: both linear in t.
	along := func(t float64) float64 { return (c[0]+t*(d[0]-c[0])-a[0])*u[0] + (c[1]+t*(d[1]-c[1])-a[1])*u[1] }
	across := func(t float64) float64 { return -(c[0]+t*(d[0]-c[0])-a[0])*u[1] + (c[1]+t*(d[1]-c[1])-a[1])*u[0] }
	lo, hi = 0, 1
	clip := func(f func(float64) float64, min, max float64) { // min <= f(t) <= max
		f0 := f(0)
		lo, hi = clipLinear(lo, hi, f(1)-f0, f0, min, max, 1e-12, 1e-9)
	}
	clip(along, 0, la)
	clip(across, -maxDist, maxDist)
	return lo, hi, lo <= hi
}

// ringSide is the index of ring r's segment nearest p.
func ringSide(r orb.Ring, p orb.Point) int {
	best, bd := 0, math.Inf(1)
	for i := 0; i+1 < len(r); i++ {
		q, _ := closestOnSegment(p, r[i], r[i+1])
		if d := dist(p, q); d < bd-1e-9 {
			best, bd = i, d
		}
	}
	return best
}

// join splits each requested edge at its requested points, and connects
// each request's point to its split point.
func (n *Network) join(reqs []*joinRequest) {
	byEdge := map[int32][]*joinRequest{}
	for _, r := range reqs {
		byEdge[r.edge] = append(byEdge[r.edge], r)
	}
	edgeIDs := make([]int32, 0, len(byEdge))
	for e := range byEdge {
		edgeIDs = append(edgeIDs, e)
	}
	sort.Slice(edgeIDs, func(i, j int) bool { return edgeIDs[i] < edgeIDs[j] })
	const eps = 0.01 // metres: closer than this is the same point
	for _, ei := range edgeIDs {
		rs := byEdge[ei]
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].t < rs[j].t })
		orig := n.edges[ei]
		last := orig.a
		var pieces []int32 // split nodes in order along the edge
		for _, r := range rs {
			var at int32
			switch {
			case r.t*orig.length < eps:
				at = orig.a
			case (1-r.t)*orig.length < eps:
				at = orig.b
			case last != orig.a && dist(n.pts[last], r.q) < eps:
				at = last
			default:
				n.pts = append(n.pts, r.q)
				at = int32(len(n.pts) - 1)
				pieces = append(pieces, at)
				last = at
			}
			n.connect(r, at)
		}
		if len(pieces) == 0 {
			continue
		}
		// Replace the edge by its pieces, a - p1 - ... - pk - b.
		chain := append(append([]int32{orig.a}, pieces...), orig.b)
		for i := 1; i < len(chain); i++ {
			e := orig
			e.a, e.b = chain[i-1], chain[i]
			e.length = dist(n.pts[e.a], n.pts[e.b])
			if i == 1 {
				n.edges[ei] = e
			} else {
				n.edges = append(n.edges, e)
			}
		}
	}
}

// connect joins request r's point to node at with a connector edge, and
// records the point's node.
func (n *Network) connect(r *joinRequest, at int32) {
	if *r.node <= -2 { // a loose walkway end: connect that node itself
		end := -2 - *r.node
		n.edges = append(n.edges, edge{a: end, b: at, length: dist(n.pts[end], n.pts[at]), way: -1})
		*r.node = end
		return
	}
	if r.d < 0.01 {
		*r.node = at
		return
	}
	n.pts = append(n.pts, r.p)
	p := int32(len(n.pts) - 1)
	n.edges = append(n.edges, edge{a: p, b: at, length: r.d, way: -1})
	*r.node = p
}

// finish builds the adjacency and finds the network's parts.
func (n *Network) finish(c *Compound) {
	n.off = make([]int32, len(n.pts)+1)
	for _, e := range n.edges {
		n.off[e.a+1]++
		n.off[e.b+1]++
	}
	for i := 1; i < len(n.off); i++ {
		n.off[i] += n.off[i-1]
	}
	n.adj = make([]int32, 2*len(n.edges))
	fill := append([]int32(nil), n.off[:len(n.pts)]...)
	for i, e := range n.edges {
		n.adj[fill[e.a]] = int32(i)
		fill[e.a]++
		n.adj[fill[e.b]] = int32(i)
		fill[e.b]++
	}

	n.comp = make([]int32, len(n.pts))
	for i := range n.comp {
		n.comp[i] = -1
	}
	var stack []int32
	for s := range n.pts {
		if n.comp[s] >= 0 {
			continue
		}
		id := int32(len(n.Parts))
		n.Parts = append(n.Parts, Part{})
		n.comp[s] = id
		stack = append(stack[:0], int32(s))
		for len(stack) > 0 {
			v := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, ei := range n.adj[n.off[v]:n.off[v+1]] {
				w := n.edges[ei].other(v)
				if n.comp[w] < 0 {
					n.comp[w] = id
					stack = append(stack, w)
				}
			}
		}
	}
	// Describe the parts that hold walkways; drop the rest (lone points).
	type acc struct {
		ways        map[int32]bool
		longest     float64
		name        string
		wayLen      map[int32]float64
		metres, shm float64
	}
	accs := make([]acc, len(n.Parts))
	for _, e := range n.edges {
		if e.way < 0 {
			continue
		}
		a := &accs[n.comp[e.a]]
		if a.ways == nil {
			a.ways, a.wayLen = map[int32]bool{}, map[int32]float64{}
		}
		a.ways[e.way] = true
		a.wayLen[e.way] += e.length
		a.metres += e.length
		if e.sheltered {
			a.shm += e.length
		}
	}
	for i := range accs {
		a := &accs[i]
		var bestNamed, bestAny int32 = -1, -1
		for w, l := range a.wayLen {
			if bestAny < 0 || l > a.wayLen[bestAny] || l == a.wayLen[bestAny] && w < bestAny {
				bestAny = w
			}
			if c.Walkways[w].Name != "" && (bestNamed < 0 || l > a.wayLen[bestNamed] || l == a.wayLen[bestNamed] && w < bestNamed) {
				bestNamed = w
			}
		}
		switch {
		case bestNamed >= 0:
			a.name = fmt.Sprintf("%s (%s)", c.Walkways[bestNamed].Name, c.Walkways[bestNamed].ID)
		case bestAny >= 0:
			a.name = fmt.Sprintf("%s %s", c.Walkways[bestAny].Highway, c.Walkways[bestAny].ID)
		}
	}
	for _, s := range c.Sites {
		if s.node >= 0 {
			accs[n.comp[s.node]].longest++ // reuse: count sites
		}
	}
	// Keep parts with walkways, largest first; renumber.
	order := make([]int, 0, len(accs))
	for i := range accs {
		if accs[i].metres > 0 {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return accs[order[i]].metres > accs[order[j]].metres })
	renum := make([]int32, len(accs))
	for i := range renum {
		renum[i] = -1
	}
	parts := make([]Part, len(order))
	for k, i := range order {
		a := accs[i]
		parts[k] = Part{Name: a.name, Walkways: len(a.ways), Metres: a.metres, Sheltered: a.shm, Sites: int(a.longest), Main: k == 0}
		renum[i] = int32(k)
	}
	for i, cp := range n.comp {
		n.comp[i] = renum[cp]
	}
	n.Parts = parts
}

// partOf is the index in Parts of the part holding node v, or -1.
func (n *Network) partOf(v int32) int32 {
	if v < 0 {
		return -1
	}
	return n.comp[v]
}

// A grid indexes the network's edges by square cell, in a dense array over
// the network's extent, for nearest-edge look-ups.
type grid struct {
	n      *Network
	cell   float64
	origin orb.Point
	nx, ny int32
	cells  [][]int32
	stamp  []int32
	gen    int32
}

func newGrid(n *Network, cell float64) *grid {
	g := &grid{n: n, cell: cell, stamp: make([]int32, len(n.edges))}
	if len(n.pts) == 0 {
		return g
	}
	b := orb.MultiPoint(n.pts).Bound()
	g.origin = b.Min
	g.nx = int32(math.Floor((b.Max[0]-b.Min[0])/cell)) + 1
	g.ny = int32(math.Floor((b.Max[1]-b.Min[1])/cell)) + 1
	g.cells = make([][]int32, int(g.nx)*int(g.ny))
	for i, e := range n.edges {
		if e.way < 0 {
			continue // connectors are no walkway to join
		}
		a, b := n.pts[e.a], n.pts[e.b]
		x0, y0 := g.key(orb.Point{math.Min(a[0], b[0]), math.Min(a[1], b[1])})
		x1, y1 := g.key(orb.Point{math.Max(a[0], b[0]), math.Max(a[1], b[1])})
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				k := int(y)*int(g.nx) + int(x)
				g.cells[k] = append(g.cells[k], int32(i))
			}
		}
	}
	return g
}

// key is the cell of p, clamped to the grid.
func (g *grid) key(p orb.Point) (int32, int32) {
	x := int32(max(0, min(float64(g.nx-1), math.Floor((p[0]-g.origin[0])/g.cell))))
	y := int32(max(0, min(float64(g.ny-1), math.Floor((p[1]-g.origin[1])/g.cell))))
	return x, y
}

// visit calls f for each edge whose cells meet the box, once.
func (g *grid) visit(b orb.Bound, f func(int32)) {
	if len(g.cells) == 0 {
		return
	}
	g.gen++
	x0, y0 := g.key(b.Min)
	x1, y1 := g.key(b.Max)
	if int(x1-x0+1)*int(y1-y0+1) > len(g.n.edges) { // a box this big: every edge
		for k := range g.n.edges {
			if g.n.edges[k].way >= 0 {
				f(int32(k))
			}
		}
		return
	}
	for y := y0; y <= y1; y++ {
		row := int(y) * int(g.nx)
		for x := x0; x <= x1; x++ {
			for _, ei := range g.cells[row+int(x)] {
				if g.stamp[ei] != g.gen {
					g.stamp[ei] = g.gen
					f(ei)
				}
			}
		}
	}
}

// nearest finds the nearest point of the network to p within maxDist,
// ignoring edges at node skip. It searches growing boxes so that an
// unbounded search stays cheap when a walkway is near.
func (g *grid) nearest(p orb.Point, maxDist float64, skip int32) *joinRequest {
	var best *joinRequest
	for r := g.cell; ; r *= 2 {
		lim := math.Min(r, maxDist)
		b := orb.Bound{Min: orb.Point{p[0] - lim, p[1] - lim}, Max: orb.Point{p[0] + lim, p[1] + lim}}
		g.visit(b, func(ei int32) {
			e := &g.n.edges[ei]
			if e.a == skip || e.b == skip {
				return
			}
			q, t := closestOnSegment(p, g.n.pts[e.a], g.n.pts[e.b])
			if d := dist(p, q); d <= lim && (best == nil || d < best.d) {
				best = &joinRequest{p: p, edge: ei, q: q, t: t, d: d}
			}
		})
		if best != nil || lim >= maxDist || r > 1e6 {
			return best
		}
	}
}

// nearestToRing finds the point of ring r and the point of the network
// that are nearest each other, within maxDist. The nearest walkway to the
// ring's corners bounds the search; then every outline segment is measured
// against the walkway pieces within that bound.
func (g *grid) nearestToRing(r orb.Ring, maxDist float64) *joinRequest {
	bound := maxDist
	for _, p := range r {
		if j := g.nearest(p, bound, -1); j != nil && j.d < bound {
			bound = j.d
		}
	}
	if math.IsInf(bound, 1) {
		return nil
	}
	var best *joinRequest
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		box := orb.Bound{Min: orb.Point{math.Min(a[0], b[0]) - bound, math.Min(a[1], b[1]) - bound},
			Max: orb.Point{math.Max(a[0], b[0]) + bound, math.Max(a[1], b[1]) + bound}}
		g.visit(box, func(ei int32) {
			e := &g.n.edges[ei]
			p, q, t, d := segSegClosest(a, b, g.n.pts[e.a], g.n.pts[e.b])
			if d <= bound && (best == nil || d < best.d) {
				best = &joinRequest{p: p, edge: ei, q: q, t: t, d: d}
			}
		})
	}
	return best
}

// segSegClosest returns the closest points p on ab and q on cd, q's
// parameter t along cd, and their distance.
func segSegClosest(a, b, c, d orb.Point) (p, q orb.Point, t, dd float64) {
	if segmentsCross(a, b, c, d) {
		// Intersection point along cd.
		den := (b[0]-a[0])*(d[1]-c[1]) - (b[1]-a[1])*(d[0]-c[0])
		u := ((c[0]-a[0])*(b[1]-a[1]) - (c[1]-a[1])*(b[0]-a[0])) / den
		x := orb.Point{c[0] + u*(d[0]-c[0]), c[1] + u*(d[1]-c[1])}
		return x, x, u, 0
	}
	dd = math.Inf(1)
	try := func(pp, qq orb.Point, tt float64) {
		if v := dist(pp, qq); v < dd {
			p, q, t, dd = pp, qq, tt, v
		}
	}
	qa, ta := closestOnSegment(a, c, d)
	try(a, qa, ta)
	qb, tb := closestOnSegment(b, c, d)
	try(b, qb, tb)
	pc, _ := closestOnSegment(c, a, b)
	try(pc, c, 0)
	pd, _ := closestOnSegment(d, a, b)
	try(pd, d, 1)
	return
}
