package planner

import (
	"os"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestFeatureID(t *testing.T) {
	tests := []struct {
		name string
		gid  any
		tags map[string]string
		want string
	}{
		{"osmgeojson way", "way/123", nil, "w123"},
		{"osmgeojson node", "node/7", nil, "n7"},
		{"relation", "relation/5", nil, "r5"},
		{"@id", nil, map[string]string{"@id": "way/99"}, "w99"},
		{"id and type", nil, map[string]string{"id": "42", "type": "relation"}, "r42"},
		{"bare id property", nil, map[string]string{"id": "b7"}, "b7"},
		{"numeric GeoJSON id", float64(12), nil, "12"},
		{"unsafe ASCII", "a b/c", nil, "a-b-c"},
		{"Chinese", "1号楼", nil, "1u53f7u697c"},
		{"Chinese ids stay distinct", "东楼", nil, "u4e1cu697c"},
		{"Chinese ids stay distinct 2", "西楼", nil, "u897fu697c"},
		{"none", nil, map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := featureID(tt.gid, tagsOf(tt.tags)); got != tt.want {
				t.Errorf("featureID(%v, %v) = %q, want %q", tt.gid, tt.tags, got, tt.want)
			}
		})
	}
}

// TestReadNestedTags reads the Overpass/osmgeojson style, with OSM tags
// nested under "tags".
func TestReadNestedTags(t *testing.T) {
	data := `{"type":"FeatureCollection","features":[
{"type":"Feature","id":"way/1","properties":{"tags":{"building":"residential","building:levels":"11"}},
 "geometry":{"type":"Polygon","coordinates":[[[121.47,31.23],[121.4702,31.23],[121.4702,31.2301],[121.47,31.2301],[121.47,31.23]]]}}]}`
	src, err := Read("overpass.geojson", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := src.Compounds(Selection{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cs[0].Buildings); n != 1 {
		t.Fatalf("Buildings = %d, want 1", n)
	}
	if b := cs[0].Buildings[0]; b.ID != "w1" || b.Levels != 11 {
		t.Errorf("Building = %s with %d levels, want w1 with 11", b.ID, b.Levels)
	}
}

// TestReadByteOrderMark reads files saved by Windows editors, which start
// UTF-8 with a byte order mark.
func TestReadByteOrderMark(t *testing.T) {
	d := drawAt(testOrigin)
	twoWays(nil, nil)(d)
	osm, err := os.ReadFile("../testdata/real/spb_galernaya_block.osm")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"compound.geojson": d.bytes(t), "map.osm": osm} {
		t.Run(name, func(t *testing.T) {
			plain, err := Read(name, data)
			if err != nil {
				t.Fatal(err)
			}
			bom, err := Read(name, append([]byte("\xef\xbb\xbf"), data...))
			if err != nil {
				t.Fatalf("Read(%q with a byte order mark) = %v, want it read like the file without", name, err)
			}
			if got, want := bom.Totals(), plain.Totals(); got != want {
				t.Errorf("Read(%q with a byte order mark) totals = %+v, want %+v", name, got, want)
			}
		})
	}
}

// TestDefaultIDsUnique checks that a feature drawn without an id gets one
// no other feature has: building ids are unique in a plan (PLANFILE.md),
// and messages name the feature by it.
func TestDefaultIDsUnique(t *testing.T) {
	d := drawAt(testOrigin)
	twoWays(nil, nil)(d)                              // features 0-4
	d.building("", 10, square(-20, 40, 0, 60)...)     // feature 5: gets b5
	d.building("b5", 10, square(-20, 80, 0, 100)...)  // feature 6: already b5
	d.building("", 10, square(-20, 120, 0, 140)...)   // feature 7: gets b7
	d.building("b7.1", 10, square(30, 40, 50, 60)...) // feature 8
	c := d.compound(t)
	seen := map[string]bool{}
	for _, b := range c.Buildings {
		if seen[b.ID] {
			t.Errorf("two buildings have the id %q", b.ID)
		}
		seen[b.ID] = true
	}
	for _, id := range []string{"b1", "b5", "b7", "b7.1"} {
		if !seen[id] {
			t.Errorf("no building has the id %q; ids: %v", id, keys(seen))
		}
	}
}

// TestMessageNamesFeatureWithoutID checks a bad building drawn without an
// id is named in the message all the same.
func TestMessageNamesFeatureWithoutID(t *testing.T) {
	d := drawAt(testOrigin)
	twoWays(nil, nil)(d)
	d.building("", 10, orb.Point{-50, 50}, orb.Point{-10, 80}, orb.Point{-10, 50}, orb.Point{-50, 80}) // feature 5, a bow tie
	src, err := Read("drawing.geojson", d.bytes(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Compounds(Selection{})
	if err == nil || !strings.Contains(err.Error(), "building b5: its outline crosses itself") {
		t.Errorf("Compounds() error = %v, want it to name building b5", err)
	}
}

// TestReadRealOSMMissingMembers reads the real exports, whose ways and
// relations reference nodes and members outside the file: a warning, not
// an error.
func TestReadRealOSMMissingMembers(t *testing.T) {
	for _, name := range []string{"beijing_tsinghua_compounds.osm", "shanghai_shu_baoshan.osm", "spb_galernaya_block.osm"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("../testdata/real/" + name)
			if err != nil {
				t.Fatal(err)
			}
			src, err := Read(name, data)
			if err != nil {
				t.Fatalf("Read(%q) = %v, want no error", name, err)
			}
			warned := false
			for _, w := range src.warnings {
				if strings.Contains(w, "not in the file") {
					warned = true
				}
			}
			if !warned {
				t.Errorf("Read(%q) warnings = %q, want one about members not in the file", name, src.warnings)
			}
		})
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
