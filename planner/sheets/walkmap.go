package sheets

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/tdewolff/canvas"

	"natq/planner/internal/hull"
)

// A building sheet's map shows this building's walk, to its site and
// back in every variant, at the scale that fits it: on the compound's
// whole map a 58 m walk is a few millimetres. A small inset of the whole
// compound, in the map corner the walk leaves free, shows where it is.

// walkBound is what a building sheet's map must show, in local metres:
// the building, its doors, its routes and the sites they lead to, in
// every variant.
func (p *Plan) walkBound(b *Building) orb.Bound {
	bd := b.Outline.Bound()
	for _, r := range p.Routes {
		if r.Building == b.ID && len(r.Path) > 0 {
			bd = bd.Union(r.Path.Bound())
		}
	}
	for _, e := range p.Entrances {
		if e.Building == b.ID {
			bd = bd.Extend(e.At)
		}
	}
	for v, id := range b.Site {
		if s := p.Site(id, v); s != nil && len(s.Area) > 0 {
			bd = bd.Union(s.Area.Bound())
		}
	}
	return bd
}

// walkView is the view of a building's walk in frame, at the nicest
// scale that shows it with some of its surroundings and leaves a corner
// of the frame free for the compound inset; and that corner, empty when
// the map shows the whole compound anyway.
func (p *Plan) walkView(b *Building, frame canvas.Rect) (mapView, canvas.Rect) {
	wb := p.walkBound(b)
	span := math.Max(wb.Max[0]-wb.Min[0], wb.Max[1]-wb.Min[1])
	wb = wb.Pad(math.Max(20, 0.12*span))
	iw, ih := p.insetSize()
	v := newMapView(frame, wb, 250)
	if contains(v.bound(), p.Bound()) {
		return v, canvas.Rect{} // the map is the whole compound: no inset
	}
	best, bestHits := canvas.Rect{}, math.MaxInt
	var bestView mapView
	for try := 0; try < 4; try++ {
		r, hits := p.insetCorner(b, v, iw, ih)
		if hits < bestHits {
			best, bestHits, bestView = r, hits, v
		}
		if hits == 0 {
			break
		}
		v = newMapView(frame, wb, nextRatio(v.ratio))
	}
	return bestView, best
}

// nextRatio is the nice scale after r.
func nextRatio(r float64) float64 {
	for _, n := range niceRatios {
		if n > r {
			return n
		}
	}
	return r * 2
}

// The compound inset is at most this big, in mm.
const insetMaxW, insetMaxH = 44.0, 38.0

// insetTitleH is the room above the inset's map for its title.
const insetTitleH = 4.0

// insetSize is the inset's size on the page: the compound at the scale
// that fits the largest inset, a margin and the title.
func (p *Plan) insetSize() (float64, float64) {
	pb := p.Bound()
	bw, bh := math.Max(pb.Max[0]-pb.Min[0], 1), math.Max(pb.Max[1]-pb.Min[1], 1)
	k := math.Min((insetMaxW-3)/bw, (insetMaxH-3-insetTitleH)/bh)
	return math.Max(bw*k+3, 26), bh*k + 3 + insetTitleH
}

// insetCorner is the corner of v's frame for a w x h inset that hides
// least of the walk (the building, its doors, its routes and sites), and
// how many of those it would hide.
func (p *Plan) insetCorner(b *Building, v mapView, w, h float64) (canvas.Rect, int) {
	f := v.frame
	var boxes []canvas.Rect
	boxes = append(boxes, pageBox(v, b.Outline.Bound()))
	for vr, id := range b.Site {
		if s := p.Site(id, vr); s != nil && len(s.Area) > 0 {
			boxes = append(boxes, pageBox(v, s.Area.Bound()))
		}
	}
	for _, e := range p.Entrances {
		if e.Building == b.ID {
			x, y := v.pt(e.At)
			boxes = append(boxes, pointBox(x, y, 1.6))
		}
	}
	var segs [][4]float64
	for _, r := range p.Routes {
		if r.Building != b.ID {
			continue
		}
		for i := 1; i < len(r.Path); i++ {
			x0, y0 := v.pt(r.Path[i-1])
			x1, y1 := v.pt(r.Path[i])
			segs = append(segs, [4]float64{x0, y0, x1, y1})
		}
	}
	corners := []canvas.Rect{
		{X0: f.X1 - w, Y0: f.Y1 - h, X1: f.X1, Y1: f.Y1}, // top right, then the others
		{X0: f.X0, Y0: f.Y1 - h, X1: f.X0 + w, Y1: f.Y1},
		{X0: f.X1 - w, Y0: f.Y0, X1: f.X1, Y1: f.Y0 + h},
		{X0: f.X0, Y0: f.Y0, X1: f.X0 + w, Y1: f.Y0 + h},
	}
	best, bestHits := corners[0], math.MaxInt
	for _, c := range corners {
		g := canvas.Rect{X0: c.X0 - 1.5, Y0: c.Y0 - 1.5, X1: c.X1 + 1.5, Y1: c.Y1 + 1.5}
		hits := 0
		for _, bx := range boxes {
			if bx.X0 < g.X1 && g.X0 < bx.X1 && bx.Y0 < g.Y1 && g.Y0 < bx.Y1 {
				hits++
			}
		}
		for _, s := range segs {
			if segmentHitsRect(s, g) {
				hits++
			}
		}
		if hits < bestHits {
			best, bestHits = c, hits
		}
	}
	return best, bestHits
}

// bound is the part of the plane v's frame shows, in metres.
func (v mapView) bound() orb.Bound {
	hw, hh := v.frame.W()/2/v.k, v.frame.H()/2/v.k
	return orb.Bound{Min: orb.Point{v.cx - hw, v.cy - hh}, Max: orb.Point{v.cx + hw, v.cy + hh}}
}

// inFrame reports whether a point (metres) is on v's map.
func (v mapView) inFrame(q orb.Point) bool {
	x, y := v.pt(q)
	f := v.frame
	return x >= f.X0 && x <= f.X1 && y >= f.Y0 && y <= f.Y1
}

// visible is the part of a building's outline on v's map; nil when none.
func (v mapView) visible(mp orb.MultiPolygon) orb.MultiPolygon {
	vb := v.bound()
	if !vb.Intersects(mp.Bound()) {
		return nil
	}
	if contains(vb, mp.Bound()) {
		return mp
	}
	out := clip.MultiPolygon(vb, mp.Clone())
	if len(out) == 0 {
		return nil
	}
	return out
}

// visiblePolygon is the part of a site's area on v's map; nil when none.
func (v mapView) visiblePolygon(poly orb.Polygon) orb.Polygon {
	if len(poly) == 0 {
		return nil
	}
	mp := v.visible(orb.MultiPolygon{poly})
	if len(mp) == 0 {
		return nil
	}
	return mp[0]
}

func contains(outer, inner orb.Bound) bool {
	return inner.Min[0] >= outer.Min[0] && inner.Min[1] >= outer.Min[1] && inner.Max[0] <= outer.Max[0] && inner.Max[1] <= outer.Max[1]
}

// compoundInset draws the whole compound small in r: every building, the
// sites in use, this building and its sites highlighted, the compound's
// extent (the hull of all it holds) and the part the big map shows.
func (d *doc) compoundInset(p *Plan, b *Building, big mapView, r canvas.Rect) {
	d.class("inset")
	d.fillStroke(white, black, 0.3)
	d.rect(r.X0, r.Y0, r.W(), r.H())
	d.class()
	d.textAt(r.X0+1.5, r.Y1-0.8, 5.5, "小区全图 Whole compound", black, 0, 1)
	mapR := canvas.Rect{X0: r.X0 + 1.5, Y0: r.Y0 + 1.5, X1: r.X1 - 1.5, Y1: r.Y1 - insetTitleH - 1.5}
	pb := p.Bound()
	bw, bh := math.Max(pb.Max[0]-pb.Min[0], 1), math.Max(pb.Max[1]-pb.Min[1], 1)
	k := math.Min(mapR.W()/bw, mapR.H()/bh)
	c := pb.Center()
	v := mapView{frame: mapR, ratio: 1000 / k, k: k, cx: c[0], cy: c[1]}

	if hull := convexHull(p.Geometries("building", "site", "gate")); len(hull) > 2 {
		d.stroke(grey, 0.25, 0.8, 0.5)
		d.ctx.DrawPath(0, 0, v.ring(hull))
	}
	mine := map[string]bool{}
	for vr, id := range b.Site {
		if id != "" {
			mine[id+"|"+vr] = true
		}
	}
	for _, s := range p.Sites {
		if len(s.Area) == 0 || !(s.Desks > 0 || len(s.DeskAt) > 0) || mine[s.ID+"|"+s.Variant] {
			continue
		}
		d.fillStroke(siteFill, green, 0.1)
		d.ctx.DrawPath(0, 0, v.polygon(s.Area))
	}
	for _, o := range p.Buildings {
		if o.ID != b.ID {
			d.fill(lightGrey)
			d.ctx.DrawPath(0, 0, v.multiPolygon(o.Outline))
		}
	}
	for _, s := range p.Sites {
		if len(s.Area) > 0 && mine[s.ID+"|"+s.Variant] {
			d.fillStroke(green, green, 0.4)
			d.ctx.DrawPath(0, 0, v.polygon(s.Area))
		}
	}
	d.fillStroke(red, red, 0.5)
	d.ctx.DrawPath(0, 0, v.multiPolygon(b.Outline))
	// The big map's extent.
	eb := big.bound()
	x0, y0 := v.pt(eb.Min)
	x1, y1 := v.pt(eb.Max)
	x0, y0 = math.Max(x0, mapR.X0), math.Max(y0, mapR.Y0)
	x1, y1 = math.Min(x1, mapR.X1), math.Min(y1, mapR.Y1)
	if x1-x0 < mapR.W()*0.95 || y1-y0 < mapR.H()*0.95 {
		d.stroke(black, 0.3)
		d.rect(x0, y0, x1-x0, y1-y0)
	}
}

// convexHull is the convex hull of a geometry's points (hull.Convex).
func convexHull(g orb.Geometry) orb.Ring {
	var pts []orb.Point
	var walk func(g orb.Geometry)
	walk = func(g orb.Geometry) {
		switch g := g.(type) {
		case orb.Point:
			pts = append(pts, g)
		case orb.MultiPoint:
			pts = append(pts, g...)
		case orb.LineString:
			pts = append(pts, g...)
		case orb.Ring:
			pts = append(pts, g...)
		case orb.Polygon:
			for _, r := range g {
				pts = append(pts, r...)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				walk(p)
			}
		case orb.MultiLineString:
			for _, l := range g {
				pts = append(pts, l...)
			}
		case orb.Collection:
			for _, c := range g {
				walk(c)
			}
		}
	}
	walk(g)
	return hull.Convex(pts)
}
