package planner

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// vincenty is the geodesic distance in metres between two lon/lat points
// on the WGS84 ellipsoid, by Vincenty's inverse formula (1975). It shares
// nothing with Projection, so that the projection can be checked against it.
func vincenty(p1, p2 orb.Point) float64 {
	const (
		a = 6378137.0
		f = 1 / 298.257223563
		b = a * (1 - f)
	)
	rad := math.Pi / 180
	L := (p2[0] - p1[0]) * rad
	U1 := math.Atan((1 - f) * math.Tan(p1[1]*rad))
	U2 := math.Atan((1 - f) * math.Tan(p2[1]*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	lambda := L
	var sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM float64
	for range 200 {
		sinL, cosL := math.Sincos(lambda)
		sinSigma = math.Hypot(cosU2*sinL, cosU1*sinU2-sinU1*cosU2*cosL)
		if sinSigma == 0 {
			return 0 // the same point
		}
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosL
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinL / sinSigma
		cos2Alpha = 1 - sinAlpha*sinAlpha
		cos2SigmaM = 0
		if cos2Alpha != 0 { // not on the equator
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		}
		C := f / 16 * cos2Alpha * (4 + f*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-C)*f*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-13 {
			break
		}
	}
	u2 := cos2Alpha * (a*a - b*b) / (b * b)
	A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
	B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
	dSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
		B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
	return b * A * (sigma - dSigma)
}

// lineLengthGeodesic is the geodesic length of a lon/lat line.
func lineLengthGeodesic(ls orb.LineString) float64 {
	var s float64
	for i := 1; i < len(ls); i++ {
		s += vincenty(ls[i-1], ls[i])
	}
	return s
}

// TestVincenty checks the test's own geodesic on Vincenty's published
// example (Flinders Peak to Buninyong, 54,972.271 m) and on a quarter of
// the equator.
func TestVincenty(t *testing.T) {
	dms := func(d, m, s float64) float64 { return d + m/60 + s/3600 }
	tests := []struct {
		name   string
		p1, p2 orb.Point
		want   float64
		tol    float64
	}{
		{"Flinders Peak-Buninyong",
			orb.Point{dms(144, 25, 29.52440), -dms(37, 57, 3.72030)},
			orb.Point{dms(143, 55, 35.38390), -dms(37, 39, 10.15610)},
			54972.271, 0.001},
		{"quarter equator", orb.Point{0, 0}, orb.Point{90, 0}, 6378137.0 * math.Pi / 2, 0.001},
		{"same point", orb.Point{121.47, 31.23}, orb.Point{121.47, 31.23}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vincenty(tt.p1, tt.p2); math.Abs(got-tt.want) > tt.tol {
				t.Errorf("vincenty(%v, %v) = %.4f, want %.4f", tt.p1, tt.p2, got, tt.want)
			}
		})
	}
}

// geodesicLine returns a line of geodesic length want metres starting at
// from, heading east (dir 0) or north (dir 1), found by refining the
// degree step until Vincenty agrees.
func geodesicLine(from orb.Point, dir int, want float64) (orb.Point, orb.Point) {
	step := want / 111320.0 // a first guess in degrees
	if dir == 0 {
		step /= math.Cos(from[1] * math.Pi / 180)
	}
	to := from
	for range 20 {
		to = from
		to[dir] += step
		got := vincenty(from, to)
		if math.Abs(got-want) < 1e-7 {
			break
		}
		step *= want / got
	}
	return from, to
}

// TestProjectionMetres checks that 100 m measured on the ellipsoid is
// 100 ± 0.1 m in the plane, east-west and north-south, at several
// latitudes, both at the projection's origin and a kilometre from it (a
// large compound's edge).
func TestProjectionMetres(t *testing.T) {
	const lon = 121.47
	for _, lat := range []float64{0, 31, 40, 60} {
		origin := orb.Point{lon, lat}
		proj := NewProjection(origin)
		for _, dir := range []int{0, 1} {
			for _, offset := range []float64{0, 1000} { // metres north and east of the origin
				name := fmt.Sprintf("lat%g/%s/offset%gm", lat, []string{"east-west", "north-south"}[dir], offset)
				t.Run(name, func(t *testing.T) {
					start := origin
					if offset > 0 {
						_, north := geodesicLine(origin, 1, offset)
						_, start = geodesicLine(north, 0, offset)
					}
					for _, length := range []float64{100, 1000} {
						a, b := geodesicLine(start, dir, length)
						if g := vincenty(a, b); math.Abs(g-length) > 1e-6 {
							t.Fatalf("geodesicLine(%v, %d, %g) made a line of %.9f m", start, dir, length, g)
						}
						got := dist(proj.ToPlane(a), proj.ToPlane(b))
						tol := 0.1 * length / 100 // 0.1 m per 100 m
						if math.Abs(got-length) > tol {
							t.Errorf("plane length of %g m geodesic from %v to %v = %.4f m, want %g ± %g", length, a, b, got, length, tol)
						}
					}
				})
			}
		}
	}
}

// TestProjectionRoundTrip checks that ToLonLat undoes ToPlane, so that
// routes drawn in the plane land where they were computed.
func TestProjectionRoundTrip(t *testing.T) {
	proj := NewProjection(orb.Point{116.32, 40.0})
	for _, p := range []orb.Point{{116.32, 40.0}, {116.31, 40.01}, {116.3333, 39.99}} {
		back := proj.ToLonLat(proj.ToPlane(p))
		if math.Abs(back[0]-p[0]) > 1e-12 || math.Abs(back[1]-p[1]) > 1e-12 {
			t.Errorf("ToLonLat(ToPlane(%v)) = %v, want %v", p, back, p)
		}
	}
}

// TestProjectionNotMercator guards against a Web Mercator plane, whose
// metres are 1/cos(lat) too long: 17% at Shanghai.
func TestProjectionNotMercator(t *testing.T) {
	a, b := geodesicLine(orb.Point{121.47, 31.23}, 0, 100)
	proj := NewProjection(a)
	if got := dist(proj.ToPlane(a), proj.ToPlane(b)); got > 100.1 || got < 99.9 {
		t.Errorf("100 m at 31.23°N measures %.3f m in the plane, want 100 ± 0.1", got)
	}
}
