package planner

import (
	"testing"
)

// FuzzRead feeds the compound readers (GeoJSON and OSM XML, told apart by
// the first byte) anything: they return a compound or an error, never
// panic or hang. Seeds: testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","id":"way/1","properties":{"building":"residential","building:levels":"11"},
 "geometry":{"type":"Polygon","coordinates":[[[121.47,31.23],[121.4702,31.23],[121.4702,31.2301],[121.47,31.2301],[121.47,31.23]]]}}]}`))
	f.Add([]byte(`<?xml version="1.0"?><osm version="0.6"><node id="1" lat="31.23" lon="121.47"/><node id="2" lat="31.23" lon="121.4702"/>` +
		`<node id="3" lat="31.2301" lon="121.4702"/><way id="9"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="1"/><tag k="building" v="yes"/></way></osm>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := Read("fuzz", data)
		if err != nil {
			return
		}
		src.Totals()
		src.Compounds(Selection{})
		src.Compounds(Selection{WholeFile: true, WholeID: "fuzz"})
	})
}
