package planner

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The one-metre rule (一米线) is enforced in this file. A site is set out
// with its desks along one side and a serpentine queue line filling the
// rest, its rows at least Params.Spacing apart; placeMarkers puts a floor
// marker wherever the line is at least Spacing from every marker already
// placed, so no two people in line ever stand closer. The line holds one
// person per marker (at most floor(length / spacing) + 1), and windowCap
// caps every window at that: even if everyone booked into a window comes at
// its first minute, the line holds them all one metre apart.

// Site layout constants, stated in every plan's assumptions.
const (
	// EdgeClearance keeps the queue line this far inside the site's edge.
	EdgeClearance = 0.5
	// DeskPitch is the width of site edge each desk takes, with room to
	// step up to it.
	DeskPitch = 3.0
	// DeskDepth is the strip the desks stand in: a 1 m desk, the sampler
	// behind it, and the exit lane in front along which the sampled leave.
	DeskDepth = 4.0
)

// DeskArea is the site area one desk needs with its entry and exit.
const DeskArea = DeskPitch * DeskDepth

// A Layout is how one site is set out: its desks, the serpentine queue
// line with its floor markers, where the line starts and where the
// sampled leave.
type Layout struct {
	Desks   []orb.Point // plane; room for MaxDesks, the first ones are used
	Line    orb.LineString
	Markers []orb.Point // in line order, marker 1 first
	Start   orb.Point   // where the line starts: the site's entry for walkers
	Exit    orb.Point   // where the sampled leave the desk strip
	Length  float64
	Room    int // desks the site's edge has room for, however many are on hand
}

// MaxDesks is how many desks the site holds.
func (l *Layout) MaxDesks() int { return len(l.Desks) }

// layoutSite sets out site pg (plane) for the given spacing, trying rows
// parallel to each of its long edges both ways round, and keeps the layout
// whose line holds the most people; among near-equals, the one whose line
// starts nearest the entry. A site takes at most maxDesks desks, and its
// line stops once it holds what perDesk people per desk (one window's
// intake) need: a longer line would never fill.
func layoutSite(pg orb.Polygon, entry orb.Point, spacing float64, maxDesks int, perDesk float64) *Layout {
	var angles []float64
	type ed struct{ a, l float64 }
	var eds []ed
	for _, r := range pg[:1] {
		for i := 0; i+1 < len(r); i++ {
			d := orb.Point{r[i+1][0] - r[i][0], r[i+1][1] - r[i][1]}
			eds = append(eds, ed{math.Atan2(d[1], d[0]), math.Hypot(d[0], d[1])})
		}
	}
	sort.Slice(eds, func(i, j int) bool { return eds[i].l > eds[j].l })
	for _, e := range eds {
		a := math.Mod(e.a+2*math.Pi, math.Pi)
		dup := false
		for _, b := range angles {
			if math.Abs(math.Remainder(a-b, math.Pi)) < 0.05 {
				dup = true
			}
		}
		if !dup {
			angles = append(angles, a)
		}
		if len(angles) == 6 {
			break
		}
	}
	var best *Layout
	bestScore := math.Inf(-1)
	for _, a := range angles {
		for _, flip := range []float64{0, math.Pi} {
			l := layoutAt(pg, a+flip, spacing, maxDesks, perDesk)
			if len(l.Desks) == 0 || len(l.Markers) == 0 {
				continue
			}
			// People the line holds, with a small preference for starting
			// near the entry: 1 marker per 10 m of extra walk.
			score := float64(len(l.Markers)) - dist(l.Start, entry)/10
			if score > bestScore {
				best, bestScore = l, score
			}
		}
	}
	if best == nil {
		return &Layout{}
	}
	return best
}

// frame is a rotated coordinate frame: x along the rows, y across them.
type frame struct{ c, s float64 }

func (f frame) to(p orb.Point) orb.Point { return orb.Point{p[0]*f.c + p[1]*f.s, -p[0]*f.s + p[1]*f.c} }
func (f frame) from(p orb.Point) orb.Point {
	return orb.Point{p[0]*f.c - p[1]*f.s, p[0]*f.s + p[1]*f.c}
}

// layoutAt sets out the site with rows at angle a: the desk strip along
// the far (top) side, the serpentine filling the rest from the top down,
// then reversed so that it starts far from the desks and ends at them.
func layoutAt(pg orb.Polygon, a, spacing float64, maxDesks int, perDesk float64) *Layout {
	f := frame{math.Cos(a), math.Sin(a)}
	rp := make(orb.Polygon, len(pg))
	for i, r := range pg {
		rp[i] = make(orb.Ring, len(r))
		for j, p := range r {
			rp[i][j] = f.to(p)
		}
	}
	b := rp.Bound()
	l := &Layout{}

	// Desks: on the longest free stretch of the row 1.5 m inside the top.
	yd := b.Max[1] - EdgeClearance - 1
	deskIv := longest(rowIntervals(rp, yd, EdgeClearance+0.5))
	if deskIv[1]-deskIv[0] < DeskPitch {
		return l
	}
	l.Room = int((deskIv[1] - deskIv[0]) / DeskPitch)
	n := min(maxDesks, l.Room)
	x0 := deskIv[0] + (deskIv[1]-deskIv[0]-float64(n)*DeskPitch)/2
	for i := 0; i < n; i++ {
		l.Desks = append(l.Desks, f.from(orb.Point{x0 + DeskPitch*(float64(i)+0.5), yd}))
	}
	yLane := b.Max[1] - DeskDepth + 1
	l.Exit = f.from(orb.Point{x0 + DeskPitch*float64(n), yLane})

	// Rows, a hair over the spacing apart, so that rounding never brings
	// two rows closer than it.
	step := spacing * 1.0001
	want := int(math.Ceil(float64(n) * perDesk))
	var line orb.LineString
	ok := func(p orb.Point) bool { return clearOf(rp, p, EdgeClearance) && p[1] <= b.Max[1]-DeskDepth+1e-9 }
	for y := b.Max[1] - DeskDepth; y >= b.Min[1]+EdgeClearance; y -= step {
		ivs := rowIntervals(rp, y, EdgeClearance)
		if len(line) == 0 {
			iv := longest(ivs)
			if iv[1]-iv[0] < spacing {
				continue
			}
			line = orb.LineString{{iv[1], y}, {iv[0], y}}
			continue
		}
		prev := line[len(line)-1]
		placed := false
		// The interval reached straight down from the last turn, or else
		// the nearest one reachable in a straight, clear step.
		sort.Slice(ivs, func(i, j int) bool {
			return gapTo(ivs[i], prev[0]) < gapTo(ivs[j], prev[0])
		})
		for _, iv := range ivs {
			if iv[1]-iv[0] < spacing {
				continue
			}
			sx := math.Max(iv[0], math.Min(iv[1], prev[0]))
			st := orb.Point{sx, y}
			if !segmentClear(prev, st, ok) {
				continue
			}
			end := iv[0]
			if sx-iv[0] < iv[1]-sx {
				end = iv[1]
			}
			if math.Abs(end-sx) < spacing {
				continue
			}
			line = append(line, st, orb.Point{end, y})
			placed = true
			break
		}
		if !placed || planar.Length(line) > float64(want+len(line))*spacing {
			break
		}
	}
	if len(line) < 2 {
		return l
	}
	// Reverse: marker 1 is the far end, the line ends at the desks.
	for i, j := 0, len(line)-1; i < j; i, j = i+1, j-1 {
		line[i], line[j] = line[j], line[i]
	}
	for i := range line {
		line[i] = f.from(line[i])
	}
	l.Markers, line = placeMarkers(line, spacing, want)
	l.Line = line
	l.Length = planar.Length(line)
	l.Start = line[0]
	return l
}

func gapTo(iv [2]float64, x float64) float64 {
	switch {
	case x < iv[0]:
		return iv[0] - x
	case x > iv[1]:
		return x - iv[1]
	}
	return 0
}

func longest(ivs [][2]float64) [2]float64 {
	var best [2]float64
	for _, iv := range ivs {
		if iv[1]-iv[0] > best[1]-best[0] {
			best = iv
		}
	}
	return best
}

// rowIntervals gives the stretches of the line y = const that lie inside
// polygon pg at least c from its edges, exactly: the scanline's inside
// intervals less each edge's capsule of radius c.
func rowIntervals(pg orb.Polygon, y, c float64) [][2]float64 {
	var xs []float64
	for _, r := range pg {
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			if (a[1] > y) != (b[1] > y) {
				xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
			}
		}
	}
	sort.Float64s(xs)
	var in [][2]float64
	for i := 0; i+1 < len(xs); i += 2 {
		in = append(in, [2]float64{xs[i], xs[i+1]})
	}
	for _, r := range pg {
		for i := 0; i+1 < len(r); i++ {
			lo, hi, hit := capsuleRow(r[i], r[i+1], y, c)
			if hit {
				in = subtract(in, lo, hi)
			}
		}
	}
	return in
}

// capsuleRow is where the line y = const is within c of segment ab.
func capsuleRow(a, b orb.Point, y, c float64) (lo, hi float64, hit bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	disc := func(p orb.Point) {
		dy := y - p[1]
		if math.Abs(dy) < c {
			h := math.Sqrt(c*c - dy*dy)
			lo, hi = math.Min(lo, p[0]-h), math.Max(hi, p[0]+h)
		}
	}
	disc(a)
	disc(b)
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := math.Hypot(dx, dy)
	if l > 0 {
		// Points (x, y) with projection t in [0, 1] and distance < c to the
		// segment's line: both linear conditions in x.
		ux, uy := dx/l, dy/l
		// t*l = (x-a0)*ux + (y-a1)*uy ; n = -(x-a0)*uy + (y-a1)*ux
		tlo, thi := math.Inf(-1), math.Inf(1)
		tlo, thi = clipLinear(tlo, thi, ux, -a[0]*ux+(y-a[1])*uy, 0, l, 0, 0)
		tlo, thi = clipLinear(tlo, thi, -uy, a[0]*uy+(y-a[1])*ux, -c, c, 0, 0)
		if tlo < thi {
			lo, hi = math.Min(lo, tlo), math.Max(hi, thi)
		}
	}
	return lo, hi, lo < hi
}

func subtract(ivs [][2]float64, lo, hi float64) [][2]float64 {
	var out [][2]float64
	for _, iv := range ivs {
		if hi <= iv[0] || lo >= iv[1] {
			out = append(out, iv)
			continue
		}
		if lo > iv[0] {
			out = append(out, [2]float64{iv[0], lo})
		}
		if hi < iv[1] {
			out = append(out, [2]float64{hi, iv[1]})
		}
	}
	return out
}

// clearOf reports whether p is inside pg and at least c from its edges.
func clearOf(pg orb.Polygon, p orb.Point, c float64) bool {
	if !planar.PolygonContains(pg, p) {
		return false
	}
	return planar.DistanceFrom(pg, p) >= c-1e-9
}

func segmentClear(a, b orb.Point, ok func(orb.Point) bool) bool {
	n := int(dist(a, b)/0.1) + 1
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		if !ok(orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}) {
			return false
		}
	}
	return true
}

// placeMarkers walks the line and puts a marker wherever the walker is at
// least spacing from every marker already placed: consecutive marks along a
// row are exactly spacing apart, and no two marks anywhere (round a turn,
// across rows) come closer. It stops at want marks and returns the line cut
// at the last one.
func placeMarkers(line orb.LineString, spacing float64, want int) ([]orb.Point, orb.LineString) {
	// The marks so far, in a grid of cells at least spacing wide over the
	// line's bounds: a mark closer than spacing to p is in p's cell or
	// one of the eight around it. Each cell holds its last mark, and each
	// mark the one before it in its cell.
	b := line.Bound()
	cell := math.Max(spacing, math.Sqrt((b.Max[0]-b.Min[0])*(b.Max[1]-b.Min[1])/(1<<20)))
	nx := int((b.Max[0]-b.Min[0])/cell) + 1
	ny := int((b.Max[1]-b.Min[1])/cell) + 1
	head := make([]int32, nx*ny)
	var prev []int32
	key := func(p orb.Point) (int, int) {
		x := min(max(int((p[0]-b.Min[0])/cell), 0), nx-1)
		y := min(max(int((p[1]-b.Min[1])/cell), 0), ny-1)
		return x, y
	}
	var out []orb.Point
	// free reports whether p is at least spacing from every mark; when it
	// is not, near is the distance to the nearest mark closer than that.
	free := func(p orb.Point) (ok bool, near float64) {
		kx, ky := key(p)
		near = math.Inf(1)
		for x := max(kx-1, 0); x <= min(kx+1, nx-1); x++ {
			for y := max(ky-1, 0); y <= min(ky+1, ny-1); y++ {
				for m := head[x*ny+y]; m > 0; m = prev[m-1] {
					if d := dist(p, out[m-1]); d < spacing {
						near = math.Min(near, d)
					}
				}
			}
		}
		return math.IsInf(near, 1), near
	}
	put := func(p orb.Point) {
		out = append(out, p)
		kx, ky := key(p)
		prev = append(prev, head[kx*ny+ky])
		head[kx*ny+ky] = int32(len(out)) // marks count from 1: 0 ends a cell's list
	}
	put(line[0])
	const step = 0.05
	for i := 1; i < len(line); i++ {
		a, b := line[i-1], line[i]
		l := dist(a, b)
		for s := 0.0; s <= l; {
			p := orb.Point{a[0] + (b[0]-a[0])*s/l, a[1] + (b[1]-a[1])*s/l}
			ok, near := free(p)
			if ok {
				put(p)
				if len(out) >= want {
					cut := append(append(orb.LineString(nil), line[:i]...), p)
					if dist(cut[len(cut)-2], p) == 0 {
						cut = cut[:len(cut)-1]
					}
					return out, cut
				}
				s += spacing + 1e-6 // the next mark along a straight, never closer than spacing
				continue
			}
			// A step of the walk moves it step metres: the points it
			// would try while it is still closer than spacing to that
			// mark cannot be free. Skip them, taking the same steps, so
			// that the walk stops where it always did.
			s += step
			for j := 1; float64(j)*step < spacing-near-1e-9; j++ {
				s += step
			}
		}
	}
	return out, line
}

// windowCap is one window's capacity at a site with d desks and a line
// with the given markers: what the desks sample in the window, but never
// more than the line holds one metre apart.
func (p Params) windowCap(d, markers int) int {
	c := int(math.Floor(float64(d*p.Rate) * p.Window.Hours()))
	return min(c, markers)
}
