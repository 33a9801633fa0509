package planner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmgeojson"
	"github.com/paulmach/osm/osmxml"

	"natq/planner/internal/hull"
)

// A feature is one input feature as natq reads it, whatever the file's
// format: OSM-style tags, a short id, and a lon/lat geometry.
type feature struct {
	id      string // URL-safe, unique within the file ("w123", "b4", ...)
	index   int    // position in the file, for messages
	tags    map[string]string
	geom    orb.Geometry
	tainted bool // OSM: some of its nodes or members are not in the file
}

// label names a feature for a coordinator: its name when it has one, and
// always its id.
func (f *feature) label() string {
	if n := f.tags["name"]; n != "" {
		return fmt.Sprintf("%s (%s)", n, f.id)
	}
	if r := f.tags["ref"]; r != "" {
		return fmt.Sprintf("%s (ref %s)", f.id, r)
	}
	return f.id
}

// A Source is a compound file as read: its features, not yet understood.
type Source struct {
	Name     string // file name, for messages
	Format   string // "geojson" or "osm"
	features []feature
	warnings []string
}

// Read reads a compound file, GeoJSON (RFC 7946, OSM tags as properties)
// or OSM XML, telling them apart by their first character. name is used in
// messages only.
func Read(name string, data []byte) (*Source, error) {
	// Windows editors start UTF-8 files with a byte order mark, which
	// neither JSON nor the first-character test expects.
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, inputErrorf("%s is empty: natq needs a GeoJSON FeatureCollection or an OSM XML file", name)
	}
	var src *Source
	var err error
	if trimmed[0] == '<' {
		src, err = readOSM(name, trimmed)
	} else {
		src, err = readGeoJSON(name, trimmed)
	}
	if err != nil {
		return nil, err
	}
	if err := src.check(); err != nil {
		return nil, err
	}
	return src, nil
}

func readGeoJSON(name string, data []byte) (*Source, error) {
	var head struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return nil, inputErrorf("%s is not valid JSON (line %d: %v); natq needs a GeoJSON FeatureCollection or an OSM XML file", name, line, err)
		}
		return nil, inputErrorf("%s is not a GeoJSON FeatureCollection: %v", name, err)
	}
	if head.Type != "FeatureCollection" {
		what := head.Type
		if what == "" {
			what = "JSON without a GeoJSON \"type\""
		}
		return nil, inputErrorf("%s is a %s, not a GeoJSON FeatureCollection: put the compound's features in a FeatureCollection", name, what)
	}
	src := &Source{Name: name, Format: "geojson"}
	for i, raw := range head.Features {
		f, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			return nil, inputErrorf("%s: feature %d (counting from 0) is not a valid GeoJSON feature: %v", name, i, err)
		}
		if f.Geometry == nil {
			src.warnings = append(src.warnings, fmt.Sprintf("feature %d (counting from 0) has no geometry: ignored", i))
			continue
		}
		tags := make(map[string]string, len(f.Properties))
		for k, v := range f.Properties {
			if k == "tags" { // Overpass / osmgeojson style: tags nested
				if m, ok := v.(map[string]any); ok {
					for tk, tv := range m {
						tags[tk] = propString(tv)
					}
					continue
				}
			}
			tags[k] = propString(v)
		}
		id := featureID(f.ID, tags)
		src.features = append(src.features, feature{id: id, index: i, tags: tags, geom: f.Geometry})
	}
	return src, nil
}

func propString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "yes"
		}
		return "no"
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// featureID finds a feature's id (GeoJSON id, then @id, then id) and makes
// it short and URL-safe: "way/123" becomes "w123". It returns "" when the
// feature has none.
func featureID(gid any, tags map[string]string) string {
	s := propString(gid)
	if s == "" {
		s = tags["@id"]
	}
	if s == "" {
		s = tags["id"]
		if t := tags["type"]; s != "" && (t == "node" || t == "way" || t == "relation") {
			s = t + "/" + s
		}
	}
	for long, short := range map[string]string{"node/": "n", "way/": "w", "relation/": "r"} {
		if rest, ok := strings.CutPrefix(s, long); ok {
			s = short + rest
		}
	}
	return safeID(s)
}

// safeID keeps [A-Za-z0-9_.-], turns other ASCII into '-' and any other
// character into 'u' and its code point in hex ("东楼" becomes
// "u4e1cu697c"), so that an id can stand in a URL and a file name and two
// ids written in Chinese stay two ids.
func safeID(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-':
			b.WriteRune(c)
		case c < 0x80:
			b.WriteByte('-')
		default:
			fmt.Fprintf(&b, "u%x", c)
		}
	}
	return b.String()
}

func readOSM(name string, data []byte) (*Source, error) {
	if !bytes.HasSuffix(data, []byte("</osm>")) {
		return nil, inputErrorf("%s is not complete OSM XML: it does not end with </osm> (was the download or copy cut short?)", name)
	}
	o := &osm.OSM{}
	sc := osmxml.New(context.Background(), bytes.NewReader(data))
	defer sc.Close()
	for sc.Scan() {
		o.Append(sc.Object())
	}
	if err := sc.Err(); err != nil {
		return nil, inputErrorf("%s is not valid OSM XML: %v", name, err)
	}
	if len(o.Nodes)+len(o.Ways)+len(o.Relations) == 0 {
		return nil, inputErrorf("%s is OSM XML with no nodes, ways or relations", name)
	}
	fc, err := osmgeojson.Convert(o, osmgeojson.NoMeta(true), osmgeojson.NoRelationMembership(true))
	if err != nil {
		return nil, inputErrorf("%s: cannot read OSM data: %v", name, err)
	}
	src := &Source{Name: name, Format: "osm"}
	tainted := 0
	for i, f := range fc.Features {
		tags := map[string]string{}
		if m, ok := f.Properties["tags"].(map[string]string); ok {
			for k, v := range m {
				tags[k] = v
			}
		}
		if len(tags) == 0 {
			continue
		}
		t := f.Properties["tainted"] == true
		if t {
			tainted++
		}
		src.features = append(src.features, feature{id: featureID(f.ID, nil), index: i, tags: tags, geom: f.Geometry, tainted: t})
	}
	// A multipolygon whose outline is cut by the export's edge cannot be
	// assembled; a building so cut still needs a footprint, so it gets the
	// hull of the member ways that are in the file.
	built := map[string]bool{}
	for _, f := range fc.Features {
		built[fmt.Sprint(f.ID)] = true
	}
	ways := map[osm.WayID]*osm.Way{}
	for _, w := range o.Ways {
		ways[w.ID] = w
	}
	nodes := map[osm.NodeID]*osm.Node{}
	for _, n := range o.Nodes {
		nodes[n.ID] = n
	}
	for _, r := range o.Relations {
		if r.Tags.Find("type") != "multipolygon" || r.Tags.Find("building") == "" || built[fmt.Sprintf("relation/%d", r.ID)] {
			continue
		}
		var pts orb.MultiPoint
		have, outers := 0, 0
		for _, m := range r.Members {
			if m.Type != osm.TypeWay || m.Role == "inner" {
				continue
			}
			outers++
			w := ways[osm.WayID(m.Ref)]
			if w == nil {
				continue
			}
			have++
			for _, wn := range w.Nodes {
				if n := nodes[wn.ID]; n != nil {
					pts = append(pts, orb.Point{n.Lon, n.Lat})
				}
			}
		}
		ring := hull.Convex(pts)
		if ring == nil {
			continue
		}
		f := feature{id: fmt.Sprintf("r%d", r.ID), index: len(fc.Features) + len(src.features), tags: r.Tags.Map(), geom: orb.Polygon{ring}, tainted: true}
		src.features = append(src.features, f)
		src.warnings = append(src.warnings, fmt.Sprintf("building %s: only %d of the %d ways of its outline are in the file; its footprint is approximated by their hull", f.label(), have, outers))
	}
	if tainted > 0 {
		src.warnings = append(src.warnings, fmt.Sprintf("%d OSM features reference nodes or members that are not in the file (normal for a map export): they were built from what is there", tainted))
	}
	return src, nil
}

// check rejects what no compound file may hold: coordinates that are not
// lon/lat, and two features with one id. It gives each feature drawn
// without an id one that no other feature has: its kind's letter and its
// index ("b5" for a building at index 5, as PLANFILE.md says), with a
// suffix when the file already uses that id, so that ids are unique in a
// plan and every message can name the feature.
func (s *Source) check() error {
	seen := map[string]int{}
	dup := [2]int{-1, -1}
	for i := range s.features {
		f := &s.features[i]
		if f.id == "" {
			continue
		}
		if j, ok := seen[f.id]; ok && dup[0] < 0 {
			dup = [2]int{j, i}
		}
		seen[f.id] = i
	}
	for i := range s.features {
		f := &s.features[i]
		if f.id != "" {
			continue
		}
		base := defaultIDLetter(f) + strconv.Itoa(f.index)
		id := base
		for k := 1; ; k++ {
			if _, taken := seen[id]; !taken {
				break
			}
			id = base + "." + strconv.Itoa(k)
		}
		f.id = id
		seen[id] = i
	}
	for i := range s.features {
		f := &s.features[i]
		if bad, ok := firstBadCoord(f.geom); ok {
			return inputErrorf("%s: feature %s has coordinates (%.10g, %.10g), which are not longitude/latitude; "+
				"the file looks projected (for example EPSG:3857 metres): export it as WGS84 lon/lat (EPSG:4326), as RFC 7946 GeoJSON requires",
				s.Name, f.label(), bad[0], bad[1])
		}
	}
	if dup[0] >= 0 {
		a, b := &s.features[dup[0]], &s.features[dup[1]]
		return inputErrorf("%s: features %d and %d (counting from 0) both have the id %q; ids must be unique", s.Name, a.index, b.index, b.id)
	}
	return nil
}

// defaultIDLetter is the first letter of the id natq gives a feature of
// this kind drawn without one.
func defaultIDLetter(f *feature) string {
	switch {
	case isCompound(f):
		return "c"
	case isBuilding(f):
		return "b"
	case isSite(f):
		return "s"
	case isEntrance(f):
		return "e"
	case isGate(f):
		return "g"
	}
	return "f"
}

func firstBadCoord(g orb.Geometry) (orb.Point, bool) {
	var bad orb.Point
	found := false
	visit := func(p orb.Point) {
		if !found && (math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90) {
			bad, found = p, true
		}
	}
	switch g := g.(type) {
	case orb.Point:
		visit(g)
	case orb.MultiPoint:
		for _, p := range g {
			visit(p)
		}
	case orb.LineString:
		for _, p := range g {
			visit(p)
		}
	case orb.MultiLineString:
		for _, l := range g {
			for _, p := range l {
				visit(p)
			}
		}
	case orb.Polygon:
		for _, r := range g {
			for _, p := range r {
				visit(p)
			}
		}
	case orb.MultiPolygon:
		for _, pg := range g {
			for _, r := range pg {
				for _, p := range r {
					visit(p)
				}
			}
		}
	}
	return bad, found
}
