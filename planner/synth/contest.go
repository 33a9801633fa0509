package synth

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// ContestResidents is the contest's total population, which Contest
// reproduces exactly.
const ContestResidents = 18326

// buildingType is one of the contest's three kinds of residential building.
type buildingType struct {
	levels, units, households int
	occupancy                 float64
	count                     int
	w, d                      float64 // footprint: long side east-west, short side north-south
	rows                      int     // rows of the layout band this type fills
	pitch                     float64 // north-south distance from one row's walkway to the next
}

// contestTypes lists the bands from south to north: towers by the south
// gate, slabs to the north, as the contest's numbers require.
var contestTypes = []buildingType{
	{levels: 18, units: 3, households: 126, occupancy: 0.80, count: 23, w: 35, d: 18, rows: 4, pitch: 50},
	{levels: 11, units: 2, households: 44, occupancy: 0.75, count: 20, w: 40, d: 14, rows: 4, pitch: 40},
	{levels: 6, units: 3, households: 36, occupancy: 0.70, count: 60, w: 60, d: 12, rows: 10, pitch: 30},
}

// The contest layout, in metres around the centre: six columns of 76 m
// cells between north-south walkways, rows of buildings each facing the
// east-west walkway along its south side.
const (
	cellW      = 76.0
	columns    = 6
	gridX0     = -cellW * columns / 2 // -228
	gridY0     = -330.0
	setback    = 5.0  // from a row's walkway to its buildings' south faces
	corridorDX = 4.0  // covered corridors run this far either side of the spine
	edgeSouth  = 40.0 // room south of the grid for the gate square
	edgeOther  = 12.0
	chamfer    = 14.0 // the compound's north-east corner is cut off
)

// cell is a place in the layout grid: band (type index), row within the band, column.
type cell struct{ band, row, col int }

// contestSite is a candidate site standing in a cell the buildings leave free
// (or, for the square, south of the grid).
type contestSite struct {
	at    *cell
	shape []xy
	props geojson.Properties
}

func contestSites() []contestSite {
	return []contestSite{
		{&cell{0, 2, 2}, rect(-54, -225, -22, -205), geojson.Properties{
			"leisure": "pitch", "sport": "basketball", "name": "篮球场 (basketball court)"}},
		{&cell{1, 1, 3}, rect(10, -85, 50, -65), geojson.Properties{
			"natq:site": "candidate", "covered": "yes", "name": "风雨操场 (covered court)"}},
		{&cell{1, 2, 0}, rect(-220, -45, -160, -25), geojson.Properties{
			"amenity": "parking", "name": "西停车场 (west car park)"}},
		{&cell{1, 3, 4}, rect(88, -5, 128, 11), geojson.Properties{
			"building": "roof", "name": "自行车棚 (bicycle shed)"}},
		{&cell{1, 0, 5}, []xy{{162, -125}, {202, -125}, {202, -113}, {182, -113}, {182, -100}, {162, -100}}, geojson.Properties{
			"leisure": "playground", "name": "儿童乐园 (playground)"}},
		{nil, rect(4, -359, 34, -334), geojson.Properties{
			"place": "square", "name": "南门广场 (south gate square)"}},
	}
}

// Buildings with something the plan must handle specially.
var (
	contestSealed       = map[int]bool{12: true, 64: true}
	contestElderlyAlone = map[int]int{5: 3, 18: 2, 30: 4, 52: 1, 77: 5, 99: 2}
)

// Contest returns the 2022 modelling-contest compound: 103 buildings of three
// types holding exactly 18,326 residents, a walkway grid with covered
// corridors along its central avenue, six candidate sites (two sheltered, one
// L-shaped) and three gates. It is deterministic: testdata/contest.geojson
// is its output.
func Contest() *geojson.FeatureCollection {
	p := newPlane(ContestCenter)
	fc := geojson.NewFeatureCollection()

	// Rows, south to north; each row's walkway runs along its south side.
	type row struct {
		y    float64
		band int
	}
	var rows []row
	mainRoad := map[float64]bool{} // east-west walkways that are main roads: each band's first row and the north road
	y := gridY0
	for b, t := range contestTypes {
		mainRoad[y] = true
		for r := 0; r < t.rows; r++ {
			rows = append(rows, row{y, b})
			y += t.pitch
		}
	}
	yTop := y // the north road
	mainRoad[yTop] = true
	xMin, xMax := gridX0-edgeOther, -gridX0+edgeOther
	yMin, yMax := gridY0-edgeSouth, yTop+edgeOther

	fc.Append(feature("contest", orb.Polygon{p.ring([]xy{
		{xMin, yMin}, {xMax, yMin}, {xMax, yMax - chamfer}, {xMax - chamfer, yMax}, {xMin, yMax},
	})}, geojson.Properties{"landuse": "residential", "name": "竞赛小区 (2022 contest compound)"}))

	sites := contestSites()
	free := map[cell]bool{}
	for _, s := range sites {
		if s.at != nil {
			free[*s.at] = true
		}
	}

	// Buildings, numbered row by row from the south-west, as a residents'
	// committee numbers them walking in from the south gate.
	type placed struct {
		t    buildingType
		ring orb.Ring
	}
	var buildings []placed
	band, rowInBand := -1, 0
	for _, r := range rows {
		if r.band != band {
			band, rowInBand = r.band, 0
		}
		t := contestTypes[r.band]
		for c := 0; c < columns; c++ {
			if free[cell{r.band, rowInBand, c}] {
				continue
			}
			cx := gridX0 + (float64(c)+0.5)*cellW
			y0 := r.y + setback
			buildings = append(buildings, placed{t, p.ring(rect(cx-t.w/2, y0, cx+t.w/2, y0+t.d))})
		}
		rowInBand++
	}

	types := make([]buildingType, len(buildings))
	for i, b := range buildings {
		types[i] = b.t
	}
	residents := contestResidents(types)
	for i, b := range buildings {
		n := i + 1
		ref := strconv.Itoa(n)
		props := geojson.Properties{
			"building":        "residential",
			"building:levels": strconv.Itoa(b.t.levels),
			"name":            ref + "号楼",
			"ref":             ref,
			"natq:units":      b.t.units,
			"natq:households": b.t.households,
			"natq:residents":  residents[i],
		}
		if contestSealed[n] {
			props["natq:sealed"] = "yes"
		}
		if e, ok := contestElderlyAlone[n]; ok {
			props["natq:elderly_alone"] = e
		}
		fc.Append(feature("b"+ref, orb.Polygon{b.ring}, props))
	}
	// One staircase entrance per unit, evenly along the south side (the
	// ring's first edge), which faces the row's walkway.
	for i, b := range buildings {
		for u := 1; u <= b.t.units; u++ {
			pt := onEdge(b.ring, 0, (float64(u)-0.5)/float64(b.t.units))
			fc.Append(feature(fmt.Sprintf("b%d-e%d", i+1, u), pt, geojson.Properties{
				"entrance": "staircase", "ref": strconv.Itoa(u)}))
		}
	}

	// Walkways. Every east-west line has a vertex at every north-south line
	// it crosses and the other way round, as OSM ways share nodes.
	var ys []float64
	for _, r := range rows {
		ys = append(ys, r.y)
	}
	g := newWalkGrid(fc, p, "", []float64{-corridorDX, corridorDX}, gridX0, columns, ys, yTop)
	westGateY := rows[contestTypes[0].rows].y // the road between the towers and the eleven-storey band
	for _, yy := range g.ys {
		from := math.NaN()
		if yy == westGateY {
			from = xMin
		}
		props := geojson.Properties{"highway": "footway"}
		if mainRoad[yy] {
			props = geojson.Properties{"highway": "service"}
		}
		g.add(g.across(from, yy), props)
	}
	for _, xx := range g.xs {
		y0, y1 := math.NaN(), math.NaN()
		if xx == 0 { // the central avenue runs from the south gate to the north gate
			y0, y1 = yMin, yMax
		}
		g.add(g.along(xx, y0, y1), columnTags(xx, gridX0, true))
	}

	for i, s := range sites {
		fc.Append(feature("s"+strconv.Itoa(i+1), orb.Polygon{p.ring(s.shape)}, s.props))
	}

	gates := []struct {
		id   string
		at   xy
		name string
	}{
		{"g1", xy{0, yMin}, "南门 (south gate)"},
		{"g2", xy{0, yMax}, "北门 (north gate)"},
		{"g3", xy{xMin, westGateY}, "西门 (west gate)"},
	}
	for _, g := range gates {
		fc.Append(feature(g.id, p.lonLat(g.at.x, g.at.y), geojson.Properties{"barrier": "gate", "name": g.name}))
	}
	return fc
}

// contestResidents gives each building about four residents per occupied
// household (households x occupancy, rounded), then shares out what the
// contest's total has beyond that in proportion to occupied households, by
// largest remainder, ties to the lower building number.
func contestResidents(bs []buildingType) []int {
	occupied := make([]int, len(bs))
	total := 0
	for i, t := range bs {
		occupied[i] = int(math.Round(float64(t.households) * t.occupancy))
		total += occupied[i]
	}
	res := make([]int, len(bs))
	extra := ContestResidents - 4*total
	type share struct {
		i    int
		frac float64
	}
	shares := make([]share, len(bs))
	given := 0
	for i := range bs {
		exact := float64(extra) * float64(occupied[i]) / float64(total)
		whole := int(math.Floor(exact))
		res[i] = 4*occupied[i] + whole
		given += whole
		shares[i] = share{i, exact - float64(whole)}
	}
	sort.SliceStable(shares, func(a, b int) bool { return shares[a].frac > shares[b].frac })
	for k := 0; k < extra-given; k++ {
		res[shares[k].i]++
	}
	return res
}
