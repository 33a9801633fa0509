package sheets

import (
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"
	"github.com/tdewolff/canvas"
)

// MarkerScale is the scale marker plans are printed at when the site fits
// the page at it: 1 m is 5 mm.
const MarkerScale = 200

// MarkerPlan prints a site's one-metre marker plan for a variant: a scale
// drawing of the site with its desks, entry and exit, the queue line and
// every marker numbered, at 1:200. A site too large for one page at 1:200
// gets an overview page at the round scale that fits, showing the other
// pages' frames, then as many 1:200 pages as it takes, each marker on
// exactly one of them: volunteers tape from numbers they can read.
func MarkerPlan(w io.Writer, p *Plan, site, variant string, f Format, opts Options) error {
	s := p.Site(site, variant)
	if s == nil {
		return badInput("no site %q in variant %q of the plan", site, variant)
	}
	fonts, err := opts.fonts()
	if err != nil {
		return err
	}
	b := siteBound(s)
	// Portrait unless landscape gives the larger scale.
	pw, ph := a4W, a4H
	overview := newMapView(markerFrame(a4W, a4H), b, MarkerScale)
	if landscape := newMapView(markerFrame(a4H, a4W), b, MarkerScale); landscape.ratio < overview.ratio {
		pw, ph, overview = a4H, a4W, landscape
	}
	var tiles []mapView
	if overview.ratio > MarkerScale {
		tiles = markerTiles(s, b, markerFrame(pw, ph))
	}
	d := newDoc(w, f, fonts, pw, ph, 1+len(tiles))
	d.page()
	d.markerPage(p, s, pw, ph, overview, tiles, 0)
	for i, t := range tiles {
		d.page()
		d.markerPage(p, s, pw, ph, t, tiles, i+1)
	}
	return d.close()
}

// markerTiles cuts a site's bound into 1:200 frames, keeping those that
// hold a marker, a desk, the entry or the exit.
func markerTiles(s *Site, b orb.Bound, frame canvas.Rect) []mapView {
	tw := frame.W() * MarkerScale / 1000 // metres a frame covers
	th := frame.H() * MarkerScale / 1000
	nx := int(math.Ceil((b.Max[0] - b.Min[0]) / tw))
	ny := int(math.Ceil((b.Max[1] - b.Min[1]) / th))
	// Centre the grid on the bound.
	x0 := b.Center()[0] - float64(nx)*tw/2
	y1 := b.Center()[1] + float64(ny)*th/2
	var things []orb.Point
	things = append(things, s.Markers...)
	things = append(things, s.DeskAt...)
	if s.Entry != nil {
		things = append(things, *s.Entry)
	}
	if s.Exit != nil {
		things = append(things, *s.Exit)
	}
	var out []mapView
	for r := 0; r < ny; r++ { // north to south, west to east: reading order
		for c := 0; c < nx; c++ {
			v := mapView{frame: frame, ratio: MarkerScale, k: 1000 / MarkerScale,
				cx: x0 + (float64(c)+0.5)*tw, cy: y1 - (float64(r)+0.5)*th}
			for _, pt := range things {
				if v.owns(pt) {
					out = append(out, v)
					break
				}
			}
		}
	}
	return out
}

// owns reports whether a point belongs to the view's frame: half-open, so
// that tiles sharing an edge never both own a point.
func (v mapView) owns(pt orb.Point) bool {
	x, y := v.pt(pt)
	return x >= v.frame.X0 && x < v.frame.X1 && y > v.frame.Y0 && y <= v.frame.Y1
}

func siteBound(s *Site) orb.Bound {
	var g orb.Collection
	if len(s.Area) > 0 {
		g = append(g, s.Area)
	}
	if len(s.Line) > 0 {
		g = append(g, s.Line)
	}
	for _, m := range s.Markers {
		g = append(g, m)
	}
	for _, m := range s.DeskAt {
		g = append(g, m)
	}
	if s.Entry != nil {
		g = append(g, *s.Entry)
	}
	if s.Exit != nil {
		g = append(g, *s.Exit)
	}
	if len(g) == 0 {
		return orb.Bound{}
	}
	return g.Bound().Pad(2)
}

// markerFrame is where a marker plan's drawing goes on a page.
func markerFrame(pw, ph float64) canvas.Rect {
	const m = 10.0
	return canvas.Rect{X0: m, Y0: m + 22, X1: pw - m, Y1: ph - m - 31}
}

// markerPage draws one page of a marker plan through view v; page 0 is
// the whole site, pages 1... are tiles.
func (d *doc) markerPage(p *Plan, s *Site, pw, ph float64, v mapView, tiles []mapView, page int) {
	const m = 10.0
	title := "一米线标记图 One-metre marker plan"
	d.textAt(m, ph-m, 9, p.dateLine(), black, 0, 1)
	if len(tiles) > 0 {
		title += fmt.Sprintf("  ·  第 %d/%d 页 page %d of %d", page+1, len(tiles)+1, page+1, len(tiles)+1)
	}
	d.textAt(m, ph-m-6, d.fitSize(18, pw-2*m, title), title, black, 0, 1)
	head := s.Label() + "  ·  " + variantName(s.Variant)
	d.textAt(m, ph-m-15, d.fitSize(16, pw-2*m, head), head, black, 0, 1)

	// Facts line under the heading.
	spacing := p.Params.Spacing
	facts := fmt.Sprintf("标记 %d 个 markers  ·  间距 %g 米 m apart  ·  队列 %.0f 米 m  ·  采样台 %d 个 desks", len(s.Markers), spacing, s.LineLength, max(s.Desks, len(s.DeskAt)))
	if s.Sheltered {
		facts += "  ·  有遮蔽 sheltered"
	}
	d.textAt(m, ph-m-24, d.fitSize(10, pw-2*m, facts), facts, black, 0, 1)

	frame := v.frame
	d.frame(frame)
	tiled := page > 0
	clip := canvas.Rectangle(frame.W(), frame.H()).Translate(frame.X0, frame.Y0)
	inFrame := func(pt orb.Point) bool { return !tiled || v.owns(pt) }

	// Site outline.
	if len(s.Area) > 0 {
		fillC := siteFill
		if s.Sheltered {
			fillC = wetFill
		}
		area := v.polygon(s.Area)
		if tiled {
			area = area.And(clip)
		}
		d.class("site")
		d.fillStroke(fillC, green, 0.4)
		d.ctx.DrawPath(0, 0, area)
		d.class()
	}
	// Queue line, thin, under the markers.
	if len(s.Line) > 1 {
		d.class("queue-line")
		d.stroke(grey, 0.3)
		if tiled {
			d.ctx.DrawPath(0, 0, clipLine(v, s.Line))
		} else {
			d.ctx.DrawPath(0, 0, v.line(s.Line))
			d.arrowHead(v, s.Line, grey, 1.8)
		}
		d.class()
	}
	// Desks: 1.2 x 0.6 m tables, at scale.
	for i, at := range s.DeskAt {
		if !inFrame(at) {
			continue
		}
		x, y := v.pt(at)
		w, h := 1.2*v.k, 0.6*v.k
		d.class("desk")
		d.fillStroke(orange, black, 0.3)
		d.rect(x-w/2, y-h/2, w, h)
		d.class()
		d.textAt(x, y-h/2-0.6, 6, fmt.Sprintf("%d号台", i+1), black, 0.5, 1)
	}
	if s.Entry != nil && inFrame(*s.Entry) {
		x, y := v.pt(*s.Entry)
		d.fillStroke(green, white, 0.3)
		d.ctx.DrawPath(x, y, canvas.RegularPolygon(3, 2.2, true))
		d.textAt(x-3, y, 8, "入口 Entry", green, 1, 0.5)
	}
	if s.Exit != nil && inFrame(*s.Exit) {
		x, y := v.pt(*s.Exit)
		d.fillStroke(red, white, 0.3)
		d.ctx.DrawPath(x, y, canvas.RegularPolygon(3, 2.2, false))
		d.textAt(x+3, y, 8, "出口 Exit", red, 0, 0.5)
	}
	// Markers: numbered discs, as the floor stickers are. The disc is
	// 0.8 m across at scale (at most 6 mm), its centre exactly where the
	// mark goes.
	// On an overview too small to read the numbers (they would be under
	// 4 pt), markers are plain discs: the 1:200 pages number them.
	r := math.Min(0.4*spacing*v.k, 3)
	numbered := tiled || len(tiles) == 0
	for i, at := range s.Markers {
		if !inFrame(at) {
			continue
		}
		x, y := v.pt(at)
		d.class("marker")
		d.fillStroke(white, blue, 0.25)
		d.ctx.DrawPath(x, y, canvas.Circle(r))
		if numbered {
			d.class("marker-number")
			n := fmt.Sprint(i + 1)
			d.textAt(x, y, d.fitSize(r/0.3528*1.1, 1.6*r, n), n, blue, 0.5, 0.5)
		}
		d.class()
	}
	// The overview shows where each 1:200 page lies.
	if !tiled {
		for i, t := range tiles {
			tw, th := t.frame.W()*t.ratio/1000, t.frame.H()*t.ratio/1000
			x0, y0 := v.pt(orb.Point{t.cx - tw/2, t.cy - th/2})
			x1, y1 := v.pt(orb.Point{t.cx + tw/2, t.cy + th/2})
			d.class("tile")
			d.stroke(red, 0.4, 2, 1)
			d.rect(x0, y0, x1-x0, y1-y0)
			d.class()
			d.labelOnWhite(x0+1, y1-1, 8, fmt.Sprintf("第%d页 p.%d", i+2, i+2), red, 0, 1)
		}
	}

	// Scale bar, north arrow and legend under the frame.
	sb := d.scaleBar(v, m+1, m+2)
	d.textAt(sb.X1+3, sb.Y0, 7, fmt.Sprintf("1 米 m = %.3g mm", v.k), black, 0, 0)
	d.northArrow(pw-m-6, m+8)
	items := []legendItem{
		{markerSymbol, "一米标记 1 m marker"},
		{lineSymbol(grey, 0.3), "队列 Queue line"},
		{boxSymbol(orange, black), "采样台 Desk"},
	}
	x := math.Max(sb.X1, sb.X0+52) + 6
	x = d.textAt(x, m+6, 7, "图例 Legend:", black, 0, 0.5).X1 + 3
	for _, it := range items {
		it.symbol(d, x, m+4)
		r := d.textAt(x+10, m+6, 7, it.label, black, 0, 0.5)
		x = r.X1 + 4
	}
}

func markerSymbol(d *doc, x, y float64) {
	d.fillStroke(white, blue, 0.25)
	d.ctx.DrawPath(x+4, y+2, canvas.Circle(1.8))
	d.textAt(x+4, y+2, 5, "1", blue, 0.5, 0.5)
}
