package synth

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// CityOptions shape a synthetic city. The zero value of a field means its
// default.
type CityOptions struct {
	Compounds int       // how many compounds; at least 1
	Seed      int64     // the same seed and options give the same city, byte for byte
	Center    orb.Point // the city's centre; default ContestCenter
	Spacing   float64   // metres between neighbouring compounds' centres; default 1000
}

// CityStats count what WriteCity wrote.
type CityStats struct {
	Compounds, Buildings, Residents, Features int
}

// WriteCity writes a synthetic city as one GeoJSON FeatureCollection, one
// feature per line, compound by compound: it holds one compound in memory
// at a time, so a city of any size is written in constant memory. The
// compounds stand on a square grid Spacing apart around Center, each made
// by CityCompound.
func WriteCity(w io.Writer, opts CityOptions) (CityStats, error) {
	var st CityStats
	if opts.Compounds < 1 {
		return st, fmt.Errorf("synth: a city needs at least one compound, not %d", opts.Compounds)
	}
	if opts.Center == (orb.Point{}) {
		opts.Center = ContestCenter
	}
	if opts.Spacing <= 0 {
		opts.Spacing = 1000
	}
	cols := int(math.Ceil(math.Sqrt(float64(opts.Compounds))))
	city := newPlane(opts.Center)
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	first := true
	for k := 0; k < opts.Compounds; k++ {
		dx := (float64(k%cols) - float64(cols-1)/2) * opts.Spacing
		dy := (float64(k/cols) - float64(cols-1)/2) * opts.Spacing
		fc := CityCompound(opts.Seed, k, city.lonLat(dx, dy))
		st.Compounds++
		for _, f := range fc.Features {
			if r, ok := f.Properties["natq:residents"].(int); ok {
				st.Buildings++
				st.Residents += r
			}
			b, err := json.Marshal(f)
			if err != nil {
				return st, fmt.Errorf("synth: compound %d, feature %v: %w", k, f.ID, err)
			}
			if !first {
				bw.WriteString(",\n")
			}
			first = false
			if _, err := bw.Write(b); err != nil {
				return st, err
			}
			st.Features++
		}
	}
	bw.WriteString("\n]}\n")
	return st, bw.Flush()
}

// cityWeights are how often each of the contest's building types
// (towers, eleven-storey slabs, six-storey walk-ups) makes a band of a
// city compound: mostly walk-ups, as in Shanghai's older neighbourhoods,
// which puts a compound at about 1,700 residents on average, as 25
// million residents in 15,000 compounds are.
var cityWeights = []float64{0.18, 0.27, 0.55}

// CityCompound returns compound k of a city of seed: a smaller cousin of
// the contest compound centred on center. One to three bands of buildings
// of the contest's three types, each band one to three rows of two to six
// columns, face the east-west walkway along their south side, between
// north-south walkways on the column lines; cells left free hold candidate
// sites (a pitch, a car park, a covered court or a bicycle shed, at least
// one of them sheltered) besides a square by the south gate. An even
// number of columns gives a central avenue with a covered corridor either
// side, as in the contest; some compounds have covered footways too; about
// one building in fifty is sealed. Its feature ids start with "c<k>-", so
// compounds never share one.
func CityCompound(seed int64, k int, center orb.Point) *geojson.FeatureCollection {
	rng := rand.New(rand.NewSource(seed*1_000_003 + int64(k)))
	p := newPlane(center)
	pre := "c" + strconv.Itoa(k) + "-"
	cols := 2 + rng.Intn(5)
	x0 := -cellW * float64(cols) / 2

	type row struct {
		y float64
		t buildingType
	}
	var rows []row
	var roads []float64 // each band's first row's walkway is a main road, and so is the north road
	y := 0.0
	for b, nb := 0, 1+rng.Intn(3); b < nb; b++ {
		t := contestTypes[pick(rng, cityWeights)]
		roads = append(roads, y)
		for r, nr := 0, 1+rng.Intn(3); r < nr; r++ {
			rows = append(rows, row{y, t})
			y += t.pitch
		}
	}
	// Centre the grid on the compound's centre.
	y0 := -y / 2
	yTop := y + y0
	mainRoad := map[float64]bool{yTop: true}
	for _, yy := range roads {
		mainRoad[yy+y0] = true
	}
	for i := range rows {
		rows[i].y += y0
	}
	xMin, xMax := x0-edgeOther, -x0+edgeOther
	yMin, yMax := y0-edgeSouth, yTop+edgeOther

	fc := geojson.NewFeatureCollection()
	fc.Append(feature("city-"+strconv.Itoa(k), orb.Polygon{p.ring(rect(xMin, yMin, xMax, yMax))}, geojson.Properties{
		"landuse": "residential", "name": fmt.Sprintf("合成小区 %d (synthetic compound %d)", k+1, k+1)}))

	// Cells for sites: one per four rows or so, at least one (sheltered).
	type cellAt struct{ row, col int }
	free := map[cellAt]bool{}
	for n := max(1, len(rows)*cols/8); len(free) < n; {
		free[cellAt{rng.Intn(len(rows)), rng.Intn(cols)}] = true
	}

	n := 0
	var entrances []*geojson.Feature
	var sites []*geojson.Feature
	for ri, r := range rows {
		for c := 0; c < cols; c++ {
			cx := x0 + (float64(c)+0.5)*cellW
			if free[cellAt{ri, c}] {
				// A site fills the cell's width less a few metres, and the
				// row's depth less the walkway setbacks.
				h := math.Min(r.t.pitch-2*setback, 22)
				props := citySite(rng, len(sites) == 0)
				props["name"] = fmt.Sprintf("%s %d", props["name"], len(sites)+1)
				sites = append(sites, feature(pre+"s"+strconv.Itoa(len(sites)+1),
					orb.Polygon{p.ring(rect(cx-cellW/2+8, r.y+3, cx+cellW/2-8, r.y+3+h))}, props))
				continue
			}
			n++
			t := r.t
			ring := p.ring(rect(cx-t.w/2, r.y+setback, cx+t.w/2, r.y+setback+t.d))
			households := t.households
			residents := int(math.Round(float64(households) * t.occupancy * (2.6 + 0.8*rng.Float64())))
			ref := strconv.Itoa(n)
			props := geojson.Properties{
				"building": "residential", "building:levels": strconv.Itoa(t.levels),
				"name": ref + "号楼", "ref": ref,
				"natq:units": t.units, "natq:households": households, "natq:residents": residents,
			}
			if rng.Float64() < 0.02 {
				props["natq:sealed"] = "yes"
			}
			if rng.Float64() < 0.08 {
				props["natq:elderly_alone"] = 1 + rng.Intn(4)
			}
			id := pre + "b" + ref
			fc.Append(feature(id, orb.Polygon{ring}, props))
			for u := 1; u <= t.units; u++ {
				entrances = append(entrances, feature(fmt.Sprintf("%s-e%d", id, u), onEdge(ring, 0, (float64(u)-0.5)/float64(t.units)),
					geojson.Properties{"entrance": "staircase", "ref": strconv.Itoa(u)}))
			}
		}
	}
	for _, e := range entrances {
		fc.Append(e)
	}

	// Walkways: every line has a vertex at every line it crosses.
	spine := cols%2 == 0
	var xs []float64
	if spine {
		xs = append(xs, -corridorDX, corridorDX)
	}
	var ys []float64
	for _, r := range rows {
		ys = append(ys, r.y)
	}
	g := newWalkGrid(fc, p, pre, xs, x0, cols, ys, yTop)
	coveredFootways := rng.Float64() < 0.3
	gateX := x0 // the south gate: on the avenue, or the west edge's line
	if spine {
		gateX = 0
	}
	for _, yy := range g.ys {
		props := geojson.Properties{"highway": "footway"}
		switch {
		case mainRoad[yy]:
			props = geojson.Properties{"highway": "service"}
		case coveredFootways && rng.Float64() < 0.5:
			props = geojson.Properties{"highway": "footway", "covered": "yes"}
		}
		g.add(g.across(math.NaN(), yy), props)
	}
	for _, xx := range g.xs {
		from := math.NaN()
		if xx == gateX {
			from = yMin
		}
		g.add(g.along(xx, from, math.NaN()), columnTags(xx, x0, spine))
	}

	// The square by the south gate, beside the gate's walkway.
	sq := rect(gateX+6, yMin+8, gateX+36, y0-5)
	if gateX != 0 {
		sq = rect(gateX+20, yMin+8, gateX+50, y0-5)
	}
	sites = append(sites, feature(pre+"s"+strconv.Itoa(len(sites)+1), orb.Polygon{p.ring(sq)},
		geojson.Properties{"place": "square", "name": "南门广场 (south gate square)"}))
	for _, s := range sites {
		fc.Append(s)
	}
	fc.Append(feature(pre+"g1", p.lonLat(gateX, yMin), geojson.Properties{"barrier": "gate", "name": "南门 (south gate)"}))
	return fc
}

// citySite is a candidate site's tags, one of the contest's kinds;
// sheltered when must is true, and otherwise one time in three.
func citySite(rng *rand.Rand, must bool) geojson.Properties {
	if must || rng.Float64() < 1.0/3 {
		if rng.Intn(2) == 0 {
			return geojson.Properties{"natq:site": "candidate", "covered": "yes", "name": "风雨操场 (covered court)"}
		}
		return geojson.Properties{"building": "roof", "name": "自行车棚 (bicycle shed)"}
	}
	switch rng.Intn(3) {
	case 0:
		return geojson.Properties{"leisure": "pitch", "sport": "basketball", "name": "篮球场 (basketball court)"}
	case 1:
		return geojson.Properties{"amenity": "parking", "name": "停车场 (car park)"}
	}
	return geojson.Properties{"leisure": "playground", "name": "儿童乐园 (playground)"}
}

// pick returns an index drawn with the given weights.
func pick(rng *rand.Rand, weights []float64) int {
	x := rng.Float64()
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
