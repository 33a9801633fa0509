package planner

import (
	"fmt"
	"strings"
	"testing"
)

// TestNameUnnamed: features the file leaves unnamed get names a person
// can find, never an OSM id: the name, ref or house number when there is
// one, else a number in reading order (north first, then west to east).
func TestNameUnnamed(t *testing.T) {
	box := func(x, y float64) string {
		x0, y0 := 121.47+x*0.001, 31.23+y*0.001
		return fmt.Sprintf(`[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]`, x0, y0, x0+0.0003, y0, x0+0.0003, y0+0.0002, x0, y0+0.0002, x0, y0)
	}
	feature := func(id, tags string, x, y float64) string {
		return fmt.Sprintf(`{"type":"Feature","id":%q,"properties":{%s},"geometry":{"type":"Polygon","coordinates":%s}}`, id, tags, box(x, y))
	}
	fc := `{"type":"FeatureCollection","features":[` + strings.Join([]string{
		feature("way/1", `"building":"yes"`, 0, 0),                             // south-west
		feature("way/2", `"building":"yes"`, 2, 2),                             // north
		feature("way/3", `"building":"yes","addr:housenumber":"12"`, 1, 0),     // a house number
		feature("way/4", `"building":"yes","addr:housenumber":"4 литВ"`, 2, 0), // kept as written
		feature("way/5", `"building":"yes","name":"图书馆","ref":"9"`, 3, 0),      // a name wins
		feature("way/6", `"building":"yes","ref":"7"`, 4, 0),                   // a ref
		feature("way/7", `"building":"yes","addr:housenumber":"8"`, 5, 0),      // shared number:
		feature("way/8", `"building":"yes","addr:housenumber":"8"`, 6, 0),      // neither named by it
		feature("way/20", `"leisure":"pitch"`, 0, 3),                           // north site
		feature("way/21", `"leisure":"pitch","name":"篮球场"`, 1, 3),              // named site
		feature("way/22", `"leisure":"pitch"`, 0, -3),                          // south site
		`{"type":"Feature","properties":{"highway":"footway"},"geometry":{"type":"LineString","coordinates":[[121.469,31.2295],[121.478,31.2295]]}}`,
	}, ",") + `]}`
	src, err := Read("names.geojson", []byte(fc))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := src.Compounds(Selection{WholeID: "names"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range cs[0].Buildings {
		got[b.ID] = b.Name
	}
	for _, s := range cs[0].Sites {
		got[s.ID] = s.Name
	}
	want := map[string]string{
		"w1": "楼 2 / building 2", "w2": "楼 1 / building 1", "w3": "12号楼", "w4": "4 литВ", "w5": "图书馆", "w6": "7",
		"w7": "楼 3 / building 3", "w8": "楼 4 / building 4",
		"w20": "采样点 1 / site 1", "w21": "篮球场", "w22": "采样点 2 / site 2",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("name of %s = %q, want %q", id, got[id], w)
		}
	}
}
