package sheets

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/tdewolff/canvas"
)

// BattleMap prints the battle map (排兵布阵图) of a variant on landscape A4:
// the whole compound with its sites, routes coloured by site, every post
// by role with the staff totals, gates, sealed buildings and the
// door-to-door order.
func BattleMap(w io.Writer, p *Plan, variant string, f Format, opts Options) error {
	known := false
	for _, v := range p.Variants {
		known = known || v == variant
	}
	if !known {
		return badInput("no variant %q in the plan (it has %v)", variant, p.Variants)
	}
	fonts, err := opts.fonts()
	if err != nil {
		return err
	}
	d := newDoc(w, f, fonts, a4H, a4W, 1)
	d.page()
	d.battlePage(p, variant)
	return d.close()
}

// roles in the order the battle map lists them.
var roles = []string{"coordinator", "marshal", "caller", "guard"}

// roleGlyph is the character in a post's symbol.
var roleGlyph = map[string]string{"coordinator": "协", "marshal": "引", "caller": "喊", "guard": "岗"}

var roleColour = map[string]color.RGBA{
	"coordinator": {0xc6, 0x28, 0x28, 0xff},
	"marshal":     {0x15, 0x65, 0xc0, 0xff},
	"caller":      {0x2e, 0x7d, 0x32, 0xff},
	"guard":       {0x42, 0x42, 0x42, 0xff},
}

// postSymbol draws a post: a disc in its role's colour with the role's
// character, centred at (x, y).
func (d *doc) postSymbol(role string, x, y, r float64) {
	c, ok := roleColour[role]
	if !ok {
		c = grey
	}
	d.class("post", "post-"+role)
	d.fillStroke(c, white, 0.25)
	if role == "guard" {
		d.ctx.DrawPath(x, y, canvas.RegularPolygon(4, r*1.2, true))
	} else {
		d.ctx.DrawPath(x, y, canvas.Circle(r))
	}
	d.class()
	if g := roleGlyph[role]; g != "" {
		d.textAt(x, y, r/0.3528*1.25, g, white, 0.5, 0.5)
	}
}

func (d *doc) battlePage(p *Plan, variant string) {
	const m = 10.0
	pw, ph := a4H, a4W
	d.textAt(m, ph-m, 9, p.dateLine(), black, 0, 1)
	d.textAt(m, ph-m-5, 18, "排兵布阵图 Battle map  ·  "+variantName(variant), black, 0, 1)

	panelW := 82.0
	frame := canvas.Rect{X0: m, Y0: m, X1: pw - m - panelW - 4, Y1: ph - m - 16}
	inner := canvas.Rect{X0: frame.X0 + 3, Y0: frame.Y0 + 3, X1: frame.X1 - 3, Y1: frame.Y1 - 3}
	v := newMapView(inner, p.Bound(), 0)
	d.frame(frame)

	sites := p.UsedSites(variant)
	colour := map[string]color.RGBA{}
	for i, c := range siteColours(len(sites)) {
		colour[sites[i].ID] = c
	}
	// Sites in their colours.
	for _, s := range sites {
		if len(s.Area) == 0 {
			continue
		}
		c := colour[s.ID]
		light := color.RGBA{uint8(255 - (255-int(c.R))/4), uint8(255 - (255-int(c.G))/4), uint8(255 - (255-int(c.B))/4), 255}
		d.class("site")
		d.fillStroke(light, c, 0.5)
		d.ctx.DrawPath(0, 0, v.polygon(s.Area))
		d.class()
	}
	// Buildings: grey; sealed ones outlined red and hatched; door-to-door
	// ones (sealed or not) numbered in visiting order below.
	for _, b := range p.Buildings {
		if b.Sealed || b.DoorToDoor[variant] {
			d.class("building", "sealed")
			d.fillStroke(color.RGBA{0xff, 0xcd, 0xd2, 0xff}, red, 0.6)
			d.ctx.DrawPath(0, 0, v.multiPolygon(b.Outline))
			d.class()
			d.hatch(v, b.Outline, red)
		} else {
			d.fillStroke(lightGrey, grey, 0.2)
			d.ctx.DrawPath(0, 0, v.multiPolygon(b.Outline))
		}
	}
	// Routes coloured by site: to solid, back thin dashed.
	for _, r := range p.Routes {
		if r.Variant != variant {
			continue
		}
		c, ok := colour[r.Site]
		if !ok {
			c = grey
		}
		d.class("route", "route-"+r.Direction)
		if r.Direction == "back" {
			d.stroke(c, 0.25, 1.2, 0.8)
		} else {
			d.stroke(c, 0.55)
		}
		d.ctx.DrawPath(0, 0, v.line(r.Path))
		d.class()
		if r.Direction != "back" {
			d.arrowHead(v, r.Path, c, 1.8)
		}
	}
	// Door-to-door walks and the visiting order.
	order := visitOrder(p, variant)
	for _, vis := range p.Visits {
		if vis.Variant != variant {
			continue
		}
		d.class("visit")
		d.stroke(purple, 0.7, 2, 1)
		d.ctx.DrawPath(0, 0, v.line(vis.Path))
		d.class()
		d.arrowHead(v, vis.Path, purple, 2.2)
	}
	// The door-to-door numbers; names are placed last, clear of them.
	for i, b := range order {
		// At the outline's top left corner, clear of the name.
		bb := b.Outline.Bound()
		x, y := v.pt(orb.Point{bb.Min[0], bb.Max[1]})
		d.fillStroke(purple, white, 0.3)
		d.ctx.DrawPath(x, y, canvas.Circle(2))
		d.textAt(x, y, 7, fmt.Sprint(i+1), white, 0.5, 0.5)
	}
	// Desks.
	for _, s := range sites {
		for _, at := range s.DeskAt {
			x, y := v.pt(at)
			d.fill(orange)
			d.rect(x-0.8, y-0.5, 1.6, 1)
		}
	}
	// Canopies over the open sites' desks, as the plan counts them.
	canopyR := math.Max(0.9, math.Min(2, 1.5*v.k)) // a 3 m canopy
	for _, s := range sites {
		for _, at := range canopySpots(s) {
			x, y := v.pt(at)
			d.canopySymbol(x, y, canopyR, "canopy")
		}
	}
	// Gates.
	for _, g := range p.Gates {
		x, y := v.pt(g.At)
		gateSymbol(d, x-4, y-2)
	}
	// Posts on top, as large as the scale allows without hiding the
	// buildings they stand at: 3 m across, between 1.6 and 3.2 mm.
	postR := math.Max(0.8, math.Min(1.6, 1.5*v.k))
	perSite := map[string]map[string]int{}
	for _, post := range p.Posts {
		if post.Variant != variant {
			continue
		}
		if post.Site != "" {
			if perSite[post.Site] == nil {
				perSite[post.Site] = map[string]int{}
			}
			perSite[post.Site][post.Role]++
		}
		x, y := v.pt(post.At)
		d.postSymbol(post.Role, x, y, postR)
	}
	d.battleLabels(p, v, variant, sites, colour, order, postR)

	// Side panel: north arrow and scale, staff totals, per site, legend.
	px := pw - m - panelW
	y := ph - m - 16
	d.northArrow(px+8, y-10)
	d.scaleBar(v, px+22, y-14)
	y -= 24
	d.textAt(px, y, 11, "人员合计 Staff totals", black, 0, 1)
	y -= 6.5
	staff, total := staffRows(p, variant)
	for _, r := range staff {
		if roleGlyph[r.role] != "" {
			d.postSymbol(r.role, px+2, y-2, 1.6)
		} else if r.role == "door-to-door" {
			d.fillStroke(purple, white, 0.25)
			d.ctx.DrawPath(px+2, y-2, canvas.Circle(1.6))
		}
		d.textAt(px+6, y-2, 8, roleName(r.role), black, 0, 0.5)
		d.textAt(px+panelW, y-2, 9, fmt.Sprint(r.n), black, 1, 0.5)
		y -= 5.2
	}
	teams := 0
	for _, vis := range p.Visits {
		if vis.Variant == variant {
			teams++
		}
	}
	d.stroke(black, 0.3)
	d.line(px, y, px+panelW, y)
	y -= 1
	d.textAt(px+6, y-2.2, 9, "合计 Total", black, 0, 0.5)
	d.textAt(px+panelW, y-2.2, 9, fmt.Sprint(total), black, 1, 0.5)
	y -= 5.5
	if teams > 0 {
		d.textAt(px+6, y-2, 8, fmt.Sprintf("上门采样组 Door-to-door teams: %d", teams), black, 0, 0.5)
		y -= 5.2
	}
	d.battleSites(p, sites, colour, perSite, px, y-3, panelW, m)
}

// staffRow is one line of the battle map's staff totals.
type staffRow struct {
	role string
	n    int
}

// staffRows are a variant's staff by role, and their total: the posts on
// the map by role, then the staff the plan's report counts who have no
// post on it (the door-to-door team), so that the total is the report's.
func staffRows(p *Plan, variant string) ([]staffRow, int) {
	counts := map[string]int{}
	for _, post := range p.Posts {
		if post.Variant == variant {
			counts[post.Role]++
		}
	}
	var rows []staffRow
	total := 0
	listed := map[string]bool{}
	for _, r := range roles {
		rows = append(rows, staffRow{r, counts[r]})
		total += counts[r]
		listed[r] = true
	}
	var others []string
	for r := range counts {
		if !listed[r] {
			others = append(others, r)
		}
	}
	if fig := p.Report.Figures[variant]; fig != nil {
		for r := range fig.StaffByRole {
			if !listed[r] && counts[r] == 0 {
				others = append(others, r)
			}
		}
	}
	sort.Strings(others)
	for _, r := range others {
		n := counts[r]
		if n == 0 {
			n = p.Report.Figures[variant].StaffByRole[r] // no post on the map
		}
		rows = append(rows, staffRow{r, n})
		total += n
	}
	return rows, total
}

// canopySpots are where a site's canopies stand: over its desks, one
// each, and any the plan counts beyond its desks along the site's middle.
func canopySpots(s *Site) []orb.Point {
	if s.Canopies <= 0 || s.Sheltered {
		return nil
	}
	var out []orb.Point
	for i := 0; i < s.Canopies; i++ {
		if i < len(s.DeskAt) {
			out = append(out, s.DeskAt[i])
			continue
		}
		if len(s.Area) == 0 {
			break
		}
		b := s.Area.Bound()
		extra := s.Canopies - len(s.DeskAt)
		k := i - len(s.DeskAt)
		t := (float64(k) + 0.5) / float64(extra)
		out = append(out, orb.Point{b.Min[0] + t*(b.Max[0]-b.Min[0]), b.Center()[1]})
	}
	return out
}

// canopyColour is the canopies' colour: a rain blue.
var canopyColour = color.RGBA{0x01, 0x57, 0x9b, 0xff}

// canopySymbol draws a canopy seen from above, r mm from its centre to a
// side: its square roof, dashed as overhead things are on plans, and the
// ridges from corner to corner.
// The roof is tagged with the classes given.
func (d *doc) canopySymbol(x, y, r float64, class ...string) {
	d.class(class...)
	d.stroke(canopyColour, 0.25, 0.6, 0.35)
	d.rect(x-r, y-r, 2*r, 2*r)
	d.class()
	d.stroke(canopyColour, 0.15)
	d.line(x-r, y-r, x+r, y+r)
	d.line(x-r, y+r, x+r, y-r)
}

func canopyLegend(d *doc, x, y float64) { d.canopySymbol(x+4, y+2, 1.6) }

func numberSymbol(d *doc, x, y float64) {
	d.fillStroke(purple, white, 0.3)
	d.ctx.DrawPath(x+4, y+2, canvas.Circle(2))
	d.textAt(x+4, y+2, 6, "1", white, 0.5, 0.5)
}

// hatch draws diagonal lines across a building's bound, the plan-maker's
// sign for "closed"; drawn within the outline's bound only, which for
// blocky housing is close enough.
func (d *doc) hatch(v mapView, mp orb.MultiPolygon, c color.RGBA) {
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		x0, y0 := v.pt(poly[0].Bound().Min)
		x1, y1 := v.pt(poly[0].Bound().Max)
		d.stroke(c, 0.2)
		const step = 1.5
		for t := -(y1 - y0); t < x1-x0; t += step {
			// Line x = x0 + t + s, y = y0 + s, clipped to the box.
			s0 := math.Max(0, -t)
			s1 := math.Min(y1-y0, x1-x0-t)
			if s1 > s0 {
				d.line(x0+t+s0, y0+s0, x0+t+s1, y0+s1)
			}
		}
	}
}

// visitOrder is the door-to-door buildings of a variant in the order the
// walks reach them: by how far along a walk the building's nearest point
// lies.
func visitOrder(p *Plan, variant string) []*Building {
	type at struct {
		b    *Building
		walk int
		dist float64
	}
	var out []at
	for _, b := range p.Buildings {
		if !(b.Sealed || b.DoorToDoor[variant]) {
			continue
		}
		c := centroid(b.Outline)
		best := at{b: b, walk: math.MaxInt, dist: math.Inf(1)}
		bestGap := math.Inf(1)
		wi := 0
		for _, vis := range p.Visits {
			if vis.Variant != variant {
				continue
			}
			along := 0.0
			for i := 1; i < len(vis.Path); i++ {
				a, e := vis.Path[i-1], vis.Path[i]
				seg := math.Hypot(e[0]-a[0], e[1]-a[1])
				gap, t := pointSegment(c, a, e)
				if gap < bestGap {
					bestGap = gap
					best.walk, best.dist = wi, along+t*seg
				}
				along += seg
			}
			wi++
		}
		out = append(out, best)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].walk != out[j].walk {
			return out[i].walk < out[j].walk
		}
		return out[i].dist < out[j].dist
	})
	bs := make([]*Building, len(out))
	for i, a := range out {
		bs[i] = a.b
	}
	return bs
}

// pointSegment is the distance from c to segment ab, and where along it
// (0 to 1) the nearest point is.
func pointSegment(c, a, b orb.Point) (float64, float64) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, ((c[0]-a[0])*dx+(c[1]-a[1])*dy)/l2))
	}
	return math.Hypot(a[0]+t*dx-c[0], a[1]+t*dy-c[1]), t
}
