// Package hull is the convex hull the planner and its sheets share: the
// planner approximates a building whose outline is cut off by the map
// export, and the walking map draws the compound's outline in its inset.
package hull

import (
	"sort"

	"github.com/paulmach/orb"
)

// Convex is the convex hull of pts (Andrew's monotone chain) as a closed
// ring, counter-clockwise; nil when pts hold fewer than three points off
// one line. pts is not changed.
func Convex(pts []orb.Point) orb.Ring {
	p := append([]orb.Point(nil), pts...)
	sort.Slice(p, func(i, j int) bool { return p[i][0] < p[j][0] || p[i][0] == p[j][0] && p[i][1] < p[j][1] })
	cross := func(o, a, b orb.Point) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }
	h := make([]orb.Point, 0, 2*len(p))
	for _, q := range p {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lower := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- {
		for len(h) >= lower && cross(h[len(h)-2], h[len(h)-1], p[i]) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p[i])
	}
	if len(h) < 4 {
		return nil
	}
	return orb.Ring(h)
}
