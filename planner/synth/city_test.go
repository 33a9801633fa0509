package synth

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

func TestCityCompound(t *testing.T) {
	for k := 0; k < 40; k++ {
		t.Run(strconv.Itoa(k), func(t *testing.T) {
			center := orb.Point{121.5 + float64(k)*0.01, 31.2}
			fc := CityCompound(1, k, center)
			c := sortOut(t, fc, center)
			checkCompound(t, fc, c)
			if len(c.buildings) == 0 || len(c.sites) < 2 || len(c.gates) != 1 {
				t.Errorf("CityCompound(1, %d) has %d buildings, %d sites, %d gates; want some, 2 or more, 1", k, len(c.buildings), len(c.sites), len(c.gates))
			}
			sheltered := false
			for _, s := range c.sites {
				if s.Properties["covered"] == "yes" || s.Properties["building"] == "roof" {
					sheltered = true
				}
			}
			if !sheltered {
				t.Errorf("CityCompound(1, %d) has no sheltered site: its wet variant would have nowhere to go", k)
			}
			for _, f := range fc.Features {
				if id := f.ID.(string); !strings.HasPrefix(id, "c"+strconv.Itoa(k)+"-") && id != "city-"+strconv.Itoa(k) {
					t.Errorf("feature id %q lacks the compound's prefix", id)
				}
			}
			a, _ := fc.MarshalJSON()
			if b, _ := CityCompound(1, k, center).MarshalJSON(); !bytes.Equal(a, b) {
				t.Errorf("CityCompound(1, %d) differs between calls", k)
			}
		})
	}
}

// TestWriteCity checks the file as a whole: valid GeoJSON, one feature a
// line, ids unique across compounds, the counts it reports, the same bytes
// for the same seed.
func TestWriteCity(t *testing.T) {
	var buf bytes.Buffer
	st, err := WriteCity(&buf, CityOptions{Compounds: 30, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(buf.Bytes())
	if err != nil {
		t.Fatalf("WriteCity wrote no FeatureCollection: %v", err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != len(fc.Features)+2 {
		t.Errorf("%d lines for %d features, want one a line", lines, len(fc.Features))
	}
	ids := map[string]bool{}
	compounds, buildings, residents := 0, 0, 0
	for _, f := range fc.Features {
		id := f.ID.(string)
		if ids[id] {
			t.Errorf("id %q repeated", id)
		}
		ids[id] = true
		if f.Properties["landuse"] == "residential" {
			compounds++
		}
		if r, ok := f.Properties["natq:residents"].(float64); ok {
			buildings++
			residents += int(r)
		}
	}
	want := CityStats{Compounds: compounds, Buildings: buildings, Residents: residents, Features: len(fc.Features)}
	if compounds != 30 || st != want {
		t.Errorf("WriteCity = %+v, the file holds %+v (want 30 compounds)", st, want)
	}
	// Compounds stand apart: no two compound polygons' bounds meet.
	var bounds []orb.Bound
	for _, f := range fc.Features {
		if f.Properties["landuse"] == "residential" {
			b := f.Geometry.Bound()
			for i, o := range bounds {
				if b.Intersects(o) {
					t.Errorf("compound %v overlaps compound %d", f.ID, i)
				}
			}
			bounds = append(bounds, b)
		}
	}
	var again bytes.Buffer
	if _, err := WriteCity(&again, CityOptions{Compounds: 30, Seed: 4}); err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Errorf("WriteCity differs between calls (%v)", err)
	}
	if _, err := WriteCity(&again, CityOptions{}); err == nil {
		t.Errorf("WriteCity with no compounds = nil error")
	}
}

// TestWriteCityStreams: the city goes out as it is made. A writer that
// fails after the first compound's bytes stops WriteCity at once, with
// the writer's error, rather than after building the rest.
func TestWriteCityStreams(t *testing.T) {
	var one bytes.Buffer
	if _, err := WriteCity(&one, CityOptions{Compounds: 1, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	w := &failAfter{n: one.Len() + 1<<17}
	st, err := WriteCity(w, CityOptions{Compounds: 10000, Seed: 4})
	if !errors.Is(err, errFull) {
		t.Fatalf("WriteCity to a failing writer = %v, want its error", err)
	}
	if st.Compounds > 200 {
		t.Errorf("WriteCity made %d compounds before its writer failed, want it to stop within a few", st.Compounds)
	}
}

var errFull = errors.New("disk full")

type failAfter struct{ n int }

func (w *failAfter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errFull
	}
	w.n -= len(p)
	return len(p), nil
}
