package planner

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"natq/planner/planfile"
)

// A Projection maps lon/lat to a local plane in true metres (x east, y
// north) around an origin: the plan file's (planfile.Projection), so that
// the planner measures on the plane every reader of its plans draws on.
type Projection = planfile.Projection

// NewProjection returns the local plane around origin (lon, lat).
func NewProjection(origin orb.Point) Projection { return planfile.NewProjection(origin) }

// Plane geometry helpers. All take plane (metre) coordinates; orb/planar
// does the rest (areas, centroids, containment, distance to an outline).

// dist is the distance between plane points. It stays math.Hypot, not
// planar.Distance (the root of the sum of squares): the two differ in the
// last bit, enough to move a marker or a desk of a plan, and plans are kept
// the same byte for byte.
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

// ringArea is the signed area (positive counter-clockwise) of a ring;
// planar.Area of a polygon is never negative.
func ringArea(r orb.Ring) float64 { return planar.Area(r) }

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
	if planar.MultiPolygonContains(mp, p) {
		return 0
	}
	return planar.DistanceFrom(mp, p)
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

// centroid is the centre of mass of a plane multipolygon, or its bound's
// centre when it has no area.
func centroid(mp orb.MultiPolygon) orb.Point {
	c, a := planar.CentroidArea(mp)
	if a == 0 {
		return mp.Bound().Center()
	}
	return c
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

// clipLinear narrows [lo, hi] to the t where min <= k*t + m <= max. A k
// of 0 (or within flat of it) puts no bound on t: the interval stays when
// m is within slack of [min, max], and is emptied (1, 0) when it is not.
func clipLinear(lo, hi, k, m, min, max, flat, slack float64) (float64, float64) {
	if k == 0 || math.Abs(k) < flat {
		if m < min-slack || m > max+slack {
			return 1, 0
		}
		return lo, hi
	}
	t1, t2 := (min-m)/k, (max-m)/k
	if t1 > t2 {
		t1, t2 = t2, t1
	}
	return math.Max(lo, t1), math.Min(hi, t2)
}
