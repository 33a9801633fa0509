package sheets

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"github.com/paulmach/orb"
	"github.com/tdewolff/canvas"
	"github.com/tdewolff/canvas/renderers/pdf"
	"github.com/tdewolff/canvas/renderers/svg"
)

// A4 in millimetres, the unit of every page coordinate. Page coordinates
// have their origin at the bottom left, y up, as map coordinates do.
const (
	a4W = 210.0
	a4H = 297.0
)

// doc is one output file: a PDF of any number of pages, or one SVG with
// the pages stacked top to bottom.
type doc struct {
	format Format
	pdf    *pdf.PDF
	svg    *svg.SVG
	ctx    *canvas.Context
	fonts  *Fonts
	pages  int // SVG: how many pages are stacked
	pageW  float64
	pageH  float64
	n      int // pages begun
	// qrTurns turns the next QR codes a quarter turn clockwise this
	// many times (see ticketCard).
	qrTurns int
}

func newDoc(w io.Writer, f Format, fonts *Fonts, pw, ph float64, pages int) *doc {
	d := &doc{format: f, fonts: fonts, pages: pages, pageW: pw, pageH: ph}
	if f == SVG {
		d.svg = svg.New(w, pw, ph*float64(pages), &svg.Options{SizeUnits: "mm", ImageEncoding: canvas.Lossless})
		d.ctx = canvas.NewContext(d.svg)
	} else {
		opts := pdf.DefaultOptions
		d.pdf = pdf.New(w, pw, ph, &opts)
		d.ctx = canvas.NewContext(d.pdf)
	}
	return d
}

// page begins the next page.
func (d *doc) page() {
	if d.format == SVG {
		d.ctx.SetView(canvas.Identity.Translate(0, float64(d.pages-1-d.n)*d.pageH))
	} else if d.n > 0 {
		d.pdf.NewPage(d.pageW, d.pageH)
	}
	d.n++
}

func (d *doc) close() error {
	if d.svg != nil {
		return d.svg.Close()
	}
	d.fonts.subsetting.Lock()
	defer d.fonts.subsetting.Unlock()
	return d.pdf.Close()
}

// class tags what is drawn next in an SVG, so that tests and the resident
// page can find markers, routes and QR codes.
func (d *doc) class(c ...string) {
	if d.svg != nil {
		d.svg.SetClass(c...)
	}
}

// Colours.
var (
	black     = canvas.Black
	white     = canvas.White
	grey      = color.RGBA{0x99, 0x99, 0x99, 0xff}
	lightGrey = color.RGBA{0xe4, 0xe4, 0xe4, 0xff}
	red       = color.RGBA{0xd3, 0x2f, 0x2f, 0xff}
	blue      = color.RGBA{0x15, 0x65, 0xc0, 0xff}
	green     = color.RGBA{0x2e, 0x7d, 0x32, 0xff}
	purple    = color.RGBA{0x6a, 0x1b, 0x9a, 0xff}
	orange    = color.RGBA{0xef, 0x6c, 0x00, 0xff}
	siteFill  = color.RGBA{0xc8, 0xe6, 0xc9, 0xff}
	wetFill   = color.RGBA{0xbb, 0xde, 0xfb, 0xff}
	hiFill    = color.RGBA{0xff, 0xe0, 0x82, 0xff}
)

// sitePalette colours routes by site on the battle map: distinct in print
// and for the common colour blindnesses.
var sitePalette = []color.RGBA{
	{0x00, 0x72, 0xb2, 0xff}, {0xd5, 0x5e, 0x00, 0xff}, {0x00, 0x9e, 0x73, 0xff},
	{0xcc, 0x79, 0xa7, 0xff}, {0xe6, 0x9f, 0x00, 0xff}, {0x56, 0xb4, 0xe9, 0xff},
	{0x44, 0x44, 0x44, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
}

// text is a laid-out line (or lines) in the sheets' fonts: each run of
// characters in the Chinese font, or in the Latin font where the Chinese
// one lacks them.
func (d *doc) text(size float64, s string, col color.RGBA) *canvas.Text {
	fs := d.fonts
	fs.shaping.Lock()
	defer fs.shaping.Unlock()
	k := textKey{size, s, col}
	if t, ok := fs.laidOut[k]; ok {
		return t
	}
	if fs.laidOut == nil || len(fs.laidOut) > 20000 {
		fs.laidOut = map[textKey]*canvas.Text{}
	}
	t := fs.layout(size, s, col)
	fs.laidOut[k] = t
	return t
}

func (fs *Fonts) layout(size float64, s string, col color.RGBA) *canvas.Text {
	cjk := fs.cjk.Face(size, col, canvas.FontRegular, canvas.FontNormal)
	if fs.latin == nil {
		return canvas.NewTextLine(cjk, s, canvas.Left)
	}
	latin := fs.latin.Face(size, col, canvas.FontRegular, canvas.FontNormal)
	rt := canvas.NewRichText(cjk)
	start, cur := 0, cjk
	for i, r := range s {
		f := cjk
		if !fs.hasCJK(r) && r != '\n' {
			f = latin
		}
		if f != cur {
			if i > start {
				rt.WriteFace(cur, s[start:i])
			}
			start, cur = i, f
		}
	}
	if len(s) > start {
		rt.WriteFace(cur, s[start:])
	}
	return rt.ToText(0, 0, canvas.Left, canvas.Top, nil)
}

// textAt draws s with its box anchored at (x, y): ax, ay are the anchor's
// place in the box (0 left/bottom, 0.5 middle, 1 right/top). It returns
// the box.
func (d *doc) textAt(x, y, size float64, s string, col color.RGBA, ax, ay float64) canvas.Rect {
	if s == "" {
		return canvas.Rect{X0: x, Y0: y, X1: x, Y1: y}
	}
	t := d.text(size, s, col)
	b := t.Bounds()
	dx := x - b.X0 - ax*b.W()
	dy := y - b.Y0 - ay*b.H()
	d.ctx.DrawText(dx, dy, t)
	return canvas.Rect{X0: dx + b.X0, Y0: dy + b.Y0, X1: dx + b.X1, Y1: dy + b.Y1}
}

// textWidth is the width s takes at size.
func (d *doc) textWidth(size float64, s string) float64 {
	if s == "" {
		return 0
	}
	return d.text(size, s, black).Bounds().W()
}

// fitSize is the largest size up to max at which s fits in width.
func (d *doc) fitSize(max, width float64, s string) float64 {
	w := d.textWidth(max, s)
	if w <= width {
		return max
	}
	return math.Max(4, max*width/w*0.98)
}

// style helpers: each drawing call sets the whole style it needs.
func (d *doc) fill(c color.RGBA) {
	d.ctx.ResetStyle()
	d.ctx.SetFillColor(c)
	d.ctx.SetStrokeColor(canvas.Transparent)
}

func (d *doc) stroke(c color.RGBA, width float64, dashes ...float64) {
	d.ctx.ResetStyle()
	d.ctx.SetFillColor(canvas.Transparent)
	d.ctx.SetStrokeColor(c)
	d.ctx.SetStrokeWidth(width)
	d.ctx.SetStrokeCapper(canvas.RoundCap)
	d.ctx.SetStrokeJoiner(canvas.RoundJoin)
	if len(dashes) > 0 {
		d.ctx.SetStrokeCapper(canvas.ButtCap)
		d.ctx.SetDashes(0, dashes...)
	}
}

func (d *doc) fillStroke(f, s color.RGBA, width float64) {
	d.ctx.ResetStyle()
	d.ctx.SetFillColor(f)
	d.ctx.SetStrokeColor(s)
	d.ctx.SetStrokeWidth(width)
}

func (d *doc) rect(x, y, w, h float64) { d.ctx.DrawPath(x, y, canvas.Rectangle(w, h)) }

func (d *doc) line(x0, y0, x1, y1 float64) {
	p := &canvas.Path{}
	p.MoveTo(x0, y0)
	p.LineTo(x1, y1)
	d.ctx.DrawPath(0, 0, p)
}

// qr draws a QR code of s, size mm wide including its quiet zone, with its
// bottom left corner at (x, y). Modules are vector squares, sharp at any
// printer resolution.
func (d *doc) qr(x, y, size float64, s string) error {
	mods, err := qrModules(s)
	if err != nil {
		return fmt.Errorf("sheets: QR code of %q: %v", s, err)
	}
	mods = turn(mods, d.qrTurns)
	n := len(mods)
	const quiet = 4
	d.fill(white)
	d.rect(x, y, size, size)
	x, y, m := d.qrGrid(x, y, size, n+2*quiet)
	size = m * float64(n+2*quiet)
	// Dark runs of a row, merged down the rows while they repeat: a
	// quarter of the path commands of one square per run.
	type span struct{ c0, c1 int }
	type rect struct {
		sp     span
		r0, r1 int
	}
	var rects []rect
	open := map[span]int{} // span -> first row
	var prev []span
	for r := 0; r <= n; r++ {
		var cur []span
		if r < n {
			row := mods[r]
			for c := 0; c < n; {
				if !row[c] {
					c++
					continue
				}
				c0 := c
				for c < n && row[c] {
					c++
				}
				cur = append(cur, span{c0, c})
			}
		}
		in := map[span]bool{}
		for _, sp := range cur {
			in[sp] = true
		}
		for _, sp := range prev { // in column order: deterministic output
			if !in[sp] {
				rects = append(rects, rect{sp, open[sp], r})
				delete(open, sp)
			}
		}
		for _, sp := range cur {
			if _, ok := open[sp]; !ok {
				open[sp] = r
			}
		}
		prev = cur
	}
	p := &canvas.Path{}
	for _, rc := range rects {
		// Rows run top to bottom; page y runs up.
		x0 := x + float64(quiet+rc.sp.c0)*m
		x1 := x + float64(quiet+rc.sp.c1)*m
		y1 := y + size - float64(quiet+rc.r0)*m
		y0 := y + size - float64(quiet+rc.r1)*m
		p.MoveTo(x0, y0)
		p.LineTo(x1, y0)
		p.LineTo(x1, y1)
		p.LineTo(x0, y1)
		p.Close()
	}
	d.class("qr")
	d.fill(black)
	d.ctx.DrawPath(0, 0, p)
	d.class()
	return nil
}

// mapView places local metres on a page frame at a stated scale 1:Ratio.
type mapView struct {
	frame  canvas.Rect // mm on the page
	ratio  float64     // 1:ratio
	k      float64     // mm per metre
	cx, cy float64     // metres at the frame's centre
}

// niceRatios are the scales a map may be printed at, as a surveyor would
// state them.
var niceRatios = []float64{100, 200, 250, 300, 400, 500, 600, 750, 800, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 7500, 8000, 10000, 12500, 15000, 20000, 25000, 50000}

// newMapView fits bound (metres) into frame at the smallest nice ratio at
// or above minRatio (0: any) that fits.
func newMapView(frame canvas.Rect, b orb.Bound, minRatio float64) mapView {
	bw := math.Max(b.Max[0]-b.Min[0], 1)
	bh := math.Max(b.Max[1]-b.Min[1], 1)
	// mm per metre that just fits; ratio = 1000 / k.
	need := 1000 / math.Min(frame.W()/bw, frame.H()/bh)
	ratio := need
	for _, r := range niceRatios {
		if r >= need && r >= minRatio {
			ratio = r
			break
		}
	}
	if ratio < minRatio {
		ratio = minRatio
	}
	c := b.Center()
	return mapView{frame: frame, ratio: ratio, k: 1000 / ratio, cx: c[0], cy: c[1]}
}

func (v mapView) pt(p orb.Point) (float64, float64) {
	fc := v.frame.Center()
	return fc.X + (p[0]-v.cx)*v.k, fc.Y + (p[1]-v.cy)*v.k
}

func (v mapView) line(ls []orb.Point) *canvas.Path {
	p := &canvas.Path{}
	for i, q := range ls {
		x, y := v.pt(q)
		if i == 0 {
			p.MoveTo(x, y)
		} else {
			p.LineTo(x, y)
		}
	}
	return p
}

func (v mapView) ring(r orb.Ring) *canvas.Path {
	p := v.line(r)
	if len(r) > 0 {
		p.Close()
	}
	return p
}

func (v mapView) polygon(poly orb.Polygon) *canvas.Path {
	p := &canvas.Path{}
	for _, r := range poly {
		p = p.Append(v.ring(r))
	}
	return p
}

func (v mapView) multiPolygon(mp orb.MultiPolygon) *canvas.Path {
	p := &canvas.Path{}
	for _, poly := range mp {
		p = p.Append(v.polygon(poly))
	}
	return p
}

// frame draws a map's frame as a thin border.
func (d *doc) frame(r canvas.Rect) {
	d.stroke(black, 0.3)
	d.rect(r.X0, r.Y0, r.W(), r.H())
}

// scaleBar draws a scale bar with its ratio, bottom left at (x, y).
func (d *doc) scaleBar(v mapView, x, y float64) canvas.Rect {
	// A bar of about 30 mm, in round metres.
	target := 30 / v.k
	step := math.Pow(10, math.Floor(math.Log10(target)))
	length := step
	for _, m := range []float64{1, 2, 5, 10} {
		if m*step <= target {
			length = m * step
		}
	}
	w := length * v.k
	h := 1.6
	d.fill(white)
	d.rect(x-1, y-1, w+24, h+11)
	for i := 0; i < 4; i++ {
		if i%2 == 0 {
			d.fill(black)
		} else {
			d.fill(white)
		}
		d.rect(x+float64(i)*w/4, y, w/4, h)
	}
	d.stroke(black, 0.2)
	d.rect(x, y, w, h)
	d.textAt(x, y+h+0.8, 6, "0", black, 0.5, 0)
	d.textAt(x+w, y+h+0.8, 6, fmt.Sprintf("%g m", length), black, 0.5, 0)
	return d.textAt(x, y+h+4.2, 7, fmt.Sprintf("比例尺 Scale 1:%g", v.ratio), black, 0, 0)
}

// northArrow draws the north arrow centred at (x, y). Maps are drawn with
// north up: the local plane's y axis is true north.
func (d *doc) northArrow(x, y float64) {
	p := &canvas.Path{}
	p.MoveTo(x, y+6)
	p.LineTo(x-3, y-4)
	p.LineTo(x, y-2)
	p.LineTo(x+3, y-4)
	p.Close()
	d.fillStroke(black, black, 0.2)
	d.ctx.DrawPath(0, 0, p)
	d.textAt(x, y+7, 8, "北 N", black, 0.5, 0)
}

// legendItem is one line of a legend: a symbol drawn in a 8 x 4 mm box
// whose bottom left is given, and its label.
type legendItem struct {
	symbol func(d *doc, x, y float64)
	label  string
}

// legend draws a legend box with its top left at (x, y) and returns its
// bottom.
func (d *doc) legend(x, y, width float64, items []legendItem) float64 {
	const lh = 5.2
	h := 7 + lh*float64(len(items))
	d.fillStroke(white, black, 0.25)
	d.rect(x, y-h, width, h)
	d.textAt(x+2, y-1.5, 8, "图例 Legend", black, 0, 1)
	for i, it := range items {
		yy := y - 7 - lh*float64(i+1) + 0.8
		it.symbol(d, x+2, yy)
		d.textAt(x+12, yy+2, 7, it.label, black, 0, 0.5)
	}
	return y - h
}

func lineSymbol(c color.RGBA, width float64, dashes ...float64) func(d *doc, x, y float64) {
	return func(d *doc, x, y float64) {
		d.stroke(c, width, dashes...)
		d.line(x, y+2, x+8, y+2)
	}
}

func boxSymbol(f, s color.RGBA) func(d *doc, x, y float64) {
	return func(d *doc, x, y float64) {
		d.fillStroke(f, s, 0.25)
		d.rect(x+1, y+0.3, 6, 3.4)
	}
}

func dotSymbol(c color.RGBA, r float64) func(d *doc, x, y float64) {
	return func(d *doc, x, y float64) {
		d.fillStroke(c, white, 0.2)
		d.ctx.DrawPath(x+4, y+2, canvas.Circle(r))
	}
}

// arrowHead draws a filled arrow head at the end of a path, pointing along
// its last segment.
func (d *doc) arrowHead(v mapView, ls []orb.Point, c color.RGBA, size float64) {
	if len(ls) < 2 {
		return
	}
	x1, y1 := v.pt(ls[len(ls)-1])
	var x0, y0 float64
	for i := len(ls) - 2; i >= 0; i-- {
		x0, y0 = v.pt(ls[i])
		if math.Hypot(x1-x0, y1-y0) > 0.01 {
			break
		}
	}
	a := math.Atan2(y1-y0, x1-x0)
	p := &canvas.Path{}
	p.MoveTo(x1, y1)
	p.LineTo(x1-size*math.Cos(a-0.4), y1-size*math.Sin(a-0.4))
	p.LineTo(x1-size*math.Cos(a+0.4), y1-size*math.Sin(a+0.4))
	p.Close()
	d.fill(c)
	d.ctx.DrawPath(0, 0, p)
}

// centroid is a label point for a building: the centre of its largest
// ring's bound, good enough for the blocky outlines of housing.
func centroid(mp orb.MultiPolygon) orb.Point {
	best, area := orb.Point{}, -1.0
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		b := poly[0].Bound()
		if a := (b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1]); a > area {
			best, area = b.Center(), a
		}
	}
	return best
}

// labelOnWhite writes s with a white ground under it, for names that sit
// on routes and fills.
func (d *doc) labelOnWhite(x, y, size float64, s string, c color.RGBA, ax, ay float64) {
	t := d.text(size, s, c)
	b := t.Bounds()
	x0 := x - ax*b.W()
	y0 := y - ay*b.H()
	d.fill(white)
	d.rect(x0-0.5, y0-0.3, b.W()+1, b.H()+0.6)
	d.textAt(x, y, size, s, c, ax, ay)
}

// liangBarsky is the part t0..t1 (of 0..1) of the segment from (x0, y0)
// by (dx, dy) that lies in r (Liang-Barsky); ok is false when none does.
func liangBarsky(x0, y0, dx, dy float64, r canvas.Rect) (t0, t1 float64, ok bool) {
	t0, t1 = 0, 1
	for _, e := range [][2]float64{{-dx, x0 - r.X0}, {dx, r.X1 - x0}, {-dy, y0 - r.Y0}, {dy, r.Y1 - y0}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
	}
	return t0, t1, t0 <= t1
}

// clipLine is the part of a line (metres) inside v's frame, as page
// paths: Liang-Barsky on each segment.
func clipLine(v mapView, ls orb.LineString) *canvas.Path {
	p := &canvas.Path{}
	f := v.frame
	var lastX, lastY float64
	open := false
	for i := 1; i < len(ls); i++ {
		x0, y0 := v.pt(ls[i-1])
		x1, y1 := v.pt(ls[i])
		dx, dy := x1-x0, y1-y0
		t0, t1, ok := liangBarsky(x0, y0, dx, dy, f)
		if !ok {
			open = false
			continue
		}
		ax, ay := x0+t0*dx, y0+t0*dy
		bx, by := x0+t1*dx, y0+t1*dy
		if !open || math.Abs(ax-lastX) > 1e-9 || math.Abs(ay-lastY) > 1e-9 {
			p.MoveTo(ax, ay)
		}
		p.LineTo(bx, by)
		lastX, lastY, open = bx, by, true
	}
	return p
}
