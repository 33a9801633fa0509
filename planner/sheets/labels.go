package sheets

import (
	"image/color"
	"math"

	"github.com/paulmach/orb"
	"github.com/tdewolff/canvas"
)

// labelPlacer places a map's labels so that none overlaps another, none
// sits on a route and none leaves the map: each label tries the places
// around its anchor (inside it, above, below, right, left, the corners),
// then the same a little farther out with a leader line, and is dropped
// when none is free. Labels are placed in the order asked, so the caller
// asks for the important ones first. It is a greedy placer, the kind
// cartographers call "first fit": enough for a compound's few hundred
// labels, and predictable.
type labelPlacer struct {
	frame canvas.Rect
	taken []canvas.Rect
	lines [][4]float64 // route segments, page mm
}

func newLabelPlacer(frame canvas.Rect) *labelPlacer { return &labelPlacer{frame: frame} }

// avoidLine keeps labels off a line drawn on the map.
func (lp *labelPlacer) avoidLine(v mapView, ls orb.LineString) {
	for i := 1; i < len(ls); i++ {
		x0, y0 := v.pt(ls[i-1])
		x1, y1 := v.pt(ls[i])
		lp.lines = append(lp.lines, [4]float64{x0, y0, x1, y1})
	}
}

// avoidWalk keeps labels off a walk drawn with an arrow head of size at
// its end.
func (lp *labelPlacer) avoidWalk(v mapView, ls orb.LineString, arrow float64) {
	lp.avoidLine(v, ls)
	lp.avoidArrow(v, ls, arrow)
}

// avoidArrow keeps labels off the arrow head drawn at a line's end.
func (lp *labelPlacer) avoidArrow(v mapView, ls orb.LineString, size float64) {
	if len(ls) > 0 {
		x, y := v.pt(ls[len(ls)-1])
		lp.block(pointBox(x, y, size))
	}
}

// block keeps labels off a symbol's box.
func (lp *labelPlacer) block(r canvas.Rect) { lp.taken = append(lp.taken, r) }

// labelGap is the room between a label and what it names, and between
// two labels.
const labelGap = 0.4

// free reports whether a label's box is on the map and clear of every
// label, symbol and line placed so far.
func (lp *labelPlacer) free(r canvas.Rect) bool {
	f := lp.frame
	if r.X0 < f.X0 || r.Y0 < f.Y0 || r.X1 > f.X1 || r.Y1 > f.Y1 {
		return false
	}
	for _, t := range lp.taken {
		if r.X0 < t.X1+labelGap && t.X0 < r.X1+labelGap && r.Y0 < t.Y1+labelGap && t.Y0 < r.Y1+labelGap {
			return false
		}
	}
	for _, s := range lp.lines {
		if segmentHitsRect(s, r) {
			return false
		}
	}
	return true
}

// place finds a free w x h box for a label of the anchor box a (a point
// is a box of no size), trying inside it first when inside is set. It
// returns the box, whether it stands off far enough to need a leader
// line, and false when no place is free.
func (lp *labelPlacer) place(a canvas.Rect, w, h float64, inside bool, rings ...float64) (canvas.Rect, bool, bool) {
	if len(rings) == 0 {
		rings = nearRings
	}
	c := a.Center()
	at := func(x, y float64) canvas.Rect { return canvas.Rect{X0: x, Y0: y, X1: x + w, Y1: y + h} }
	if inside {
		if r := at(c.X-w/2, c.Y-h/2); lp.free(r) {
			lp.taken = append(lp.taken, r)
			return r, false, true
		}
	}
	for i, g := range rings {
		for _, r := range []canvas.Rect{
			at(c.X-w/2, a.Y1+g), at(c.X-w/2, a.Y0-g-h), // above, below
			at(a.X1+g, c.Y-h/2), at(a.X0-g-w, c.Y-h/2), // right, left
			at(a.X1+g, a.Y1+g), at(a.X0-g-w, a.Y1+g), // corners
			at(a.X1+g, a.Y0-g-h), at(a.X0-g-w, a.Y0-g-h),
		} {
			if lp.free(r) {
				lp.taken = append(lp.taken, r)
				return r, i > 0, true
			}
		}
	}
	return canvas.Rect{}, false, false
}

// nearRings are the distances, in mm, a label may stand off its anchor:
// beside it, or a little away with a leader line. farRings reach farther
// for the labels a map must not lose (the sites).
var (
	nearRings = []float64{0.6, 4}
	farRings  = []float64{0.6, 4, 8, 12, 18, 25}
)

// segmentHitsRect reports whether segment s crosses or lies in r.
func segmentHitsRect(s [4]float64, r canvas.Rect) bool {
	x0, y0, x1, y1 := s[0], s[1], s[2], s[3]
	if math.Max(x0, x1) < r.X0 || math.Min(x0, x1) > r.X1 || math.Max(y0, y1) < r.Y0 || math.Min(y0, y1) > r.Y1 {
		return false
	}
	// Some part of the segment lies within r.
	_, _, ok := liangBarsky(x0, y0, x1-x0, y1-y0, r)
	return ok
}

// mapLabel writes s for the anchor box a where the placer finds room, on
// a ground of its own colour (white outside a building), with a leader
// line when it stands off. It reports whether the label was drawn.
func (d *doc) mapLabel(lp *labelPlacer, a canvas.Rect, size float64, s string, c color.RGBA, inside bool, ground color.RGBA, rings ...float64) bool {
	if s == "" {
		return false
	}
	t := d.text(size, s, c)
	b := t.Bounds()
	const pad = 0.3
	w, h := b.W()+2*pad, b.H()+2*pad
	r, leader, ok := lp.place(a, w, h, inside, rings...)
	if !ok {
		return false
	}
	if leader {
		ac := a.Center()
		d.stroke(grey, 0.15)
		d.line(math.Max(a.X0, math.Min(ac.X, r.Center().X)), math.Max(a.Y0, math.Min(ac.Y, r.Center().Y)),
			math.Max(r.X0, math.Min(r.Center().X, ac.X)), math.Max(r.Y0, math.Min(r.Center().Y, ac.Y)))
	}
	if !(inside && r.X0 >= a.X0 && r.X1 <= a.X1 && r.Y0 >= a.Y0 && r.Y1 <= a.Y1) {
		ground = white
	}
	d.class("label-box")
	d.fill(ground)
	d.rect(r.X0, r.Y0, w, h)
	d.class()
	d.textAt(r.X0+pad, r.Y0+pad, size, s, c, 0, 0)
	return true
}

// pageBox is a map feature's bound on the page.
func pageBox(v mapView, b orb.Bound) canvas.Rect {
	x0, y0 := v.pt(b.Min)
	x1, y1 := v.pt(b.Max)
	return canvas.Rect{X0: x0, Y0: y0, X1: x1, Y1: y1}
}

// pointBox is a point's box on the page, r mm around it.
func pointBox(x, y, r float64) canvas.Rect {
	return canvas.Rect{X0: x - r, Y0: y - r, X1: x + r, Y1: y + r}
}

// buildingLabelSize is the size a building's name is written at: inside
// its outline when it fits there at 4 pt or more, else at 4.5 pt beside it.
func (d *doc) buildingLabelSize(v mapView, outline orb.MultiPolygon, name string, size float64) (float64, bool) {
	bb := pageBox(v, outline.Bound())
	s := d.fitSize(size, bb.W()*1.05, name)
	if s >= 4 && d.text(s, name, black).Bounds().H() <= bb.H()*1.1 {
		return s, true
	}
	return math.Min(size, 4.5), false
}
