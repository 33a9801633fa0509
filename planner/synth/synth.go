// Package synth makes synthetic compounds: the 2022 modelling-contest compound and random compounds for property tests.
//
// Both are built in a local metric plane (x metres east, y metres north of a
// centre) and converted to WGS84 lon/lat only at the end, so every size in the
// code is a true metre and shared vertices stay bit-for-bit shared.
package synth

//go:generate go run ../../cmd/natq-synth -o ../../testdata/contest.geojson

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// ContestCenter is where the contest compound stands: central Shanghai.
var ContestCenter = orb.Point{121.47, 31.23}

// WGS84 ellipsoid.
const (
	wgs84A  = 6378137.0
	wgs84E2 = 0.00669437999014
)

// plane is a local metric plane around a centre: an equirectangular
// projection scaled by the ellipsoid's radii of curvature at the centre,
// good to a few centimetres across a compound.
type plane struct {
	center orb.Point
	kx, ky float64 // metres per degree of longitude and latitude
}

func newPlane(center orb.Point) plane {
	lat := center[1] * math.Pi / 180
	s := math.Sin(lat)
	w := 1 - wgs84E2*s*s
	n := wgs84A / math.Sqrt(w)                     // prime vertical radius
	m := wgs84A * (1 - wgs84E2) / math.Pow(w, 1.5) // meridional radius
	return plane{
		center: center,
		kx:     math.Pi / 180 * n * math.Cos(lat),
		ky:     math.Pi / 180 * m,
	}
}

// lonLat converts plane metres to lon/lat, rounded to 1e-7 degree (about a
// centimetre) so the file stays readable. Longitude depends on x alone and
// latitude on y alone, so points with equal x or y stay exactly aligned.
func (p plane) lonLat(x, y float64) orb.Point {
	return orb.Point{round7(p.center[0] + x/p.kx), round7(p.center[1] + y/p.ky)}
}

// xy converts lon/lat back to plane metres.
func (p plane) xy(q orb.Point) (x, y float64) {
	return (q[0] - p.center[0]) * p.kx, (q[1] - p.center[1]) * p.ky
}

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// xy is a point in plane metres.
type xy struct{ x, y float64 }

// ring closes pts (given counter-clockwise, in metres) into a lon/lat ring.
func (p plane) ring(pts []xy) orb.Ring {
	r := make(orb.Ring, 0, len(pts)+1)
	for _, q := range pts {
		r = append(r, p.lonLat(q.x, q.y))
	}
	return append(r, r[0])
}

func (p plane) line(pts []xy) orb.LineString {
	ls := make(orb.LineString, 0, len(pts))
	for _, q := range pts {
		ls = append(ls, p.lonLat(q.x, q.y))
	}
	return ls
}

// rect is an axis-aligned rectangle in metres, counter-clockwise from its
// south-west corner, so its first edge is the south side.
func rect(x0, y0, x1, y1 float64) []xy {
	return []xy{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

func feature(id string, g orb.Geometry, props geojson.Properties) *geojson.Feature {
	f := geojson.NewFeature(g)
	f.ID = id
	f.Properties = props
	return f
}

// onEdge is the point a fraction t along the ring's edge i, interpolated in
// lon/lat so that it lies on the outline as written.
func onEdge(r orb.Ring, i int, t float64) orb.Point {
	a, b := r[i], r[i+1]
	return orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
}

// WriteLines writes fc as GeoJSON with one feature per line, so that a
// regenerated file diffs line by line.
func WriteLines(w io.Writer, fc *geojson.FeatureCollection) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
	for i, f := range fc.Features {
		b, err := json.Marshal(f)
		if err != nil {
			return fmt.Errorf("synth: feature %d (%v): %w", i, f.ID, err)
		}
		bw.Write(b)
		if i < len(fc.Features)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("]}\n")
	return bw.Flush()
}
