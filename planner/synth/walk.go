package synth

import (
	"math"
	"sort"
	"strconv"

	"github.com/paulmach/orb/geojson"
)

// walkGrid is a compound's walkway grid: east-west lines at ys and
// north-south lines at xs, each with a vertex at every line it crosses, as
// OSM ways share nodes. Its ways are numbered in the order they are added,
// ids prefix+"walk"+n.
type walkGrid struct {
	xs, ys []float64
	fc     *geojson.FeatureCollection
	p      plane
	prefix string
	n      int
}

// newWalkGrid has north-south lines at the given xs and at x0 + k*cellW for
// k in 0..columns, and east-west lines at the rows' ys and yTop.
func newWalkGrid(fc *geojson.FeatureCollection, p plane, prefix string, xs []float64, x0 float64, columns int, ys []float64, yTop float64) *walkGrid {
	for k := 0; k <= columns; k++ {
		xs = append(xs, x0+float64(k)*cellW)
	}
	sort.Float64s(xs)
	ys = append([]float64{yTop}, ys...)
	sort.Float64s(ys)
	return &walkGrid{xs: xs, ys: ys, fc: fc, p: p, prefix: prefix}
}

// across is the points of the east-west line at y, from x (when it is not
// NaN: a gate on the west edge) then through every north-south line.
func (g *walkGrid) across(from, y float64) []xy {
	pts := make([]xy, 0, len(g.xs)+1)
	if !math.IsNaN(from) {
		pts = append(pts, xy{from, y})
	}
	for _, x := range g.xs {
		pts = append(pts, xy{x, y})
	}
	return pts
}

// along is the points of the north-south line at x through every
// east-west line, from y0 and on to y1 where they are not NaN (gates).
func (g *walkGrid) along(x, y0, y1 float64) []xy {
	var pts []xy
	if !math.IsNaN(y0) {
		pts = append(pts, xy{x, y0})
	}
	for _, y := range g.ys {
		pts = append(pts, xy{x, y})
	}
	if !math.IsNaN(y1) {
		pts = append(pts, xy{x, y1})
	}
	return pts
}

func (g *walkGrid) add(pts []xy, props geojson.Properties) {
	g.n++
	g.fc.Append(feature(g.prefix+"walk"+strconv.Itoa(g.n), g.p.line(pts), props))
}

// columnTags are the tags of the north-south walkway at x: with an avenue,
// the central avenue at 0 and a covered corridor either side; the grid's
// west and east edges (±x0) are service roads; the rest footways.
func columnTags(x, x0 float64, avenue bool) geojson.Properties {
	switch {
	case avenue && x == 0:
		return geojson.Properties{"highway": "service", "name": "中央大道 (central avenue)"}
	case avenue && math.Abs(x) == corridorDX:
		return geojson.Properties{"highway": "footway", "covered": "yes", "name": "风雨连廊 (covered corridor)"}
	case x == x0 || x == -x0:
		return geojson.Properties{"highway": "service"}
	}
	return geojson.Properties{"highway": "footway"}
}
