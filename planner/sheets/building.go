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

// BuildingSheet prints the sheet for a building's door: a map of its walk
// at the scale that fits it, with its dry route (solid) and wet route
// (dashed) to its site and back, the site and its entry, and an inset of
// the whole compound; the building's windows by unit and floor, each
// floor in one window; and a QR code of the building's resident page.
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

// notPlanned is what a building sheet says of a building the plan gives
// neither a site nor a door-to-door visit.
const notPlanned = "未安排，请等候居委会通知 Not planned yet: wait for the committee's notice"

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
		switch {
		case b.DoorToDoor[v] || b.Sealed:
			s += "上门采样，请在家等候 Sampled at home, please stay in"
		case b.Site[v] == "":
			// Not routed (no walkway reaches the door): nobody comes to
			// the door either, so the sheet must not say so.
			s += notPlanned
		default:
			s += "去 Go to " + p.SiteName(b.Site[v])
		}
		d.textAt(m, y, d.fitSize(13, headW, s), s, black, 0, 1)
		y -= 7
	}
	if zh, en := studentsLine(p, b); zh != "" {
		d.textAt(m, y-1, d.fitSize(12, headW, zh), zh, black, 0, 1)
		d.textAt(m, y-7, d.fitSize(9, headW, en), en, black, 0, 1)
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
	v, inset := p.walkView(b, inner)
	d.frame(frame)
	d.baseMap(p, v, b.ID, inset)

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
		d.ctx.DrawPath(0, 0, clipLine(v, r.Path))
		d.class()
		if len(r.Path) > 0 && v.inFrame(r.Path[len(r.Path)-1]) {
			d.arrowHead(v, r.Path, c, 2.5)
		}
	}
	// This building's doors.
	for _, e := range p.Entrances {
		if e.Building == b.ID && v.inFrame(e.At) {
			x, y := v.pt(e.At)
			d.class("door")
			d.fillStroke(red, white, 0.3)
			d.ctx.DrawPath(x, y, canvas.Circle(1.4))
			d.class()
		}
	}
	if inset.W() > 0 {
		d.compoundInset(p, b, v, inset)
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

// baseMap draws the part of the compound on v's map: buildings (the
// highlighted one in yellow), sites with their names and line entries,
// gates; names clear of the inset.
func (d *doc) baseMap(p *Plan, v mapView, highlight string, inset canvas.Rect) {
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
		area := v.visiblePolygon(s.Area)
		if area == nil {
			continue
		}
		fillC := siteFill
		if s.Sheltered {
			fillC = wetFill
		}
		d.class("site")
		d.fillStroke(fillC, green, 0.3)
		d.ctx.DrawPath(0, 0, v.polygon(area))
		d.class()
	}
	for _, b := range p.Buildings {
		if b.ID == highlight {
			continue
		}
		if out := v.visible(b.Outline); out != nil {
			d.fillStroke(lightGrey, grey, 0.2)
			d.ctx.DrawPath(0, 0, v.multiPolygon(out))
		}
	}
	if hb := p.Building(highlight); hb != nil {
		d.fillStroke(hiFill, red, 0.6)
		d.ctx.DrawPath(0, 0, v.multiPolygon(v.visible(hb.Outline)))
	}
	d.baseLabels(p, v, highlight, used, inset)
	entries := map[string]bool{}
	for _, s := range p.Sites {
		if s.Entry == nil {
			continue
		}
		k := fmt.Sprint(s.ID, *s.Entry)
		if entries[k] || !v.inFrame(*s.Entry) {
			continue
		}
		entries[k] = true
		x, y := v.pt(*s.Entry)
		d.fillStroke(green, white, 0.3)
		d.ctx.DrawPath(x, y, canvas.Circle(1.3))
	}
	for _, g := range p.Gates {
		if !v.inFrame(g.At) {
			continue
		}
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

// windowRow is one line of a building's windows: one unit in one window.
type windowRow struct {
	unitID                   string
	unit, floors, when, site string
	start                    time.Time
	sortKey                  string
	// whole are the floors this row alone calls, sorted; parts the
	// floors it shares with other windows.
	whole []int
	parts []floorPart
}

// floorPart is a floor called in more than one window: the rooms called
// in this one, or none when the plan does not say.
type floorPart struct {
	floor int
	rooms []string // "801–806"
}

// floorKey is one floor of one unit.
type floorKey struct {
	unit  string
	floor int
}

// windowRows are a building's windows in a variant, one row per window
// and unit, each floor in exactly one row: the floors a window calls
// whole as ranges, and a floor the plan calls in more than one window
// listed by room where the plan says which rooms, else marked as a part
// in each of its windows (part is then true, and the table says what
// that means).
func windowRows(p *Plan, b *Building, variant string) (rows []windowRow, part bool) {
	type piece struct {
		floor int
		rooms []int
	}
	type cell struct {
		w      *Window
		unit   string
		whole  map[int]bool
		pieces []piece
		all    bool // a group without floors: the whole unit
	}
	windows := map[floorKey]map[int]bool{} // floor -> windows calling it
	var cells []*cell
	byKey := map[[2]string]*cell{}
	for i := range p.Schedule {
		w := &p.Schedule[i]
		if w.Variant != variant {
			continue
		}
		for _, g := range w.Groups {
			if g.Building != b.ID {
				continue
			}
			k := [2]string{fmt.Sprint(w.Index), g.Unit}
			c := byKey[k]
			if c == nil {
				c = &cell{w: w, unit: g.Unit, whole: map[int]bool{}}
				byKey[k] = c
				cells = append(cells, c)
			}
			if len(g.Floors) == 0 {
				c.all = true
				continue
			}
			lo, hi := floorSpan(g.Floors)
			for f := lo; f <= hi; f++ {
				fk := floorKey{g.Unit, f}
				if windows[fk] == nil {
					windows[fk] = map[int]bool{}
				}
				windows[fk][w.Index] = true
				c.whole[f] = true
				if g.Rooms != nil && lo == hi {
					c.pieces = append(c.pieces, piece{f, g.Rooms})
				}
			}
		}
	}
	for _, c := range cells {
		var whole []int
		var parts []floorPart
		for f := range c.whole {
			if len(windows[floorKey{c.unit, f}]) == 1 {
				whole = append(whole, f)
				continue
			}
			fp := floorPart{floor: f}
			for _, pc := range c.pieces {
				if pc.floor == f {
					fp.rooms = append(fp.rooms, roomRange(pc.rooms))
				}
			}
			parts = append(parts, fp)
		}
		sort.Ints(whole)
		sort.Slice(parts, func(i, j int) bool { return parts[i].floor < parts[j].floor })
		type item struct {
			floor  int
			cn, en string
		}
		var items []item
		for _, r := range runsOf(whole) {
			t := fmt.Sprint(r[0])
			if r[1] > r[0] {
				t = fmt.Sprintf("%d–%d", r[0], r[1])
			}
			items = append(items, item{r[0], t + "层", t})
		}
		for _, fp := range parts {
			if len(fp.rooms) > 0 {
				rs := strings.Join(fp.rooms, ", ")
				items = append(items, item{fp.floor, fmt.Sprintf("%d层 %s室", fp.floor, rs), fmt.Sprintf("%d (rooms %s)", fp.floor, rs)})
			} else {
				items = append(items, item{fp.floor, fmt.Sprintf("%d层（部分）", fp.floor), fmt.Sprintf("%d (part)", fp.floor)})
				part = true
			}
		}
		sort.SliceStable(items, func(i, j int) bool { return items[i].floor < items[j].floor })
		var cn, en []string
		if c.all {
			cn, en = append(cn, "各层"), append(en, "all")
		}
		for _, it := range items {
			cn, en = append(cn, it.cn), append(en, it.en)
		}
		row := windowRow{when: p.Local(c.w.Start).Format("15:04") + "–" + p.Local(c.w.End).Format("15:04"), site: p.SiteName(c.w.Site), start: c.w.Start}
		if c.unit != "" {
			row.unit = c.unit + "单元 Unit " + c.unit
		} else {
			row.unit = "全楼 All"
		}
		floorsWord := "Floors "
		if len(whole)+len(parts) == 1 && !c.all {
			floorsWord = "Floor "
		}
		row.floors = strings.Join(cn, "、") + " " + floorsWord + strings.Join(en, ", ")
		row.unitID, row.whole, row.parts = c.unit, whole, parts
		first := 0
		if len(whole) > 0 {
			first = whole[0]
		}
		if len(parts) > 0 && (first == 0 || parts[0].floor < first) {
			first = parts[0].floor
		}
		row.sortKey = fmt.Sprintf("%8s|%03d", c.unit, first)
		rows = append(rows, row)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.start.Equal(b.start) {
			return a.start.Before(b.start)
		}
		return a.sortKey < b.sortKey
	})
	return rows, part
}

// partNote explains "（部分）/ (part)" under the window table.
const partNote = "（部分）该层分在几个时段，请听楼长通知是哪一个  ·  (part): this floor is called in more than one window; your building lead tells each household which"

// studentsLine tells a building's households of the students' period:
// when it is at the building's site (planfile.File.StudentsWindows, as
// the queue books it), and how to book
// it, in Chinese and in English; "" when the plan has none, or the
// building is sampled at home.
func studentsLine(p *Plan, b *Building) (zh, en string) {
	if b.Sealed {
		return "", ""
	}
	var from, to time.Time
	for _, v := range p.Variants {
		if b.DoorToDoor[v] || b.Site[v] == "" {
			continue
		}
		for _, w := range p.StudentsWindows(b, v) {
			if from.IsZero() || w.Start.Before(from) {
				from = w.Start
			}
			if w.End.After(to) {
				to = w.End
			}
		}
	}
	if from.IsZero() {
		return "", ""
	}
	span := p.Local(from).Format("15:04") + "–" + p.Local(to).Format("15:04")
	return "学生专场 " + span + "（放学后）：扫码预约时勾选“只为家里的学生”",
		"Students' period " + span + " (after school): when booking, tick \"only the household's students\""
}

func (d *doc) windowTable(p *Plan, b *Building, r canvas.Rect) {
	cols := []string{}
	rows := map[string][]windowRow{}
	anyPart := false
	for _, v := range p.Variants {
		cols = append(cols, v)
		rs, part := windowRows(p, b, v)
		rows[v] = rs
		anyPart = anyPart || part
	}
	d.textAt(r.X0, r.Y1, 14, "采样时间 When to come down  (按单元和楼层 by unit and floor)", black, 0, 1)
	top := r.Y1 - 9
	if len(cols) == 0 {
		return
	}
	if anyPart {
		d.textAt(r.X0, r.Y0, d.fitSize(8, r.W(), partNote), partNote, black, 0, 0)
		r.Y0 += 5
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
		if b.DoorToDoor[v] || b.Sealed || len(rs) == 0 {
			msg := "上门采样 Sampled at home"
			if !b.DoorToDoor[v] && !b.Sealed {
				msg = "见通知 See notice"
			}
			d.textAt(x+2, top-14, 14, msg, black, 0, 1)
			continue
		}
		avail := top - 10 - r.Y0
		rowH := min(9.0, avail/float64(len(rs)))
		size := rowH / 0.3528 * 0.62
		line := func(row windowRow) string {
			s := row.unit + "  " + row.floors
			if len(sites) > 1 {
				s += "  " + row.site
			}
			return s
		}
		// One size for the column's times and one for its floors, so
		// that no row looks less important than another: as large as
		// the longest line lets, but never below 9 pt for the times.
		textSize := size
		for _, row := range rs {
			tw := d.textWidth(size, "00:00–00:00")
			textSize = min(textSize, d.fitSize(size, colW-tw-11, line(row)))
		}
		timeSize := min(size, max(textSize*1.4, 9))
		for j, row := range rs {
			y := top - 10 - float64(j)*rowH
			s := line(row)
			d.textAt(x+2, y-rowH/2, timeSize, row.when, black, 0, 0.5)
			tw := d.textWidth(timeSize, "00:00–00:00")
			d.textAt(x+2+tw+3, y-rowH/2, d.fitSize(max(textSize, min(size, 7)), colW-tw-10, s), s, black, 0, 0.5)
			d.stroke(lightGrey, 0.2)
			d.line(x, y-rowH, x+colW-3, y-rowH)
		}
	}
}

// floorSpan is the lowest and highest of a group's floors.
func floorSpan(fs []int) (int, int) {
	lo, hi := fs[0], fs[0]
	for _, f := range fs {
		lo, hi = min(lo, f), max(hi, f)
	}
	return lo, hi
}

// runsOf is sorted floors as runs of consecutive floors, [first, last].
func runsOf(fs []int) [][2]int {
	var out [][2]int
	for i := 0; i < len(fs); {
		j := i
		for j+1 < len(fs) && fs[j+1] == fs[j]+1 {
			j++
		}
		out = append(out, [2]int{fs[i], fs[j]})
		i = j + 1
	}
	return out
}

// roomRange writes a group's rooms, [801, 806], as "801–806".
func roomRange(rs []int) string {
	if rs[0] == rs[1] {
		return fmt.Sprint(rs[0])
	}
	return fmt.Sprintf("%d–%d", rs[0], rs[1])
}
