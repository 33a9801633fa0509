package synth

import (
	"fmt"
	"math"
	"math/rand"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// RandomOptions shapes a random compound. The zero value is a good default.
type RandomOptions struct {
	// Buildings is the number of buildings; 0 picks 1 to 40.
	Buildings int
	// Sites is the number of candidate sites; 0 picks 1 to 6.
	Sites int
	// Center is the compound's centre; the zero value means ContestCenter.
	Center orb.Point
	// Touching draws each site within a metre of the walkways round its
	// cell (0.2 to 0.9 m inside it) instead of 2 to 4 m: a square with
	// paths on every side, entered from any of them.
	Touching bool
}

// Random returns a random but always valid compound for property tests,
// the same for the same seed and options: a rectangular compound with a
// connected walkway grid (shared vertices at every junction, some ways split
// there, some covered), buildings on a grid of cells (rectangles, some
// rotated, some L-shaped; with or without entrances, levels, households and
// residents, so the planner must infer and estimate), candidate sites of
// varied shape (rectangles, L and U shapes, skewed quadrilaterals), some
// sheltered, and one to three gates where a walkway leaves the compound.
// Polygons are counter-clockwise and closed; nothing overlaps.
func Random(seed int64, opts RandomOptions) *geojson.FeatureCollection {
	rng := rand.New(rand.NewSource(seed))
	center := opts.Center
	if center == (orb.Point{}) {
		center = ContestCenter
	}
	nb, ns := opts.Buildings, opts.Sites
	if nb <= 0 {
		nb = 1 + rng.Intn(40)
	}
	if ns <= 0 {
		ns = 1 + rng.Intn(6)
	}
	cols := 2 + rng.Intn(5)
	empty := rng.Intn(3)
	rows := (nb + ns + empty + cols - 1) / cols
	if rows < 1 {
		rows = 1
	}
	cw := 50 + 30*rng.Float64()
	ch := 36 + 20*rng.Float64()
	const margin = 10.0
	w, h := float64(cols)*cw, float64(rows)*ch
	// The grid is laid out from its south-west corner; shift the plane's
	// origin so that the compound is centred on center.
	p := newPlane(center)
	p.center = orb.Point{center[0] - w/2/p.kx, center[1] - h/2/p.ky}

	fc := geojson.NewFeatureCollection()
	fc.Append(feature(fmt.Sprintf("random-%d", seed), orb.Polygon{p.ring(rect(-margin, -margin, w+margin, h+margin))},
		geojson.Properties{"landuse": "residential", "name": fmt.Sprintf("随机小区 %d (random compound %d)", seed, seed)}))

	// Cells: buildings first, then sites, the rest empty, shuffled.
	kinds := make([]int, cols*rows) // 0 empty, 1 building, 2 site
	for i := range kinds {
		switch {
		case i < nb:
			kinds[i] = 1
		case i < nb+ns:
			kinds[i] = 2
		}
	}
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })

	var bFeatures, eFeatures, sFeatures []*geojson.Feature
	for i, k := range kinds {
		x0, y0 := float64(i%cols)*cw, float64(i/cols)*ch
		switch k {
		case 1:
			n := len(bFeatures) + 1
			ring, props := randomBuilding(rng, p, x0, y0, cw, ch, n)
			bFeatures = append(bFeatures, feature("b"+strconv.Itoa(n), orb.Polygon{ring}, props))
			if rng.Float64() < 0.7 {
				units := 1 + rng.Intn(3)
				if u, ok := props["natq:units"].(int); ok {
					units = u
				}
				for u := 1; u <= units; u++ {
					pt := onEdge(ring, 0, (float64(u)-0.5)/float64(units))
					props := geojson.Properties{"entrance": "yes"}
					if rng.Float64() < 0.8 {
						props = geojson.Properties{"entrance": "staircase", "ref": strconv.Itoa(u)}
					}
					eFeatures = append(eFeatures, feature(fmt.Sprintf("b%d-e%d", n, u), pt, props))
				}
			}
		case 2:
			n := len(sFeatures) + 1
			sFeatures = append(sFeatures, feature("s"+strconv.Itoa(n), orb.Polygon{p.ring(randomSiteShape(rng, x0, y0, cw, ch, opts.Touching))}, randomSiteProps(rng, n)))
		}
	}
	for _, f := range bFeatures {
		fc.Append(f)
	}
	for _, f := range eFeatures {
		fc.Append(f)
	}

	// Walkway grid: a line along every cell boundary, with a vertex at every
	// crossing. Gates extend a line to the compound boundary.
	type gate struct {
		vertical bool // a north-south line leaving south (i<0) or north
		index    int
		south    bool // for vertical: leaves south; for horizontal: leaves west
	}
	ngates := 1 + rng.Intn(3)
	gates := map[gate]bool{}
	for len(gates) < ngates {
		g := gate{vertical: rng.Intn(2) == 0, south: rng.Intn(2) == 0}
		if g.vertical {
			g.index = rng.Intn(cols + 1)
		} else {
			g.index = rng.Intn(rows + 1)
		}
		gates[g] = true
	}
	highways := []string{"footway", "footway", "footway", "service", "path", "living_street", "pedestrian"}
	walk := 0
	addLine := func(pts []xy) {
		// Some ways are split at a junction, as OSM ways often are where a
		// tag changes; the junction vertex is then both ways' end.
		parts := [][]xy{pts}
		if len(pts) > 2 && rng.Float64() < 0.3 {
			k := 1 + rng.Intn(len(pts)-2)
			parts = [][]xy{pts[:k+1], pts[k:]}
		}
		for _, part := range parts {
			walk++
			props := geojson.Properties{"highway": highways[rng.Intn(len(highways))]}
			if rng.Float64() < 0.15 {
				props["covered"] = []string{"yes", "arcade", "colonnade"}[rng.Intn(3)]
			}
			fc.Append(feature("walk"+strconv.Itoa(walk), p.line(part), props))
		}
	}
	var gatePts []xy
	for i := 0; i <= cols; i++ {
		x := float64(i) * cw
		var pts []xy
		if gates[gate{true, i, true}] {
			pts = append(pts, xy{x, -margin})
			gatePts = append(gatePts, xy{x, -margin})
		}
		for j := 0; j <= rows; j++ {
			pts = append(pts, xy{x, float64(j) * ch})
		}
		if gates[gate{true, i, false}] {
			pts = append(pts, xy{x, h + margin})
			gatePts = append(gatePts, xy{x, h + margin})
		}
		addLine(pts)
	}
	for j := 0; j <= rows; j++ {
		y := float64(j) * ch
		var pts []xy
		if gates[gate{false, j, true}] {
			pts = append(pts, xy{-margin, y})
			gatePts = append(gatePts, xy{-margin, y})
		}
		for i := 0; i <= cols; i++ {
			pts = append(pts, xy{float64(i) * cw, y})
		}
		if gates[gate{false, j, false}] {
			pts = append(pts, xy{w + margin, y})
			gatePts = append(gatePts, xy{w + margin, y})
		}
		addLine(pts)
	}
	for _, f := range sFeatures {
		fc.Append(f)
	}
	for i, g := range gatePts {
		fc.Append(feature("g"+strconv.Itoa(i+1), p.lonLat(g.x, g.y), geojson.Properties{"barrier": "gate"}))
	}
	return fc
}

// randomBuilding puts a building in the cell at (x0, y0) at least 4 m from
// the cell's walkways and facing the south one, with a random subset of the properties natq reads.
func randomBuilding(rng *rand.Rand, p plane, x0, y0, cw, ch float64, n int) (orb.Ring, geojson.Properties) {
	const gap = 4.0
	bw := (cw - 2*gap) * (0.45 + 0.5*rng.Float64())
	bd := (ch - 2*gap) * (0.35 + 0.5*rng.Float64())
	// The shape around the origin, its first edge on the south side.
	shape := rect(-bw/2, -bd/2, bw/2, bd/2)
	switch r := rng.Float64(); {
	case r < 0.15: // L-shaped: the north-east corner cut away
		ax, ay := bw*(0.3+0.4*rng.Float64()), bd*(0.3+0.4*rng.Float64())
		l, b := -bw/2, -bd/2
		shape = []xy{{l, b}, {l + bw, b}, {l + bw, b + ay}, {l + ax, b + ay}, {l + ax, b + bd}, {l, b + bd}}
	case r < 0.4: // turned a little, if it still fits its cell
		a := (rng.Float64() - 0.5) * 24 * math.Pi / 180
		c, s := math.Cos(a), math.Sin(a)
		turned := make([]xy, len(shape))
		for i, q := range shape {
			turned[i] = xy{c*q.x - s*q.y, s*q.x + c*q.y}
		}
		if minX, minY, maxX, maxY := bounds(turned); maxX-minX <= cw-2*gap && maxY-minY <= ch-2*gap {
			shape = turned
		}
	}
	// Facing the walkway on the cell's south side, a few metres back from it.
	minX, minY, maxX, _ := bounds(shape)
	dx := x0 + gap - minX + rng.Float64()*(cw-2*gap-(maxX-minX))
	dy := y0 + gap - minY + 3*rng.Float64()
	for i := range shape {
		shape[i].x += dx
		shape[i].y += dy
	}
	props := geojson.Properties{"building": []string{"residential", "apartments", "yes"}[rng.Intn(3)]}
	if rng.Float64() < 0.8 {
		props["name"] = strconv.Itoa(n) + "号楼"
		props["ref"] = strconv.Itoa(n)
	}
	levels := 0
	if rng.Float64() < 0.7 {
		levels = 2 + rng.Intn(30)
		props["building:levels"] = strconv.Itoa(levels)
	}
	if rng.Float64() < 0.6 {
		props["natq:units"] = 1 + rng.Intn(4)
	}
	if rng.Float64() < 0.5 {
		props["natq:households"] = 4 + rng.Intn(150)
	}
	if rng.Float64() < 0.5 {
		props["natq:residents"] = rng.Intn(500)
	}
	if rng.Float64() < 0.05 {
		props["natq:sealed"] = "yes"
	}
	if rng.Float64() < 0.1 {
		props["natq:elderly_alone"] = rng.Intn(8)
	}
	return p.ring(shape), props
}

// randomSiteShape is a site 2 to 4 m inside its cell, so that it lies within
// a few metres of the walkways around it; touching, 0.2 to 0.9 m.
func randomSiteShape(rng *rand.Rand, x0, y0, cw, ch float64, touching bool) []xy {
	in := 2 + 2*rng.Float64()
	if touching {
		in = 0.2 + 0.7*rng.Float64()
	}
	l, b, r, t := x0+in, y0+in, x0+cw-in, y0+ch-in
	w, h := r-l, t-b
	switch rng.Intn(4) {
	case 0:
		return rect(l, b, r, t)
	case 1: // L: the north-east corner cut away
		ax, ay := w*(0.3+0.4*rng.Float64()), h*(0.3+0.4*rng.Float64())
		return []xy{{l, b}, {r, b}, {r, b + ay}, {l + ax, b + ay}, {l + ax, t}, {l, t}}
	case 2: // U, open to the north
		a, d := w*(0.2+0.13*rng.Float64()), h*(0.25+0.5*rng.Float64())
		return []xy{{l, b}, {r, b}, {r, t}, {r - a, t}, {r - a, b + d}, {l + a, b + d}, {l + a, t}, {l, t}}
	default: // a skewed quadrilateral: one corner in each quarter of the cell, so it stays simple
		j := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
		return []xy{
			{j(l, l+w*0.3), j(b, b+2)}, // the south side stays by its walkway
			{j(r-w*0.3, r), j(b, b+2)},
			{j(r-w*0.3, r), j(t-h*0.3, t)},
			{j(l, l+w*0.3), j(t-h*0.3, t)},
		}
	}
}

func randomSiteProps(rng *rand.Rand, n int) geojson.Properties {
	var props geojson.Properties
	switch rng.Intn(6) {
	case 0:
		props = geojson.Properties{"leisure": "pitch"}
	case 1:
		props = geojson.Properties{"leisure": "playground"}
	case 2:
		props = geojson.Properties{"amenity": "parking"}
	case 3:
		props = geojson.Properties{"place": "square"}
	case 4:
		props = geojson.Properties{"leisure": "park"}
	default:
		props = geojson.Properties{"natq:site": "candidate"}
	}
	if rng.Float64() < 0.35 {
		switch rng.Intn(3) {
		case 0:
			props["covered"] = "yes"
		case 1:
			props = geojson.Properties{"building": "roof", "natq:site": "candidate"}
		default:
			props["amenity"] = "shelter"
			props["natq:site"] = "candidate"
		}
	}
	props["name"] = fmt.Sprintf("场地%d (site %d)", n, n)
	return props
}

func bounds(pts []xy) (minX, minY, maxX, maxY float64) {
	minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, q := range pts {
		minX, maxX = math.Min(minX, q.x), math.Max(maxX, q.x)
		minY, maxY = math.Min(minY, q.y), math.Max(maxY, q.y)
	}
	return
}
