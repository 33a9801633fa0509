package planfile

import (
	"math"

	"github.com/paulmach/orb"
)

// WGS84 ellipsoid.
const (
	wgs84A  = 6378137.0
	wgs84E2 = 0.00669437999014
)

// A Projection maps lon/lat to a local plane in true metres (x east, y
// north) around an origin. It uses the ellipsoid's radii of curvature at
// the origin, so distances within a few kilometres are right to a few
// parts in 10^5; orb's Web Mercator would make them 17% long at
// Shanghai's latitude, and a spherical equirectangular plane 0.5% off.
type Projection struct {
	origin orb.Point
	kx, ky float64 // metres per degree of longitude, latitude
}

// NewProjection returns the local plane around origin (lon, lat).
func NewProjection(origin orb.Point) Projection {
	phi := origin[1] * math.Pi / 180
	s := math.Sin(phi)
	w := 1 - wgs84E2*s*s
	n := wgs84A / math.Sqrt(w)                       // prime vertical radius
	m := wgs84A * (1 - wgs84E2) / (w * math.Sqrt(w)) // meridional radius
	return Projection{
		origin: origin,
		kx:     n * math.Cos(phi) * math.Pi / 180,
		ky:     m * math.Pi / 180,
	}
}

// ToPlane maps a lon/lat point to metres east and north of the origin.
func (p Projection) ToPlane(q orb.Point) orb.Point {
	return orb.Point{(q[0] - p.origin[0]) * p.kx, (q[1] - p.origin[1]) * p.ky}
}

// ToLonLat is the inverse of ToPlane.
func (p Projection) ToLonLat(q orb.Point) orb.Point {
	return orb.Point{p.origin[0] + q[0]/p.kx, p.origin[1] + q[1]/p.ky}
}

func mapPoints(ps []orb.Point, f func(orb.Point) orb.Point) []orb.Point {
	if ps == nil {
		return nil
	}
	out := make([]orb.Point, len(ps))
	for i, q := range ps {
		out[i] = f(q)
	}
	return out
}

// Line maps a lon/lat line string to the plane.
func (p Projection) Line(ls orb.LineString) orb.LineString { return mapPoints(ls, p.ToPlane) }

// LineLonLat maps a plane line string back to lon/lat.
func (p Projection) LineLonLat(ls orb.LineString) orb.LineString { return mapPoints(ls, p.ToLonLat) }

// Ring maps a lon/lat ring to the plane.
func (p Projection) Ring(r orb.Ring) orb.Ring { return mapPoints(r, p.ToPlane) }

// Polygon maps a lon/lat polygon to the plane.
func (p Projection) Polygon(pg orb.Polygon) orb.Polygon { return mapPolygon(pg, p.ToPlane) }

// PolygonLonLat maps a plane polygon back to lon/lat.
func (p Projection) PolygonLonLat(pg orb.Polygon) orb.Polygon { return mapPolygon(pg, p.ToLonLat) }

// MultiPolygon maps a lon/lat multipolygon to the plane.
func (p Projection) MultiPolygon(mp orb.MultiPolygon) orb.MultiPolygon {
	if mp == nil {
		return nil
	}
	out := make(orb.MultiPolygon, len(mp))
	for i, pg := range mp {
		out[i] = p.Polygon(pg)
	}
	return out
}

func mapPolygon(pg orb.Polygon, f func(orb.Point) orb.Point) orb.Polygon {
	if pg == nil {
		return nil
	}
	out := make(orb.Polygon, len(pg))
	for i, r := range pg {
		out[i] = mapPoints(r, f)
	}
	return out
}

// Bound is the lon/lat extent of every geometry in the file.
func (f *File) Bound() orb.Bound {
	var b orb.Bound
	first := true
	add := func(g orb.Geometry) {
		if first {
			b, first = g.Bound(), false
		} else {
			b = b.Union(g.Bound())
		}
	}
	f.eachGeometry(add)
	return b
}

// Projection is the plan's local plane: true metres around the middle of
// everything in the file.
func (f *File) Projection() Projection { return NewProjection(f.Bound().Center()) }

// eachGeometry calls fn with every geometry of the file, in file order of
// kinds.
func (f *File) eachGeometry(fn func(orb.Geometry)) {
	for _, b := range f.Buildings {
		fn(b.Outline)
	}
	for _, e := range f.Entrances {
		fn(e.At)
	}
	for _, g := range f.Gates {
		fn(g.At)
	}
	for _, s := range f.Sites {
		if s.Area != nil {
			fn(s.Area)
		}
		for _, d := range s.DeskAt {
			fn(d)
		}
		if s.Entry != nil {
			fn(*s.Entry)
		}
		if s.Exit != nil {
			fn(*s.Exit)
		}
		if s.Line != nil {
			fn(s.Line)
		}
		if s.Markers != nil {
			fn(orb.MultiPoint(s.Markers))
		}
	}
	for _, p := range f.Posts {
		fn(p.At)
	}
	for _, v := range f.Visits {
		fn(v.Path)
	}
	for _, r := range f.Routes {
		fn(r.Path)
	}
}

// Projected is a copy of f with every geometry on the plane of p (metres,
// x east, y north), for readers that measure and draw.
func (f *File) Projected(p Projection) *File {
	out := *f
	out.Buildings = make([]*Building, len(f.Buildings))
	for i, b := range f.Buildings {
		c := *b
		c.Outline = p.MultiPolygon(b.Outline)
		out.Buildings[i] = &c
	}
	out.Entrances = make([]Entrance, len(f.Entrances))
	for i, e := range f.Entrances {
		e.At = p.ToPlane(e.At)
		out.Entrances[i] = e
	}
	out.Gates = make([]Gate, len(f.Gates))
	for i, g := range f.Gates {
		g.At = p.ToPlane(g.At)
		out.Gates[i] = g
	}
	pt := func(q *orb.Point) *orb.Point {
		if q == nil {
			return nil
		}
		r := p.ToPlane(*q)
		return &r
	}
	out.Sites = make([]*Site, len(f.Sites))
	for i, s := range f.Sites {
		c := *s
		c.Area = p.Polygon(s.Area)
		c.DeskAt = mapPoints(s.DeskAt, p.ToPlane)
		c.Entry, c.Exit = pt(s.Entry), pt(s.Exit)
		c.Line = p.Line(s.Line)
		c.Markers = mapPoints(s.Markers, p.ToPlane)
		out.Sites[i] = &c
	}
	out.Routes = make([]Route, len(f.Routes))
	for i, r := range f.Routes {
		r.Path = p.Line(r.Path)
		out.Routes[i] = r
	}
	out.Posts = make([]Post, len(f.Posts))
	for i, po := range f.Posts {
		po.At = p.ToPlane(po.At)
		out.Posts[i] = po
	}
	out.Visits = make([]Visit, len(f.Visits))
	for i, v := range f.Visits {
		v.Path = p.Line(v.Path)
		out.Visits[i] = v
	}
	return &out
}
