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
// every marker numbered, at 1:200 or, for a site too large for that, the
// next round scale that fits, stated on the sheet.
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
	portrait := newMapView(markerFrame(a4W, a4H), b, MarkerScale)
	landscape := newMapView(markerFrame(a4H, a4W), b, MarkerScale)
	if landscape.ratio < portrait.ratio {
		pw, ph = a4H, a4W
	}
	d := newDoc(w, f, fonts, pw, ph, 1)
	d.page()
	d.markerPage(p, s, pw, ph)
	return d.close()
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

func (d *doc) markerPage(p *Plan, s *Site, pw, ph float64) {
	const m = 10.0
	title := "一米线标记图 One-metre marker plan"
	d.textAt(m, ph-m, 9, p.dateLine(), black, 0, 1)
	d.textAt(m, ph-m-6, 18, title, black, 0, 1)
	head := s.Label() + "  ·  " + variantName(s.Variant)
	d.textAt(m, ph-m-15, d.fitSize(16, pw-2*m, head), head, black, 0, 1)

	// Facts line under the heading.
	spacing := p.Params.Spacing
	facts := fmt.Sprintf("标记 %d 个 markers  ·  间距 %g 米 m apart  ·  队列 %.0f 米 m  ·  采样台 %d 个 desks", len(s.Markers), spacing, s.LineLength, max(s.Desks, len(s.DeskAt)))
	if s.Sheltered {
		facts += "  ·  有遮蔽 sheltered"
	}
	d.textAt(m, ph-m-24, d.fitSize(10, pw-2*m, facts), facts, black, 0, 1)

	frame := markerFrame(pw, ph)
	v := newMapView(frame, siteBound(s), MarkerScale)
	d.frame(frame)

	// Site outline.
	if len(s.Area) > 0 {
		fillC := siteFill
		if s.Sheltered {
			fillC = wetFill
		}
		d.class("site")
		d.fillStroke(fillC, green, 0.4)
		d.ctx.DrawPath(0, 0, v.polygon(s.Area))
		d.class()
	}
	// Queue line, thin, under the markers.
	if len(s.Line) > 1 {
		d.class("queue-line")
		d.stroke(grey, 0.3)
		d.ctx.DrawPath(0, 0, v.line(s.Line))
		d.arrowHead(v, s.Line, grey, 1.8)
		d.class()
	}
	// Desks: 1.2 x 0.6 m tables, at scale.
	for i, at := range s.DeskAt {
		x, y := v.pt(at)
		w, h := 1.2*v.k, 0.6*v.k
		d.class("desk")
		d.fillStroke(orange, black, 0.3)
		d.rect(x-w/2, y-h/2, w, h)
		d.class()
		d.textAt(x, y-h/2-0.6, 6, fmt.Sprintf("%d号台", i+1), black, 0.5, 1)
	}
	if s.Entry != nil {
		x, y := v.pt(*s.Entry)
		d.fillStroke(green, white, 0.3)
		d.ctx.DrawPath(x, y, canvas.RegularPolygon(3, 2.2, true))
		d.textAt(x-3, y, 8, "入口 Entry", green, 1, 0.5)
	}
	if s.Exit != nil {
		x, y := v.pt(*s.Exit)
		d.fillStroke(red, white, 0.3)
		d.ctx.DrawPath(x, y, canvas.RegularPolygon(3, 2.2, false))
		d.textAt(x+3, y, 8, "出口 Exit", red, 0, 0.5)
	}
	// Markers: numbered discs, as the floor stickers are. The disc is
	// 0.8 m across at scale (at most 6 mm), its centre exactly where the
	// mark goes.
	r := math.Min(0.4*spacing*v.k, 3)
	for i, at := range s.Markers {
		x, y := v.pt(at)
		d.class("marker")
		d.fillStroke(white, blue, 0.25)
		d.ctx.DrawPath(x, y, canvas.Circle(r))
		d.class("marker-number")
		n := fmt.Sprint(i + 1)
		d.textAt(x, y, d.fitSize(r/0.3528*1.1, 1.6*r, n), n, blue, 0.5, 0.5)
		d.class()
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
	for _, it := range items {
		it.symbol(d, x, m+4)
		r := d.textAt(x+10, m+6, 7, it.label, black, 0, 0.5)
		x = r.X1 + 5
	}
}

func markerSymbol(d *doc, x, y float64) {
	d.fillStroke(white, blue, 0.25)
	d.ctx.DrawPath(x+4, y+2, canvas.Circle(1.8))
	d.textAt(x+4, y+2, 5, "1", blue, 0.5, 0.5)
}
