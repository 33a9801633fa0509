// Package planfile owns the plan file, the one contract between the planner
// (natq plan), the queue service (natq serve), the pages and the printed
// sheets: its types, Read with the checks every reader relies on, Write, and
// the local metric plane (Projection) that readers measure and draw on.
//
// A plan file is one RFC 7946 GeoJSON FeatureCollection for ONE compound,
// lon/lat WGS84, polygons right-hand rule (exterior counter-clockwise). It
// opens in any GeoJSON viewer as it is. Readers ignore unknown members and
// properties; writers only ever add. A plan file written by an older natq
// still reads.
//
// # Foreign members
//
//	"natq:compound": {"id": "w226684173", "name": "荷清苑教师住宅区"}
//	"natq:params": {
//	    "date": "2026-12-01", "tz": "Asia/Shanghai",   // tz absent: UTC
//	    "desks": 8, "rate": 120, "start": "07:00", "end": "12:00", "window": "15m0s",
//	    "spacing": 1.0, "rain_factor": 4, "walk_speed": 1.2,
//	    "students": "16:30-18:00", "student_share": 0.12,   // "none" when no students' period
//	    "marshal_every_m": 20, "variants": ["dry", "wet"], "strict": false,
//	    "canopies": -1            // canopies on hand for open sites in the wet; -1: as many as needed
//	}
//	"natq:schedule": [            // every window of every site of every variant
//	    {"variant": "dry", "site": "s3",
//	     "start": "2026-12-01T07:00:00+08:00", "end": "2026-12-01T07:15:00+08:00",  // RFC 3339 with offset
//	     "capacity": 30,          // = min(desks x rate x window, markers): the queue never admits more
//	     "students": false,       // the students' period
//	     "groups": [              // who is called in this window
//	         {"building": "b12", "unit": "1", "floors": [1, 3], "people": 24},   // whole floors: a floor is in one window
//	         {"building": "b7", "unit": "2", "floors": [8, 8], "rooms": [801, 806], "people": 14},
//	                              // "rooms" only on a floor too big for one window: the rooms called in
//	                              // this one (floor x 100 + door), the rest in the next windows
//	         {"building": "students", "people": 6}   // students' period windows only
//	     ]}
//	]
//	"natq:report": {"dry": {...figures...}, "wet": {...}, "assumptions": ["..."]}
//	    // each variant's figures (Figures) include "guidance": the national guidance's figures
//	    // (residents per site and per desk, longest walk and wait, with their ranges and caps,
//	    // desks_needed, sites_needed, breaches) and, when a wet day puts canopies over desks at
//	    // open sites, "canopy_trade": {"canopies", "end", "sheltered_end", "saved_min", "on_hand", "text"}
//	"natq:warnings": ["..."]
//
// A window is named by its index in natq:schedule (Window.Index): the queue
// service keys its windows by it and the pages ask by it.
//
// # Features: properties["natq:kind"]
//
// Ids are short URL-safe strings ([A-Za-z0-9_.-], IsID), e.g. OSM way 123 ->
// w123, relation -> r5, node -> n7; features without an id get b<index>,
// s<index>, ... Building ids are unique in a plan.
//
//	natq:kind   geometry                properties
//	building    Polygon / MultiPolygon  natq:building (id), name, natq:residents, natq:residents_estimated (bool),
//	                                    natq:households, natq:units, natq:levels, natq:sealed (bool); one copy per
//	                                    variant with natq:variant, natq:site (absent when door-to-door),
//	                                    natq:doortodoor (bool)
//	entrance    Point                   feature id, natq:building, natq:inferred (bool), ref (unit, may be absent)
//	gate        Point                   natq:gate (id), name
//	site        Polygon                 natq:site (id), name, natq:sheltered, natq:variant, natq:area_m2,
//	                                    natq:max_desks, natq:desks (0 = unused), natq:line_capacity (markers),
//	                                    natq:canopies, natq:outside, natq:inferred
//	entry, exit Point                   natq:site, natq:variant: where the line starts / where people leave the desks;
//	                                    natq:walkway_at ([lon, lat]): where that way in / out meets the walkways
//	                                    (entry: where most of the site's residents arrive; exit: another side
//	                                    where the site has one), natq:side (the outline segment it is by)
//	desk        Point                   natq:site, natq:variant
//	queue_line  LineString              natq:site, natq:variant, natq:length_m (serpentine, first point = line start)
//	marker      MultiPoint              natq:site, natq:variant, natq:count: the 1 m floor marks in line order (marker 1 first)
//	route       LineString              natq:variant, natq:building, natq:site, natq:entrance, natq:direction
//	                                    (to = entrance -> site, back = desks -> entrance), natq:length_m,
//	                                    natq:uncovered_m, natq:walk_s
//	post        Point                   natq:variant, natq:role (coordinator, marshal, caller, guard), natq:label,
//	                                    natq:site (when at a site), natq:building (callers)
//	visit       LineString              natq:variant, natq:length_m, natq:households, natq:walk_s, natq:stops
//	                                    (building ids): the door-to-door order, from a gate
//
// Every feature that depends on the weather carries natq:variant (dry or
// wet).
//
// # What Read checks
//
// Read refuses, with an *Error naming the member or the feature (its index
// in features, its id) and what is wrong: a document that is not a
// FeatureCollection; a compound id that is not an id; a date that is not
// YYYY-MM-DD, an unknown tz, no spacing; a window with a bad variant, site,
// time or capacity; a property of the wrong JSON type; a geometry of the
// wrong type or not in lon/lat; a feature of a weather-dependent kind with
// no variant; a reference to a building or site the plan does not have;
// markers that disagree with natq:line_capacity; and a window that admits
// more people than its site's line holds at the plan's spacing (the
// one-metre rule). A site's line capacity is natq:line_capacity, else its
// markers' count, else 0: no reader invents one.
package planfile
