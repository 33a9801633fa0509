package planner

import (
	"math"

	"github.com/paulmach/orb"

	"natq/planner/planfile"
)

// A Projection maps lon/lat to a local plane in true metres (x east, y
// north) around an origin: the plan file's (planfile.Projection), so that
// the planner measures on the plane every reader of its plans draws on.
type Projection = planfile.Projection

// NewProjection returns the local plane around origin (lon, lat).
func NewProjection(origin orb.Point) Projection { return planfile.NewProjection(origin) }

// Plane geometry helpers. All take plane (metre) coordinates.

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// closestOnSegment returns the point of segment ab nearest to p and its
// parameter t in [0,1] along ab.
func closestOnSegment(p, a, b orb.Point) (orb.Point, float64) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return a, 0
	}
	t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / l2
	t = math.Max(0, math.Min(1, t))
	return orb.Point{a[0] + t*dx, a[1] + t*dy}, t
}

func lineLength(ls orb.LineString) float64 {
	var s float64
	for i := 1; i < len(ls); i++ {
		s += dist(ls[i-1], ls[i])
	}
	return s
}

// ringArea is the signed area (positive counter-clockwise) of a ring.
func ringArea(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

// polygonArea is the area of a plane polygon, holes subtracted.
func polygonArea(pg orb.Polygon) float64 {
	var a float64
	for i, r := range pg {
		if i == 0 {
			a += math.Abs(ringArea(r))
		} else {
			a -= math.Abs(ringArea(r))
		}
	}
	return a
}

func multiPolygonArea(mp orb.MultiPolygon) float64 {
	var a float64
	for _, pg := range mp {
		a += polygonArea(pg)
	}
	return a
}

// ringContains reports whether p is inside ring r (even-odd rule).
func ringContains(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) &&
			p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

func polygonContains(pg orb.Polygon, p orb.Point) bool {
	if len(pg) == 0 || !ringContains(pg[0], p) {
		return false
	}
	for _, h := range pg[1:] {
		if ringContains(h, p) {
			return false
		}
	}
	return true
}

func multiPolygonContains(mp orb.MultiPolygon, p orb.Point) bool {
	for _, pg := range mp {
		if polygonContains(pg, p) {
			return true
		}
	}
	return false
}

// distToRing is the distance from p to the outline of r, and the nearest
// point on it.
func distToRing(r orb.Ring, p orb.Point) (float64, orb.Point) {
	best, bp := math.Inf(1), orb.Point{}
	for i := 0; i+1 < len(r); i++ {
		q, _ := closestOnSegment(p, r[i], r[i+1])
		if d := dist(p, q); d < best {
			best, bp = d, q
		}
	}
	return best, bp
}

// distToMultiPolygon is the distance from p to mp: 0 inside, else to the
// nearest outline.
func distToMultiPolygon(mp orb.MultiPolygon, p orb.Point) float64 {
	if multiPolygonContains(mp, p) {
		return 0
	}
	best := math.Inf(1)
	for _, pg := range mp {
		for _, r := range pg {
			if d, _ := distToRing(r, p); d < best {
				best = d
			}
		}
	}
	return best
}

// segmentsCross reports whether segments ab and cd properly cross or touch
// at a point other than shared endpoints.
func segmentsCross(a, b, c, d orb.Point) bool {
	o := func(p, q, r orb.Point) float64 {
		return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0])
	}
	d1, d2, d3, d4 := o(c, d, a), o(c, d, b), o(a, b, c), o(a, b, d)
	return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
}

// selfIntersection returns the indexes of two non-adjacent edges of r that
// cross, or -1, -1.
func selfIntersection(r orb.Ring) (int, int) {
	n := len(r) - 1 // closed ring: last == first
	for i := 0; i < n; i++ {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // adjacent through the closing vertex
			}
			if segmentsCross(r[i], r[i+1], r[j], r[j+1]) {
				return i, j
			}
		}
	}
	return -1, -1
}

func centroid(mp orb.MultiPolygon) orb.Point {
	var cx, cy, aa float64
	for _, pg := range mp {
		if len(pg) == 0 {
			continue
		}
		r := pg[0]
		for i := 0; i+1 < len(r); i++ {
			c := r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
			cx += (r[i][0] + r[i+1][0]) * c
			cy += (r[i][1] + r[i+1][1]) * c
			aa += c
		}
	}
	if aa == 0 {
		b := mp.Bound()
		return b.Center()
	}
	return orb.Point{cx / (3 * aa), cy / (3 * aa)}
}
