package sim

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
	"time"
)

// WriteSVG draws a site's line over the day: the mean line over the runs,
// the most any run had, the demand (with those the guard held) and the
// markers, the line's capacity, as a red step line. Empty stretches
// between windows (the gap before the students' period) are cut out and
// marked, so that the morning keeps its width.
func WriteSVG(w io.Writer, sc *Scenario, s *SiteReport) error {
	const W, H, left, right, top, bottom = 900.0, 320.0, 56.0, 16.0, 40.0, 44.0
	se := s.Series
	n := len(se.MeanLine)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="12">`+"\n", W, H, W, H)
	fmt.Fprintf(&b, `<rect width="%.0f" height="%.0f" fill="white"/>`+"\n", W, H)
	fmt.Fprintf(&b, `<text x="%.0f" y="20" font-size="15" font-weight="bold">%s %s: line over the day (%s)</text>`+"\n",
		left, html.EscapeString(s.Site), html.EscapeString(s.Name), html.EscapeString(sc.Name))
	if n == 0 {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f">nobody came to this site</text></svg>`+"\n", left, H/2)
		_, err := io.WriteString(w, b.String())
		return err
	}
	// Keep minutes within 20 of anyone at the site; cut longer gaps.
	keep := make([]bool, n)
	for i := 0; i < n; i++ {
		if se.MaxDemand[i] > 0 {
			for k := max(0, i-20); k <= min(n-1, i+20); k++ {
				keep[k] = true
			}
		}
	}
	xs := make([]float64, n) // plot column of each kept minute
	col := 0.0
	var cuts []float64
	for i := 0; i < n; i++ {
		if !keep[i] {
			if i > 0 && keep[i-1] {
				cuts = append(cuts, col)
				col += 6
			}
			xs[i] = -1
			continue
		}
		xs[i] = col
		col++
	}
	ymax := float64(s.Markers)
	for i := 0; i < n; i++ {
		ymax = math.Max(ymax, float64(se.MaxDemand[i]))
	}
	for _, m := range se.Markers {
		ymax = math.Max(ymax, float64(m.Markers))
	}
	ymax = math.Max(10, ymax*1.1)
	pw, ph := W-left-right, H-top-bottom
	X := func(c float64) float64 { return left + c/math.Max(1, col-1)*pw }
	Y := func(v float64) float64 { return top + ph - v/ymax*ph }
	// Axes and horizontal grid.
	step := niceStep(ymax)
	for v := 0.0; v <= ymax; v += step {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" text-anchor="end">%.0f</text>`+"\n",
			left, W-right, Y(v), Y(v), left-6, Y(v)+4, v)
	}
	for _, c := range cuts {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="3,3"/>`+"\n", X(c+3), X(c+3), top, top+ph)
	}
	// Half-hour ticks, none crowding the one before (at a cut): at the
	// minute whose span holds the half hour, whatever second the series
	// starts at.
	lastTick := math.Inf(-1)
	for i := 0; i < n; i++ {
		t := se.Start.Add(time.Duration(i) * time.Minute)
		into := time.Duration(t.Minute()%30)*time.Minute + time.Duration(t.Second())*time.Second + time.Duration(t.Nanosecond())
		next := time.Duration(0)
		if into > 0 {
			next = 30*time.Minute - into
		}
		if xs[i] >= 0 && next < time.Minute && X(xs[i])-lastTick >= 40 {
			lastTick = X(xs[i])
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#555"/><text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n",
				X(xs[i]), X(xs[i]), top+ph, top+ph+5, X(xs[i]), top+ph+18, t.Add(next).Format("15:04"))
		}
	}
	// The what-ifs' changes (desks lost, the rain switch): a dotted line
	// at each, with what the site had from then.
	for _, c := range s.Changes {
		i := int(c.At.Sub(se.Start) / time.Minute)
		if i < 0 || i >= n || xs[i] < 0 {
			continue
		}
		desks := fmt.Sprintf("%d desks", c.Desks)
		if c.Desks == 1 {
			desks = "1 desk"
		}
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#cc79a7" stroke-width="1.5" stroke-dasharray="2,2"/><text x="%.1f" y="%.1f" fill="#cc79a7">%s: %s, %d markers</text>`+"\n",
			X(xs[i]), X(xs[i]), top, top+ph, X(xs[i])+4, top+12, c.At.Format("15:04"), desks, c.Markers)
	}
	poly := func(val func(i int) float64, attrs string) {
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline fill="none" %s points="%s"/>`+"\n", attrs, strings.Join(pts, " "))
			}
			pts = pts[:0]
		}
		for i := 0; i < n; i++ {
			if xs[i] < 0 {
				flush()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", X(xs[i]), Y(val(i))))
		}
		flush()
	}
	poly(func(i int) float64 { return float64(se.MaxDemand[i]) }, `stroke="#e69f00" stroke-width="1" stroke-dasharray="4,2"`)
	poly(func(i int) float64 { return float64(se.MaxLine[i]) }, `stroke="#56b4e9" stroke-width="1"`)
	poly(func(i int) float64 { return se.MeanLine[i] }, `stroke="#0072b2" stroke-width="2"`)
	// Markers: a step line, changing at the rain switch.
	markersAt := func(i int) float64 {
		m := se.Markers[0].Markers
		for _, x := range se.Markers {
			if x.T <= float64(i) {
				m = x.Markers
			}
		}
		return float64(m)
	}
	poly(markersAt, `stroke="#d55e00" stroke-width="2"`)
	lx := left + 8.0
	for _, l := range []struct{ color, dash, text string }{
		{"#d55e00", "", fmt.Sprintf("markers (one-metre capacity, %s)", s.over(func(c SiteChange) int { return c.Markers }))},
		{"#0072b2", "", "mean line over runs"},
		{"#56b4e9", "", "most in any run"},
		{"#e69f00", "4,2", "demand: line + held at buildings (most)"},
	} {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="32" y2="32" stroke="%s" stroke-width="2" stroke-dasharray="%s"/><text x="%.1f" y="36">%s</text>`+"\n",
			lx, lx+18, l.color, l.dash, lx+22, html.EscapeString(l.text))
		lx += 30 + 6.2*float64(len(l.text))
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" fill="#555">people; dashed grey lines cut empty hours. Wait p95 %.1f min, max %.1f min; over markers %.0f min.</text>`+"\n",
		left, H-6, s.WaitP95.Mean, s.WaitMax.Max, s.OverMinutes.Mean)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func niceStep(max float64) float64 {
	raw := max / 5
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}
