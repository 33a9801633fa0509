package sheets

import (
	"math"

	"github.com/paulmach/orb"
)

// projection maps lon/lat to a local plane in true metres around an
// origin: x = dlon*(pi/180)*N*cos(lat0), y = dlat*(pi/180)*M, with N and M
// the WGS84 radii of curvature at lat0. Within a compound (a few hundred
// metres) it is exact to millimetres, unlike web Mercator, which is 17%
// long at Shanghai's latitude.
type projection struct {
	lon0, lat0 float64
	kx, ky     float64 // metres per degree
}

func newProjection(origin orb.Point) projection {
	const a = 6378137.0
	const e2 = 0.00669437999014
	phi := origin[1] * math.Pi / 180
	s := math.Sin(phi)
	w := 1 - e2*s*s
	n := a / math.Sqrt(w)
	m := a * (1 - e2) / (w * math.Sqrt(w))
	return projection{
		lon0: origin[0], lat0: origin[1],
		kx: math.Pi / 180 * n * math.Cos(phi),
		ky: math.Pi / 180 * m,
	}
}

func (pr projection) point(p orb.Point) orb.Point {
	return orb.Point{(p[0] - pr.lon0) * pr.kx, (p[1] - pr.lat0) * pr.ky}
}

// inverse maps local metres back to lon/lat.
func (pr projection) inverse(p orb.Point) orb.Point {
	return orb.Point{pr.lon0 + p[0]/pr.kx, pr.lat0 + p[1]/pr.ky}
}

func (pr projection) points(ps []orb.Point) []orb.Point {
	out := make([]orb.Point, len(ps))
	for i, p := range ps {
		out[i] = pr.point(p)
	}
	return out
}

func (pr projection) geometry(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		return pr.point(g)
	case orb.MultiPoint:
		return orb.MultiPoint(pr.points(g))
	case orb.LineString:
		return orb.LineString(pr.points(g))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = pr.points(l)
		}
		return out
	case orb.Ring:
		return orb.Ring(pr.points(g))
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = pr.points(r)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, poly := range g {
			out[i] = pr.geometry(poly).(orb.Polygon)
		}
		return out
	}
	return g
}
