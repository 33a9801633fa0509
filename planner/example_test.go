package planner_test

import (
	"fmt"
	"log"

	"natq/planner"
)

// tiny is a compound drawn in a map editor: one building whose door opens
// on an open footway straight to a sampling shelter 95 m east, and a
// covered walkway round by the north.
const tiny = `{"type": "FeatureCollection", "features": [
 {"type": "Feature", "id": "b1", "properties": {"building": "residential", "name": "1号楼", "natq:residents": 120},
  "geometry": {"type": "Polygon", "coordinates": [[[121.4697, 31.2299], [121.4700, 31.2299], [121.4700, 31.2301], [121.4697, 31.2301], [121.4697, 31.2299]]]}},
 {"type": "Feature", "id": "e1", "properties": {"entrance": "yes"},
  "geometry": {"type": "Point", "coordinates": [121.4700, 31.2300]}},
 {"type": "Feature", "id": "open", "properties": {"highway": "footway"},
  "geometry": {"type": "LineString", "coordinates": [[121.4700, 31.2300], [121.4710, 31.2300]]}},
 {"type": "Feature", "id": "corridor", "properties": {"highway": "footway", "covered": "yes"},
  "geometry": {"type": "LineString", "coordinates": [[121.4700, 31.2300], [121.4700, 31.2302], [121.4710, 31.2302], [121.4710, 31.2300]]}},
 {"type": "Feature", "id": "s1", "properties": {"natq:site": "candidate", "covered": "yes", "name": "风雨棚"},
  "geometry": {"type": "Polygon", "coordinates": [[[121.4710, 31.2300], [121.4712, 31.2299], [121.4712, 31.2301], [121.4710, 31.2300]]]}}
]}`

// ExampleMake reads a compound, plans it for a dry and a wet day, and
// prints each way there: in the rain the residents of 1号楼 walk 44 m further
// to stay under cover.
func ExampleMake() {
	src, err := planner.Read("tiny.geojson", []byte(tiny))
	if err != nil {
		log.Fatal(err)
	}
	compounds, err := src.Compounds(planner.Selection{})
	if err != nil {
		log.Fatal(err)
	}
	params := planner.DefaultParams()
	params.Date = "2026-12-01" // the planner reads no clock: the caller names the day
	plan, err := planner.Make(compounds[0], params)
	if err != nil {
		log.Fatal(err)
	}
	for _, vp := range plan.Variants {
		for _, r := range vp.Routes {
			if r.Direction != "to" { // the ways back from the desks
				continue
			}
			fmt.Printf("%s: %s -> %s, %.0f m walked, %.0f m in the open\n", vp.Variant, r.Building.Name, r.Site.Name, r.Length, r.Uncovered)
		}
	}
	// Output:
	// dry: 1号楼 -> 风雨棚, 95 m walked, 95 m in the open
	// wet: 1号楼 -> 风雨棚, 140 m walked, 0 m in the open
}
