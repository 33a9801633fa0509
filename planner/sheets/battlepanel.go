package sheets

import (
	"fmt"
	"image/color"
	"math"
)

// battleSites draws the battle map's list of sites and its legend in the
// side panel, from top down to bottom: one column while it fits, two
// when the sites are many, and in two columns of one line each when they
// are very many, so that the legend always stays on the page.
func (d *doc) battleSites(p *Plan, sites []*Site, colour map[string]color.RGBA, perSite map[string]map[string]int, px, top, panelW, bottom float64) {
	items := []legendItem{
		{lineSymbol(sitePalette[0], 0.55), "去采样点 To the site (颜色=采样点 colour = site)"},
		{lineSymbol(sitePalette[0], 0.25, 1.2, 0.8), "返回 Way back"},
		{boxSymbol(color.RGBA{0xff, 0xcd, 0xd2, 0xff}, red), "封控楼 Sealed building"},
		{lineSymbol(purple, 0.7, 2, 1), "上门路线 Door-to-door walk"},
		{numberSymbol, "上门顺序 Visit order"},
		{boxSymbol(orange, orange), "采样台 Desk"},
	}
	canopies := 0
	for _, s := range sites {
		canopies += len(canopySpots(s))
	}
	if canopies > 0 {
		items = append(items, legendItem{canopyLegend, fmt.Sprintf("雨棚 Canopy (%d顶 in all)", canopies)})
	}
	items = append(items, legendItem{gateSymbol, "大门 Gate"})
	legendH := 7 + 5.2*float64(len(items))
	room := top - 6.5 - 2 - legendH - bottom
	cols, rowH, detail := 1, 9.6, true
	n := float64(len(sites))
	switch {
	case n*9.6 <= room:
	case math.Ceil(n/2)*9.6 <= room:
		cols = 2
	default:
		cols, rowH, detail = 2, 5, false
	}
	rows := int(math.Ceil(n / float64(cols)))
	if fit := int(room / rowH); rows > fit {
		rows = max(fit, 0) // never reached by a compound's sites; the rest are named on the map
	}
	d.textAt(px, top, 11, "采样点 Sites", black, 0, 1)
	y0 := top - 6.5
	colW := panelW / float64(cols)
	for i, s := range sites {
		col, row := i/max(rows, 1), i%max(rows, 1)
		if col >= cols {
			break
		}
		x, y := px+float64(col)*colW, y0-float64(row)*rowH
		d.fill(colour[s.ID])
		d.rect(x, y-3.4, 4, 3)
		line := fmt.Sprintf("%s  %d台", s.Label(), max(s.Desks, len(s.DeskAt)))
		w := colW - 7
		d.textAt(x+6, y-2, d.fitSize(8, w, line), line, black, 0, 0.5)
		if detail {
			ps := perSite[s.ID]
			det := fmt.Sprintf("协调 %d · 引导 %d · 标记 %d 个 markers", ps["coordinator"], ps["marshal"], len(s.Markers))
			if n := len(canopySpots(s)); n > 0 {
				det += fmt.Sprintf(" · 雨棚 %d canopies", n)
			}
			d.textAt(x+6, y-6.6, d.fitSize(7, w, det), det, grey, 0, 0.5)
		}
	}
	d.legend(px, y0-float64(rows)*rowH-2, panelW, items)
}

// siteColours are n colours no two alike, for telling sites apart on the
// battle map: the Okabe-Ito colours (safe for the common colour
// blindnesses), then Paul Tol's muted ones, then hues a golden angle
// apart, skipping any already used.
func siteColours(n int) []color.RGBA {
	base := append(append([]color.RGBA(nil), sitePalette...),
		color.RGBA{0x88, 0x22, 0x55, 0xff}, color.RGBA{0x11, 0x77, 0x33, 0xff}, color.RGBA{0x33, 0x22, 0x88, 0xff},
		color.RGBA{0x99, 0x99, 0x33, 0xff}, color.RGBA{0xaa, 0x44, 0x99, 0xff}, color.RGBA{0x44, 0xaa, 0x99, 0xff},
		color.RGBA{0xcc, 0x66, 0x77, 0xff}, color.RGBA{0xdd, 0xcc, 0x77, 0xff})
	out := make([]color.RGBA, 0, n)
	seen := map[color.RGBA]bool{}
	for _, c := range base {
		if len(out) == n {
			return out
		}
		out, seen[c] = append(out, c), true
	}
	for h := 0.0; len(out) < n; h += 137.50776 {
		l := 0.35 + 0.2*float64(len(out)%3)/2
		c := hsl(math.Mod(h, 360), 0.65, l)
		if !seen[c] {
			out, seen[c] = append(out, c), true
		}
	}
	return out
}

// hsl is a colour from hue (degrees), saturation and lightness (0 to 1).
func hsl(h, s, l float64) color.RGBA {
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	u := func(v float64) uint8 { return uint8(math.Round((v + m) * 255)) }
	return color.RGBA{u(r), u(g), u(b), 0xff}
}
