package planner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/osm"
	"github.com/paulmach/osm/osmgeojson"
	"github.com/paulmach/osm/osmxml"

	"natq/planner/internal/hull"
)

// A feature is one input feature as natq reads it, whatever the file's
// format: OSM-style tags, a short id, and a lon/lat geometry. A city holds
// a million of them, so they are kept small: tags as a list, not a map.
type feature struct {
	id      string // URL-safe, unique within the file ("w123", "b4", ...)
	index   int    // position in the file, for messages
	tags    tagList
	geom    orb.Geometry
	tainted bool // OSM: some of its nodes or members are not in the file
}

// A tagList is a feature's tags as key, value, key, value: a map for each
// of a city's million features took twice the memory, and a feature has
// a handful of tags, which a scan finds as fast as a map.
type tagList []string

// get is the value of tag k, "" when the feature has none.
func (t tagList) get(k string) string {
	for i := 0; i+1 < len(t); i += 2 {
		if t[i] == k {
			return t[i+1]
		}
	}
	return ""
}

// set sets tag k to v, replacing its value if it has one.
func (t tagList) set(k, v string) tagList {
	for i := 0; i+1 < len(t); i += 2 {
		if t[i] == k {
			t[i+1] = v
			return t
		}
	}
	return append(t, k, v)
}

// tagsOf is the list of a map's tags, in key order.
func tagsOf(m map[string]string) tagList {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t := make(tagList, 0, 2*len(keys))
	for _, k := range keys {
		t = append(t, k, m[k])
	}
	return t
}

// label names a feature for a coordinator: its name when it has one, and
// always its id.
func (f *feature) label() string {
	if n := f.tags.get("name"); n != "" {
		return fmt.Sprintf("%s (%s)", n, f.id)
	}
	if r := f.tags.get("ref"); r != "" {
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

	indexOnce sync.Once
	idx       *featureIndex
	scanAll   bool // fill tests every feature, as before the index: for tests
}

// Read reads a compound file, GeoJSON (RFC 7946, OSM tags as properties)
// or OSM XML, telling them apart by their first character. name is used in
// messages only.
func Read(name string, data []byte) (*Source, error) {
	return ReadFrom(name, bytes.NewReader(data))
}

// ReadFrom reads a compound file as Read does, from r. A GeoJSON file is
// read as a stream, feature by feature, so that only its features are
// held, never its text: a city's file is ten times the size of what natq
// keeps of it. An OSM file is read whole (osmgeojson needs it all).
func ReadFrom(name string, r io.ReadSeeker) (*Source, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	// Windows editors start UTF-8 files with a byte order mark, which
	// neither JSON nor the first-character test expects.
	skipped := int64(0)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		skipped = 3
	}
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return nil, inputErrorf("%s is empty: natq needs a GeoJSON FeatureCollection or an OSM XML file", name)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if c := b[0]; c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' {
			break
		}
		br.Discard(1)
		skipped++
	}
	var src *Source
	var err error
	if b, _ := br.Peek(1); b[0] == '<' {
		var data []byte
		if data, err = io.ReadAll(br); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		src, err = readOSM(name, bytes.TrimSpace(data))
	} else {
		// lineAt finds the line of an offset into what the decoder read,
		// for a syntax error's message, by reading the file again.
		lineAt := func(off int64) int {
			if _, err := r.Seek(0, io.SeekStart); err != nil {
				return 0
			}
			n, line := skipped+off, 1
			lr := bufio.NewReader(io.LimitReader(r, n))
			for {
				c, err := lr.ReadByte()
				if err != nil {
					return line
				}
				if c == '\n' {
					line++
				}
			}
		}
		src, err = readGeoJSON(name, br, lineAt)
	}
	if err != nil {
		return nil, err
	}
	if err := src.check(); err != nil {
		return nil, err
	}
	return src, nil
}

// readGeoJSON reads a FeatureCollection token by token, decoding one
// feature at a time. Its errors are those of reading the whole file at
// once: bad JSON first, then a file that is not a FeatureCollection, then
// the first bad feature.
func readGeoJSON(name string, r io.Reader, lineAt func(off int64) int) (*Source, error) {
	dec := json.NewDecoder(r)
	invalid := func(err error) error {
		off := dec.InputOffset()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// The offset counts from the value being decoded, which
			// starts at the decoder's offset; it points past the bad byte.
			off += max(se.Offset-1, 0)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = errors.New("unexpected end of JSON input")
		}
		return inputErrorf("%s is not valid JSON (line %d: %v); natq needs a GeoJSON FeatureCollection or an OSM XML file", name, lineAt(off), err)
	}
	notFC := func(format string, a ...any) error {
		return inputErrorf("%s is not a GeoJSON FeatureCollection: %s", name, fmt.Sprintf(format, a...))
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, invalid(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, notFC("it holds a JSON %s, not an object", jsonKind(tok))
	}
	src := &Source{Name: name, Format: "geojson"}
	rd := newTagReader()
	typ := ""
	var typErr, featErr error
	var raw json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, invalid(err)
		}
		key, _ := tok.(string)
		switch {
		case strings.EqualFold(key, "type"):
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, invalid(err)
			}
			switch v := v.(type) {
			case string:
				typ, typErr = v, nil
			case nil:
				typ, typErr = "", nil
			default:
				typErr = notFC("its \"type\" is a JSON %s, not a string", jsonKind(v))
			}
		case strings.EqualFold(key, "features"):
			tok, err := dec.Token()
			if err != nil {
				return nil, invalid(err)
			}
			if tok == nil {
				continue
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return nil, notFC("its \"features\" is a JSON %s, not an array", jsonKind(tok))
			}
			for i := 0; dec.More(); i++ {
				if err := dec.Decode(&raw); err != nil {
					return nil, invalid(err)
				}
				if featErr != nil {
					continue
				}
				f, err := geojson.UnmarshalFeature(raw)
				if err != nil {
					featErr = inputErrorf("%s: feature %d (counting from 0) is not a valid GeoJSON feature: %v", name, i, err)
					continue
				}
				if f.Geometry == nil {
					src.warnings = append(src.warnings, fmt.Sprintf("feature %d (counting from 0) has no geometry: ignored", i))
					continue
				}
				tags := rd.tags(f.Properties)
				src.features = append(src.features, feature{id: featureID(f.ID, tags), index: i, tags: tags, geom: f.Geometry})
			}
			if _, err := dec.Token(); err != nil {
				return nil, invalid(err)
			}
		default:
			if err := dec.Decode(&raw); err != nil {
				return nil, invalid(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalid(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("invalid character after top-level value")
		}
		return nil, invalid(err)
	}
	if typErr != nil {
		return nil, typErr
	}
	if typ != "FeatureCollection" {
		what := typ
		if what == "" {
			what = "JSON without a GeoJSON \"type\""
		}
		return nil, inputErrorf("%s is a %s, not a GeoJSON FeatureCollection: put the compound's features in a FeatureCollection", name, what)
	}
	if featErr != nil {
		return nil, featErr
	}
	src.features = slices.Clip(src.features)
	return src, nil
}

// jsonKind names the kind of a JSON token or value for a message.
func jsonKind(v any) string {
	switch v := v.(type) {
	case json.Delim:
		if v == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "value"
}

// A tagReader turns GeoJSON properties into tags, keeping one copy of
// each string and of each list of tags: a city repeats its keys and most
// of its values (building types, levels, house numbers) a hundred
// thousand times, and most of its doors and paths have the same tags as
// others. Tags are never changed once read, so features share them.
type tagReader struct {
	strs  map[string]string
	lists map[string]tagList
	key   []byte
}

func newTagReader() *tagReader {
	return &tagReader{strs: map[string]string{}, lists: map[string]tagList{}}
}

func (r *tagReader) intern(s string) string {
	if t, ok := r.strs[s]; ok {
		return t
	}
	r.strs[s] = s
	return s
}

func (r *tagReader) tags(props geojson.Properties) tagList {
	var t tagList
	for k, v := range props {
		if k == "tags" { // Overpass / osmgeojson style: tags nested
			if m, ok := v.(map[string]any); ok {
				for tk, tv := range m {
					t = t.set(r.intern(tk), r.intern(propString(tv)))
				}
				continue
			}
		}
		t = t.set(r.intern(k), r.intern(propString(v)))
	}
	sortTags(t)
	r.key = r.key[:0]
	for _, x := range t {
		r.key = append(r.key, x...)
		r.key = append(r.key, 0)
	}
	if l, ok := r.lists[string(r.key)]; ok {
		return l
	}
	t = slices.Clip(t)
	r.lists[string(r.key)] = t
	return t
}

// sortTags puts a list's pairs in key order, so that two features with
// the same tags have the same list.
func sortTags(t tagList) {
	for i := 2; i < len(t); i += 2 {
		for j := i; j >= 2 && t[j] < t[j-2]; j -= 2 {
			t[j], t[j-2] = t[j-2], t[j]
			t[j+1], t[j-1] = t[j-1], t[j+1]
		}
	}
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
func featureID(gid any, tags tagList) string {
	s := propString(gid)
	if s == "" {
		s = tags.get("@id")
	}
	if s == "" {
		s = tags.get("id")
		if t := tags.get("type"); s != "" && (t == "node" || t == "way" || t == "relation") {
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

// firstLine is the start of data's first line that is not blank, for a
// message: up to 60 bytes.
func firstLine(data []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(data), []byte("\n"))
	if len(line) > 60 {
		line = line[:60]
	}
	return strings.ToValidUTF8(string(line), "?")
}

// quotedAt says where the attribute value v first stands in an OSM XML
// file: its line and its element's start (`line 4, <node id="308238">`),
// or "" when it is not found.
func quotedAt(data []byte, v string) string {
	at := bytes.Index(data, []byte(`="`+v+`"`))
	if at < 0 {
		return ""
	}
	line := 1 + bytes.Count(data[:at], []byte("\n"))
	open := bytes.LastIndexByte(data[:at], '<')
	if open < 0 {
		return fmt.Sprintf("line %d", line)
	}
	elem := data[open:at]
	name, _, _ := bytes.Cut(elem[1:], []byte(" "))
	where := fmt.Sprintf("line %d, <%s", line, name)
	if m := osmIDAttr.FindSubmatch(elem); m != nil {
		where += ` id="` + string(m[1]) + `"`
	}
	return where + ">"
}

var osmIDAttr = regexp.MustCompile(`\sid="([^"]*)"`)

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
	head := bytes.ToLower(data[:min(len(data), 1024)])
	if bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype html")) {
		return nil, inputErrorf("%s is a web page (HTML), not OSM XML: the download saved an error or sign-in page; download the .osm file again", name)
	}
	if !bytes.Contains(head, []byte("<osm")) {
		return nil, inputErrorf("%s is not OSM XML: it does not start with an <osm> element (it starts %q)", name, firstLine(data))
	}
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
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			if where := quotedAt(data, ne.Num); where != "" {
				return nil, inputErrorf("%s is not valid OSM XML: %s: %q is not a number", name, where, ne.Num)
			}
		}
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
		src.features = append(src.features, feature{id: featureID(f.ID, nil), index: i, tags: tagsOf(tags), geom: f.Geometry, tainted: t})
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
		f := feature{id: fmt.Sprintf("r%d", r.ID), index: len(fc.Features) + len(src.features), tags: tagsOf(r.Tags.Map()), geom: orb.Polygon{ring}, tainted: true}
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
