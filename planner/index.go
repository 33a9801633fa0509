package planner

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// A featureIndex is a grid over the lon/lat bounds of the features a
// compound may take (buildings, walkways, sites, entrances, gates), so that
// filling a compound looks only at the features near it: finding the
// compounds of a city is then linear in its features, not quadratic.
//
// It only ever narrows the features fill tests, never decides: fill runs
// the same tests as before, in file order, on the features the index
// gives, and the index gives every feature that could pass them. A
// feature's box is its bounds and its centroids (fill tests a building's
// or a site's centroid, which lies within its outline's hull unless the
// outline is degenerate); a feature too large for the grid, or too
// degenerate for its centroid to be trusted, is given to every compound.
type featureIndex struct {
	cell   float64 // degrees
	cells  map[[2]int32][]int32
	global []int32
}

const (
	// indexCell is the grid's cell, in degrees: about 500 m, the size of
	// a compound.
	indexCell = 0.005
	// indexMaxCells is the most cells a feature is filed under; a larger
	// feature (a district's outline, a long road) is in global.
	indexMaxCells = 64
	// fillReach is how far outside a compound's bounds, in metres, fill
	// and attachEntrances look: a walkway within 30 m, a gate within 15,
	// a door within 5 m whose building is within 20 m of it, with room to
	// spare for rounding.
	fillReach = 40.0
)

func (s *Source) index() *featureIndex {
	s.indexOnce.Do(func() { s.idx = newFeatureIndex(s.features) })
	return s.idx
}

func newFeatureIndex(fs []feature) *featureIndex {
	x := &featureIndex{cell: indexCell, cells: map[[2]int32][]int32{}}
	for i := range fs {
		f := &fs[i]
		if !isBuilding(f) && !isHighway(f) && !isSite(f) && !isEntrance(f) && !isGate(f) {
			continue
		}
		b, ok := indexBound(f.geom)
		x0, y0 := x.at(b.Min)
		x1, y1 := x.at(b.Max)
		if !ok || (int64(x1)-int64(x0)+1)*(int64(y1)-int64(y0)+1) > indexMaxCells {
			x.global = append(x.global, int32(i))
			continue
		}
		for cx := x0; cx <= x1; cx++ {
			for cy := y0; cy <= y1; cy++ {
				k := [2]int32{cx, cy}
				x.cells[k] = append(x.cells[k], int32(i))
			}
		}
	}
	return x
}

// at is the cell holding a lon/lat point.
func (x *featureIndex) at(p orb.Point) (int32, int32) {
	clamp := func(v float64) int32 { return int32(math.Max(-1e9, math.Min(1e9, math.Floor(v/x.cell)))) }
	return clamp(p[0]), clamp(p[1])
}

// near returns, in file order, the indexes of the features whose boxes
// meet b, and the global ones.
func (x *featureIndex) near(b orb.Bound) []int32 {
	x0, y0 := x.at(b.Min)
	x1, y1 := x.at(b.Max)
	out := slices.Clone(x.global)
	if (int64(x1)-int64(x0)+1)*(int64(y1)-int64(y0)+1) > int64(len(x.cells)) {
		for _, is := range x.cells {
			out = append(out, is...)
		}
	} else {
		for cx := x0; cx <= x1; cx++ {
			for cy := y0; cy <= y1; cy++ {
				out = append(out, x.cells[[2]int32{cx, cy}]...)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// indexBound is a feature's box: its bounds and, for an area, the
// centroids of the whole and of each part. It is not ok when the area is
// so degenerate (a sliver, an outline crossing itself) that its centroid,
// worked out in another plane, might lie anywhere.
func indexBound(g orb.Geometry) (orb.Bound, bool) {
	b := g.Bound()
	mp := asMultiPolygon(g)
	if mp == nil {
		return b, true
	}
	ok := true
	add := func(m orb.MultiPolygon) {
		c, a := planar.CentroidArea(m)
		if a == 0 {
			return // centroid falls back to the bounds' centre
		}
		mb := m.Bound()
		if math.Abs(a) < 1e-6*(mb.Max[0]-mb.Min[0])*(mb.Max[1]-mb.Min[1]) || math.IsNaN(c[0]) || math.IsNaN(c[1]) {
			ok = false
			return
		}
		b = b.Extend(c)
	}
	add(mp)
	if len(mp) > 1 {
		for _, pg := range mp {
			add(orb.MultiPolygon{pg})
		}
	}
	return b, ok
}

// reach is a compound's bounds grown by d metres, in lon/lat.
func (c *Compound) reach(d float64) orb.Bound {
	pb := c.Proj.Polygon(c.Boundary).Bound()
	lo := c.Proj.ToLonLat(orb.Point{pb.Min[0] - d, pb.Min[1] - d})
	hi := c.Proj.ToLonLat(orb.Point{pb.Max[0] + d, pb.Max[1] + d})
	return orb.Bound{Min: lo, Max: hi}
}
