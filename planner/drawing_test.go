package planner

import (
	"encoding/json"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// A drawing is a small compound file drawn in metres (x east, y north of
// an origin) for a test, written as GeoJSON in lon/lat the way a
// coordinator's editor would write it.
type drawing struct {
	proj Projection
	fc   *geojson.FeatureCollection
}

// drawAt starts a drawing around origin (lon, lat).
func drawAt(origin orb.Point) *drawing {
	return &drawing{proj: NewProjection(origin), fc: geojson.NewFeatureCollection()}
}

// testOrigin is where test drawings stand: Shanghai, where the metres of a
// careless projection go most wrong among natq's cities.
var testOrigin = orb.Point{121.47, 31.23}

func (d *drawing) ll(p orb.Point) orb.Point { return d.proj.ToLonLat(p) }

func (d *drawing) add(id string, g orb.Geometry, props geojson.Properties) *geojson.Feature {
	f := geojson.NewFeature(g)
	if id != "" {
		f.ID = id
	}
	f.Properties = props
	d.fc.Append(f)
	return f
}

// way draws a walkway through pts; tags are extra OSM tags (covered=yes, ...).
func (d *drawing) way(id string, tags map[string]string, pts ...orb.Point) {
	ls := make(orb.LineString, len(pts))
	for i, p := range pts {
		ls[i] = d.ll(p)
	}
	props := geojson.Properties{"highway": "footway"}
	for k, v := range tags {
		props[k] = v
	}
	d.add(id, ls, props)
}

func (d *drawing) ring(corners []orb.Point) orb.Ring {
	r := make(orb.Ring, 0, len(corners)+1)
	for _, p := range corners {
		r = append(r, d.ll(p))
	}
	return append(r, r[0])
}

// building draws a residential building with the given residents.
func (d *drawing) building(id string, residents int, corners ...orb.Point) {
	d.add(id, orb.Polygon{d.ring(corners)}, geojson.Properties{"building": "residential", "natq:residents": residents})
}

// entrance draws a door.
func (d *drawing) entrance(id string, p orb.Point) {
	d.add(id, d.ll(p), geojson.Properties{"entrance": "yes"})
}

// site draws a candidate sampling site, sheltered or not.
func (d *drawing) site(id string, sheltered bool, corners ...orb.Point) {
	props := geojson.Properties{"natq:site": "candidate", "name": "site " + id}
	if sheltered {
		props["covered"] = "yes"
	}
	d.add(id, orb.Polygon{d.ring(corners)}, props)
}

// square is the corners of the axis-aligned square from (x0, y0) to (x1, y1), counter-clockwise.
func square(x0, y0, x1, y1 float64) []orb.Point {
	return []orb.Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

// bytes is the drawing as a GeoJSON file.
func (d *drawing) bytes(t testing.TB) []byte {
	t.Helper()
	data, err := json.Marshal(d.fc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// compound reads the drawing as natq would and returns its one compound.
func (d *drawing) compound(t testing.TB) *Compound {
	t.Helper()
	src, err := Read("drawing.geojson", d.bytes(t))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	cs, err := src.Compounds(Selection{})
	if err != nil {
		t.Fatalf("Compounds: %v", err)
	}
	if len(cs) != 1 {
		t.Fatalf("Compounds: got %d compounds, want 1", len(cs))
	}
	return cs[0]
}

// plan plans the drawing for both weathers with the given rain factor.
func (d *drawing) plan(t testing.TB, rainFactor float64) *Plan {
	t.Helper()
	p := testParams()
	p.RainFactor = rainFactor
	pl, err := Make(d.compound(t), p)
	if err != nil {
		t.Fatalf("Make: %v", err)
	}
	return pl
}

// variant is pl's plan for weather v.
func variant(t testing.TB, pl *Plan, v Variant) *VariantPlan {
	t.Helper()
	for _, vp := range pl.Variants {
		if vp.Variant == v {
			return vp
		}
	}
	t.Fatalf("plan has no %s variant", v)
	return nil
}
