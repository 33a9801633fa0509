package planfile

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"
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
	out := make([]orb.Point, len(ps))
	for i, q := range ps {
		out[i] = f(q)
	}
	return out
}

// The geometry helpers below apply the projection with orb/project, to
// copies: the caller's geometry is left as it was.

// Line maps a lon/lat line string to the plane.
func (p Projection) Line(ls orb.LineString) orb.LineString {
	return project.LineString(ls.Clone(), p.ToPlane)
}

// LineLonLat maps a plane line string back to lon/lat.
func (p Projection) LineLonLat(ls orb.LineString) orb.LineString {
	return project.LineString(ls.Clone(), p.ToLonLat)
}

// Ring maps a lon/lat ring to the plane.
func (p Projection) Ring(r orb.Ring) orb.Ring { return project.Ring(r.Clone(), p.ToPlane) }

// Polygon maps a lon/lat polygon to the plane.
func (p Projection) Polygon(pg orb.Polygon) orb.Polygon {
	return project.Polygon(pg.Clone(), p.ToPlane)
}

// PolygonLonLat maps a plane polygon back to lon/lat.
func (p Projection) PolygonLonLat(pg orb.Polygon) orb.Polygon {
	return project.Polygon(pg.Clone(), p.ToLonLat)
}

// MultiPolygon maps a lon/lat multipolygon to the plane.
func (p Projection) MultiPolygon(mp orb.MultiPolygon) orb.MultiPolygon {
	return project.MultiPolygon(mp.Clone(), p.ToPlane)
}

// Bound is the lon/lat extent of every geometry in the file.
func (f *File) Bound() orb.Bound { return f.Geometries().Bound() }

// Projection is the plan's local plane: true metres around the middle of
// everything in the file.
func (f *File) Projection() Projection { return NewProjection(f.Bound().Center()) }

// Geometries are the geometries of the features of the given kinds
// ("building", "site", "route", ...; none: every kind), kind by kind; their
// Bound is what a map of those kinds must show.
func (f *File) Geometries(kinds ...string) orb.Collection {
	want := func(k string) bool { return len(kinds) == 0 || slices.Contains(kinds, k) }
	var c orb.Collection
	add := func(kind string, g orb.Geometry) {
		if want(kind) {
			c = append(c, g)
		}
	}
	for _, b := range f.Buildings {
		add("building", b.Outline)
	}
	for _, e := range f.Entrances {
		add("entrance", e.At)
	}
	for _, g := range f.Gates {
		add("gate", g.At)
	}
	for _, s := range f.Sites {
		if s.Area != nil {
			add("site", s.Area)
		}
		for _, d := range s.DeskAt {
			add("desk", d)
		}
		if s.Entry != nil {
			add("entry", *s.Entry)
		}
		if s.Exit != nil {
			add("exit", *s.Exit)
		}
		if s.Line != nil {
			add("queue_line", s.Line)
		}
		if s.Markers != nil {
			add("marker", orb.MultiPoint(s.Markers))
		}
	}
	for _, p := range f.Posts {
		add("post", p.At)
	}
	for _, v := range f.Visits {
		add("visit", v.Path)
	}
	for _, r := range f.Routes {
		add("route", r.Path)
	}
	return c
}

// each is xs with fn applied to a copy of each.
func each[T any](xs []T, fn func(*T)) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		fn(&x)
		out[i] = x
	}
	return out
}

// Projected is a copy of f with every geometry on the plane of p (metres,
// x east, y north), for readers that measure and draw. What is not
// geometry (the schedule, the report) is shared with f.
func (f *File) Projected(p Projection) *File {
	out := *f
	pt := func(q *orb.Point) *orb.Point {
		if q == nil {
			return nil
		}
		r := p.ToPlane(*q)
		return &r
	}
	line := func(ls []orb.Point) []orb.Point {
		if ls == nil {
			return nil // no line stays no line
		}
		return mapPoints(ls, p.ToPlane)
	}
	out.Buildings = each(f.Buildings, func(b **Building) {
		c := **b
		c.Outline = p.MultiPolygon(c.Outline)
		*b = &c
	})
	out.Sites = each(f.Sites, func(s **Site) {
		c := **s
		if c.Area != nil {
			c.Area = p.Polygon(c.Area)
		}
		c.DeskAt, c.Line, c.Markers = line(c.DeskAt), line(c.Line), line(c.Markers)
		c.Entry, c.Exit = pt(c.Entry), pt(c.Exit)
		c.EntryWalkway, c.ExitWalkway = pt(c.EntryWalkway), pt(c.ExitWalkway)
		*s = &c
	})
	out.Entrances = each(f.Entrances, func(e *Entrance) { e.At = p.ToPlane(e.At) })
	out.Gates = each(f.Gates, func(g *Gate) { g.At = p.ToPlane(g.At) })
	out.Routes = each(f.Routes, func(r *Route) { r.Path = p.Line(r.Path) })
	out.Posts = each(f.Posts, func(po *Post) { po.At = p.ToPlane(po.At) })
	out.Visits = each(f.Visits, func(v *Visit) { v.Path = p.Line(v.Path) })
	return &out
}
