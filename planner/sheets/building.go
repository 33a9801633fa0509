package sheets

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"image/color"

	"github.com/tdewolff/canvas"
)

// BuildingSheet prints the sheet for a building's door: the compound map
// with its dry route (solid) and wet route (dashed) to its site, the site
// and its entry, the building's windows by unit and floor, and a QR code
// of the building's resident page.
func BuildingSheet(w io.Writer, p *Plan, building string, f Format, opts Options) error {
	b := p.Building(building)
	if b == nil {
		return badInput("no building %q in the plan", building)
	}
	if opts.BaseURL == "" {
		return errNoBaseURL
	}
	fonts, err := opts.fonts()
	if err != nil {
		return err
	}
	d := newDoc(w, f, fonts, a4W, a4H, 1)
	if err := d.buildingPage(p, b, opts); err != nil {
		return err
	}
	return d.close()
}

// BuildingSheets prints every building's sheet, one page each, into one
// document (in SVG, the pages stacked).
func BuildingSheets(w io.Writer, p *Plan, f Format, opts Options) error {
	if opts.BaseURL == "" {
		return errNoBaseURL
	}
	fonts, err := opts.fonts()
	if err != nil {
		return err
	}
	d := newDoc(w, f, fonts, a4W, a4H, len(p.Buildings))
	for _, b := range p.Buildings {
		if err := d.buildingPage(p, b, opts); err != nil {
			return err
		}
	}
	return d.close()
}

// errNoBaseURL: a building sheet's QR code must lead where the public
// can reach, and a printed sheet cannot be corrected.
var errNoBaseURL = badInput("no base URL for the building sheets' QR codes (Options.BaseURL)")

// dateLine is the plan's date and compound, for sheet headers.
func (p *Plan) dateLine() string {
	s := p.Compound.Name
	if p.Params.Date != "" {
		s += "  ·  " + p.Params.Date
	}
	return s + "  ·  核酸检测 Nucleic-acid testing"
}

func (d *doc) buildingPage(p *Plan, b *Building, opts Options) error {
	d.page()
	const m = 10.0
	// Header: compound and date, the building's name in large type, and
	// the QR code of its resident page at the top right.
	qrSize := 62.0
	url := ResidentURL(opts.BaseURL, p.Compound.ID, b.ID)
	if err := d.qr(a4W-m-qrSize, a4H-m-qrSize, qrSize, url); err != nil {
		return err
	}
	d.textAt(a4W-m-qrSize/2, a4H-m-qrSize-1.5, 10, "扫码看时间和路线", black, 0.5, 1)
	d.textAt(a4W-m-qrSize/2, a4H-m-qrSize-7, 8, "Scan for your time and route", black, 0.5, 1)

	headW := a4W - 2*m - qrSize - 6
	d.textAt(m, a4H-m, 9, p.dateLine(), black, 0, 1)
	name := b.Label()
	d.textAt(m, a4H-m-8, d.fitSize(44, headW, name), name, black, 0, 1)
	var facts []string
	if b.Units > 0 {
		facts = append(facts, fmt.Sprintf("%d 个单元 units", b.Units))
	}
	if b.Levels > 0 {
		facts = append(facts, fmt.Sprintf("%d 层 floors", b.Levels))
	}
	if b.Residents > 0 {
		facts = append(facts, fmt.Sprintf("%d 人 residents", b.Residents))
	}
	d.textAt(m, a4H-m-30, 11, "楼栋 Building "+b.ID, black, 0, 1)
	d.textAt(m, a4H-m-37, 11, strings.Join(facts, "  ·  "), black, 0, 1)

	// Where to go, in words, for each variant.
	y := a4H - m - 46.0
	for _, v := range p.Variants {
		s := variantName(v) + ": "
		if b.DoorToDoor[v] || b.Site[v] == "" {
			s += "上门采样，请在家等候 Sampled at home, please stay in"
		} else {
			s += "去 Go to " + p.SiteName(b.Site[v])
		}
		d.textAt(m, y, d.fitSize(13, headW, s), s, black, 0, 1)
		y -= 7
	}

	// The map, with its legend, scale bar and north arrow beside it.
	mapFrame := canvas.Rect{X0: m, Y0: 92, X1: 150, Y1: 212}
	d.buildingMap(p, b, mapFrame)

	// Windows by unit and floor.
	d.windowTable(p, b, canvas.Rect{X0: m, Y0: m, X1: a4W - m, Y1: 86})
	return nil
}

func (d *doc) buildingMap(p *Plan, b *Building, frame canvas.Rect) {
	inner := canvas.Rect{X0: frame.X0 + 3, Y0: frame.Y0 + 3, X1: frame.X1 - 3, Y1: frame.Y1 - 3}
	v := newMapView(inner, p.Bound(), 0)
	d.frame(frame)
	d.baseMap(p, v, b.ID)

	// Routes: dry solid, wet dashed; the way back thin.
	routeColour := map[string]color.RGBA{"dry": blue, "wet": purple}
	for _, r := range p.Routes {
		if r.Building != b.ID {
			continue
		}
		c, ok := routeColour[r.Variant]
		if !ok {
			c = green
		}
		width := 0.9
		if r.Direction == "back" {
			width = 0.35
		}
		var dashes []float64
		if r.Variant == "wet" {
			dashes = []float64{2.2, 1.3}
		}
		d.class("route", "route-"+r.Variant, "route-"+r.Direction)
		d.stroke(c, width, dashes...)
		d.ctx.DrawPath(0, 0, v.line(r.Path))
		d.arrowHead(v, r.Path, c, 2.5)
		d.class()
	}
	// This building's doors.
	for _, e := range p.Entrances {
		if e.Building == b.ID {
			x, y := v.pt(e.At)
			d.fillStroke(red, white, 0.3)
			d.ctx.DrawPath(x, y, canvas.Circle(1.4))
		}
	}

	// Side column: north arrow, legend, scale bar.
	x := frame.X1 + 4
	d.northArrow(x+10, frame.Y1-12)
	items := []legendItem{
		{boxSymbol(hiFill, red), "本楼 This building"},
		{dotSymbol(red, 1.3), "本楼门 Your door"},
		{boxSymbol(lightGrey, grey), "其他楼 Other buildings"},
		{boxSymbol(siteFill, green), "采样点 Sampling site"},
		{dotSymbol(green, 1.3), "排队入口 Line entry"},
	}
	routed := map[string]bool{}
	for _, r := range p.Routes {
		if r.Building == b.ID {
			routed[r.Variant] = true
		}
	}
	for _, vr := range p.Variants {
		if !routed[vr] {
			continue // door to door, or a plan without routes
		}
		c := routeColour[vr]
		var dashes []float64
		if vr == "wet" {
			dashes = []float64{2.2, 1.3}
		}
		items = append(items, legendItem{lineSymbol(c, 0.9, dashes...), variantName(vr) + " 去 To"})
		items = append(items, legendItem{lineSymbol(c, 0.35, dashes...), variantName(vr) + " 回 Back"})
	}
	items = append(items, legendItem{gateSymbol, "大门 Gate"})
	d.legend(x, frame.Y1-26, a4W-10-x, items)
	d.scaleBar(v, x+1, frame.Y0+1)
}

// baseMap draws the compound: buildings (the highlighted one in yellow),
// sites with their names and line entries, gates.
func (d *doc) baseMap(p *Plan, v mapView, highlight string) {
	// Sites in use in any variant.
	used := map[string]bool{}
	for _, s := range p.Sites {
		if s.Desks > 0 || len(s.DeskAt) > 0 {
			used[s.ID] = true
		}
	}
	drawn := map[string]bool{}
	for _, s := range p.Sites {
		if !used[s.ID] || drawn[s.ID] || len(s.Area) == 0 {
			continue
		}
		drawn[s.ID] = true
		fillC := siteFill
		if s.Sheltered {
			fillC = wetFill
		}
		d.class("site")
		d.fillStroke(fillC, green, 0.3)
		d.ctx.DrawPath(0, 0, v.polygon(s.Area))
		d.class()
	}
	for _, b := range p.Buildings {
		if b.ID == highlight {
			continue
		}
		d.fillStroke(lightGrey, grey, 0.2)
		d.ctx.DrawPath(0, 0, v.multiPolygon(b.Outline))
	}
	if hb := p.Building(highlight); hb != nil {
		d.fillStroke(hiFill, red, 0.6)
		d.ctx.DrawPath(0, 0, v.multiPolygon(hb.Outline))
	}
	d.baseLabels(p, v, highlight, used)
	entries := map[string]bool{}
	for _, s := range p.Sites {
		if s.Entry == nil {
			continue
		}
		k := fmt.Sprint(s.ID, *s.Entry)
		if entries[k] {
			continue
		}
		entries[k] = true
		x, y := v.pt(*s.Entry)
		d.fillStroke(green, white, 0.3)
		d.ctx.DrawPath(x, y, canvas.Circle(1.3))
	}
	for _, g := range p.Gates {
		x, y := v.pt(g.At)
		gateSymbol(d, x-4, y-2)
	}
}

// gateSymbol is a small black bar with a gap, as gates are drawn on plans.
func gateSymbol(d *doc, x, y float64) {
	d.fill(black)
	d.rect(x+1.5, y+1.2, 2, 1.6)
	d.rect(x+4.5, y+1.2, 2, 1.6)
}

// windowRow is one line of a building's windows.
type windowRow struct {
	unit, floors, when, site string
	start                    time.Time
	sortKey                  string
}

func (d *doc) windowTable(p *Plan, b *Building, r canvas.Rect) {
	cols := []string{}
	rows := map[string][]windowRow{}
	for _, v := range p.Variants {
		cols = append(cols, v)
		for _, w := range p.Schedule {
			if w.Variant != v {
				continue
			}
			for _, g := range w.Groups {
				if g.Building != b.ID {
					continue
				}
				row := windowRow{when: p.Local(w.Start).Format("15:04") + "–" + p.Local(w.End).Format("15:04"), site: p.SiteName(w.Site), start: w.Start}
				if g.Unit != "" {
					row.unit = g.Unit + "单元 Unit " + g.Unit
				} else {
					row.unit = "全楼 All"
				}
				row.floors = floorRange(g.Floors)
				row.sortKey = fmt.Sprintf("%8s|%03d", g.Unit, firstFloor(g.Floors))
				rows[v] = append(rows[v], row)
			}
		}
		sort.SliceStable(rows[v], func(i, j int) bool {
			a, b := rows[v][i], rows[v][j]
			if !a.start.Equal(b.start) {
				return a.start.Before(b.start)
			}
			return a.sortKey < b.sortKey
		})
	}
	d.textAt(r.X0, r.Y1, 14, "采样时间 When to come down  (按单元和楼层 by unit and floor)", black, 0, 1)
	top := r.Y1 - 9
	if len(cols) == 0 {
		return
	}
	colW := r.W() / float64(len(cols))
	for i, v := range cols {
		x := r.X0 + float64(i)*colW
		rs := rows[v]
		head := variantName(v)
		sites := map[string]bool{}
		for _, row := range rs {
			sites[row.site] = true
		}
		if len(sites) == 1 {
			head += "  →  " + rs[0].site
		}
		d.fill(lightGrey)
		d.rect(x, top-8, colW-3, 8)
		d.textAt(x+2, top-4, d.fitSize(12, colW-7, head), head, black, 0, 0.5)
		if b.DoorToDoor[v] || len(rs) == 0 {
			msg := "上门采样 Sampled at home"
			if !b.DoorToDoor[v] && b.Site[v] != "" {
				msg = "见通知 See notice"
			}
			d.textAt(x+2, top-14, 14, msg, black, 0, 1)
			continue
		}
		avail := top - 10 - r.Y0
		rowH := min(9.0, avail/float64(len(rs)))
		size := rowH / 0.3528 * 0.62
		for j, row := range rs {
			y := top - 10 - float64(j)*rowH
			s := row.unit + "  " + row.floors
			if len(sites) > 1 {
				s += "  " + row.site
			}
			d.textAt(x+2, y-rowH/2, size, row.when, black, 0, 0.5)
			tw := d.textWidth(size, "00:00–00:00")
			d.textAt(x+2+tw+4, y-rowH/2, d.fitSize(size, colW-tw-11, s), s, black, 0, 0.5)
			d.stroke(lightGrey, 0.2)
			d.line(x, y-rowH, x+colW-3, y-rowH)
		}
	}
}

func floorRange(fs []int) string {
	if len(fs) == 0 {
		return ""
	}
	lo, hi := fs[0], fs[0]
	for _, f := range fs {
		lo, hi = min(lo, f), max(hi, f)
	}
	if lo == hi {
		return fmt.Sprintf("%d层 Floor %d", lo, lo)
	}
	return fmt.Sprintf("%d–%d层 Floors %d–%d", lo, hi, lo, hi)
}

func firstFloor(fs []int) int {
	if len(fs) == 0 {
		return 0
	}
	return fs[0]
}
