package sheets

import (
	"fmt"
	"image/color"
	"sort"

	"github.com/paulmach/orb"
	"github.com/tdewolff/canvas"
)

// battleLabels names the battle map's sites, buildings and gates through
// the label placer: clear of the routes, the door-to-door walk and
// numbers, the posts and the gates, and of each other. Sites first, then
// buildings by residents, most first, then gates.
func (d *doc) battleLabels(p *Plan, v mapView, variant string, sites []*Site, colour map[string]color.RGBA, order []*Building, postR float64) {
	lp := newLabelPlacer(v.frame)
	for _, r := range p.Routes {
		if r.Variant == variant {
			lp.avoidWalk(v, r.Path, 1.8)
		}
	}
	for _, vis := range p.Visits {
		if vis.Variant == variant {
			lp.avoidWalk(v, vis.Path, 2.2)
		}
	}
	for _, b := range order { // the visit numbers, at the outlines' top left
		bb := b.Outline.Bound()
		x, y := v.pt(orb.Point{bb.Min[0], bb.Max[1]})
		lp.block(pointBox(x, y, 2))
	}
	for _, post := range p.Posts {
		if post.Variant == variant {
			x, y := v.pt(post.At)
			lp.block(pointBox(x, y, postR*1.2))
		}
	}
	for _, g := range p.Gates {
		lp.block(gateBox(v, g))
	}
	for _, s := range sites {
		if len(s.Area) == 0 {
			continue
		}
		d.mapLabel(lp, pageBox(v, s.Area.Bound()), 7, siteMapName(s), colour[s.ID], false, white, farRings...)
	}
	d.buildingLabels(lp, v, p, "", 5.5)
	d.gateLabels(lp, v, p)
}

// buildingLabels names the buildings but skip, the biggest first: inside
// the outline when the name fits there, else beside it, else not at all.
func (d *doc) buildingLabels(lp *labelPlacer, v mapView, p *Plan, skip string, size float64) {
	bs := make([]*Building, 0, len(p.Buildings))
	for _, b := range p.Buildings {
		if b.ID != skip {
			bs = append(bs, b)
		}
	}
	sort.SliceStable(bs, func(i, j int) bool { return bs[i].Residents > bs[j].Residents })
	for _, b := range bs {
		out := v.visible(b.Outline)
		if out == nil {
			continue // off this map
		}
		s, inside := d.buildingLabelSize(v, out, b.Label(), size)
		d.mapLabel(lp, pageBox(v, out.Bound()), s, b.Label(), black, inside, lightGrey)
	}
}

// baseLabels names a building sheet's map through the label placer: the
// reader's own building on a white ground outlined red, always, then the
// sites, the other buildings and the gates where there is room, clear of
// the building's routes, its doors and the sites' line entries.
func (d *doc) baseLabels(p *Plan, v mapView, highlight string, used map[string]bool, inset canvas.Rect) {
	lp := newLabelPlacer(v.frame)
	if inset.W() > 0 {
		lp.block(inset)
	}
	for _, r := range p.Routes {
		if r.Building == highlight {
			lp.avoidWalk(v, r.Path, 2.5)
		}
	}
	for _, e := range p.Entrances {
		if e.Building == highlight {
			x, y := v.pt(e.At)
			lp.block(pointBox(x, y, 1.6))
		}
	}
	for _, s := range p.Sites {
		if s.Entry != nil {
			x, y := v.pt(*s.Entry)
			lp.block(pointBox(x, y, 1.5))
		}
	}
	for _, g := range p.Gates {
		lp.block(gateBox(v, g))
	}
	if hb := p.Building(highlight); hb != nil {
		// Beside the building when the doors or a route leave no room on it.
		a := pageBox(v, v.visible(hb.Outline).Bound())
		t := d.text(9, hb.Label(), black)
		w, h := t.Bounds().W()+1.6, t.Bounds().H()+1.2
		r, _, ok := lp.place(a, w, h, true, farRings...)
		if !ok { // the reader's building is named even where nothing is free
			c := a.Center()
			r = canvas.Rect{X0: c.X - w/2, Y0: c.Y - h/2, X1: c.X + w/2, Y1: c.Y + h/2}
			lp.block(r)
		}
		d.class("label-box")
		d.fillStroke(white, red, 0.3)
		d.rect(r.X0, r.Y0, w, h)
		d.class()
		d.textAt(r.Center().X, r.Center().Y, 9, hb.Label(), black, 0.5, 0.5)
	}
	drawn := map[string]bool{}
	for _, s := range p.Sites {
		if !used[s.ID] || drawn[s.ID] || len(s.Area) == 0 {
			continue
		}
		drawn[s.ID] = true
		if area := v.visiblePolygon(s.Area); area != nil {
			d.mapLabel(lp, pageBox(v, area.Bound()), 7, s.Label(), green, false, white, farRings...)
		}
	}
	d.buildingLabels(lp, v, p, highlight, 6)
	d.gateLabels(lp, v, p)
}

// gateBox is a gate's name's box on the page.
func gateBox(v mapView, g Gate) canvas.Rect {
	x, y := v.pt(g.At)
	return canvas.Rect{X0: x - 2.5, Y0: y - 0.8, X1: x + 2.5, Y1: y + 0.8}
}

// gateLabels names the gates on the map where there is room.
func (d *doc) gateLabels(lp *labelPlacer, v mapView, p *Plan) {
	for _, g := range p.Gates {
		if v.inFrame(g.At) {
			d.mapLabel(lp, gateBox(v, g), 6, g.Name, black, false, white)
		}
	}
}

// siteMapName is a site's name on the battle map, with its desks and the
// canopies put up over them.
func siteMapName(s *Site) string {
	n := fmt.Sprintf("%s (%d台 desks", s.Label(), max(s.Desks, len(s.DeskAt)))
	if c := len(canopySpots(s)); c > 0 {
		n += fmt.Sprintf(", %d顶雨棚 canopies", c)
	}
	return n + ")"
}
