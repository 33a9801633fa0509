package planfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"natq/planner/errs"
)

// errorf is a plan file that cannot be read (errs.Invalid): it says what
// is wrong and where (the member, the feature's index and id).
func errorf(format string, a ...any) error { return errs.Invalidf("plan file: "+format, a...) }

var reads atomic.Int64

// Reads is how many plan files Read has parsed in this process: a plan is
// parsed once, when a command starts, and tests hold natq to it.
func Reads() int64 { return reads.Load() }

// IDPattern is what an id may be: ids name compounds, sites and buildings
// in URLs and Redis keys.
var IDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// lineCol is where in data a JSON syntax error is, 1-based; 1, 1 when
// err has no offset.
func lineCol(data []byte, se *json.SyntaxError) (line, col int) {
	if se == nil || se.Offset <= 0 {
		return 1, 1
	}
	off := min(int(se.Offset), len(data))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = off - bytes.LastIndexByte(before, '\n')
	return line, col
}

// IsID reports whether s may be an id of the plan file.
func IsID(s string) bool { return IDPattern.MatchString(s) }

// Read reads and checks a plan file. Errors (*Error) name what is wrong and
// where. Unknown members and properties are ignored.
func Read(r io.Reader) (*File, error) {
	reads.Add(1)
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Type     string                     `json:"type"`
		Compound *struct{ ID, Name string } `json:"natq:compound"`
		Params   map[string]any             `json:"natq:params"`
		Schedule []json.RawMessage          `json:"natq:schedule"`
		Report   map[string]json.RawMessage `json:"natq:report"`
		Warnings []string                   `json:"natq:warnings"`
		Features []json.RawMessage          `json:"features"`
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errorf("the file is empty: a plan is the .plan.geojson natq plan writes (natq plan FILE -o PLAN)")
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) || !json.Valid(data) {
			if se != nil && se.Offset >= int64(len(data)) { // the input ended inside a value
				return nil, errorf("not JSON: it ends in the middle, after %d bytes (was the file cut short in a copy or download?)", len(data))
			}
			line, col := lineCol(data, se)
			return nil, errorf("not JSON at line %d, column %d: %v", line, col, err)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, errorf("%q is a JSON %s, want %s", te.Field, te.Value, jsonKind(te.Type.Kind().String()))
		}
		return nil, errorf("%v", err)
	}
	if doc.Type != "FeatureCollection" {
		return nil, errorf("type is %q, want FeatureCollection", doc.Type)
	}
	if doc.Compound == nil || !IsID(doc.Compound.ID) {
		return nil, errorf(`"natq:compound" missing or its id is not [A-Za-z0-9_.-]: a compound's map rather than a plan? natq plan FILE -o PLAN makes the plan`)
	}
	f := &File{Compound: Compound{ID: doc.Compound.ID, Name: doc.Compound.Name}, Warnings: doc.Warnings}
	if err := f.readParams(doc.Params); err != nil {
		return nil, err
	}
	for i, raw := range doc.Schedule {
		w, err := readWindow(raw)
		if err != nil {
			return nil, errorf(`"natq:schedule"[%d]: %v`, i, err)
		}
		w.Index = i
		f.Schedule = append(f.Schedule, w)
	}
	if err := f.readReport(doc.Report); err != nil {
		return nil, err
	}
	if err := f.readFeatures(doc.Features); err != nil {
		return nil, err
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

// ReadFor reads a plan file and makes a reader's view of it (queue.NewPlan,
// sheets.FromFile): a reader's own Load in one line.
func ReadFor[T any](r io.Reader, view func(*File) (T, error)) (T, error) {
	f, err := Read(r)
	if err != nil {
		var none T
		return none, err
	}
	return view(f)
}

func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "an object"
	case "slice":
		return "an array"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	}
	return "a number"
}

// props reads typed values out of a JSON object (feature properties,
// natq:params), keeping the first error.
type props struct {
	m   map[string]any
	err error
}

func (p *props) bad(k string, v any, want string) {
	if p.err == nil {
		b, _ := json.Marshal(v)
		p.err = fmt.Errorf("%s is %s, want %s", k, b, want)
	}
}

func (p *props) str(k string) string {
	v, ok := p.m[k]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		p.bad(k, v, "a string")
	}
	return s
}

// text is a string that OSM may give as a number (a unit's "ref" of 2).
func (p *props) text(k string) string {
	if v, ok := p.m[k].(float64); ok {
		return fmt.Sprint(v)
	}
	return p.str(k)
}

func (p *props) num(k string) float64 {
	v, ok := p.m[k]
	if !ok || v == nil {
		return 0
	}
	x, ok := v.(float64)
	if !ok {
		p.bad(k, v, "a number")
	}
	return x
}

func (p *props) int(k string) int {
	x := p.num(k)
	if x != float64(int(x)) {
		p.bad(k, x, "a whole number")
	}
	return int(x)
}

func (p *props) bool(k string) bool {
	v, ok := p.m[k]
	if !ok || v == nil {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		p.bad(k, v, "true or false")
	}
	return b
}

func (p *props) strs(k string) []string {
	v, ok := p.m[k]
	if !ok || v == nil {
		return nil
	}
	list, ok := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, isStr := x.(string)
		if !isStr {
			ok = false
			break
		}
		out = append(out, s)
	}
	if !ok {
		p.bad(k, v, "an array of strings")
	}
	return out
}

func (f *File) readParams(m map[string]any) error {
	if m == nil {
		return errorf(`"natq:params" missing`)
	}
	p := &props{m: m}
	f.Params = Params{
		Date: p.str("date"), TZ: p.str("tz"), Desks: p.int("desks"), Rate: p.int("rate"),
		Start: p.str("start"), End: p.str("end"), Spacing: p.num("spacing"),
		RainFactor: p.num("rain_factor"), WalkSpeed: p.num("walk_speed"), Students: p.text("students"),
		StudentShare: p.num("student_share"), MarshalEvery: p.num("marshal_every_m"),
		Variants: p.strs("variants"), Strict: p.bool("strict"),
	}
	if _, ok := m["canopies"]; ok {
		n := p.int("canopies")
		f.Params.Canopies = &n
	}
	if s := p.str("window"); s != "" && p.err == nil {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return errorf(`"natq:params": window %q is not a duration like 15m`, s)
		}
		f.Params.Window = d
	}
	if p.err != nil {
		return errorf(`"natq:params": %v`, p.err)
	}
	if f.Params.Date == "" {
		return errorf(`"natq:params": date missing`)
	}
	if _, err := time.Parse("2006-01-02", f.Params.Date); err != nil {
		return errorf(`"natq:params": date %q is not YYYY-MM-DD`, f.Params.Date)
	}
	f.loc = time.UTC
	if f.Params.TZ != "" {
		loc, err := time.LoadLocation(f.Params.TZ)
		if err != nil {
			return errorf(`"natq:params": tz %q: %v`, f.Params.TZ, err)
		}
		f.loc = loc
	}
	if !(f.Params.Spacing > 0) {
		return errorf(`"natq:params": spacing missing or not above 0 (metres between people in line)`)
	}
	for _, v := range f.Params.Variants {
		if err := checkVariant(v); err != nil {
			return errorf(`"natq:params": variants: %v`, err)
		}
		f.addVariant(v)
	}
	return nil
}

func checkVariant(v string) error {
	if v != "dry" && v != "wet" {
		return fmt.Errorf("variant %q, want dry or wet", v)
	}
	return nil
}

func (f *File) addVariant(v string) {
	for _, x := range f.Variants {
		if x == v {
			return
		}
	}
	f.Variants = append(f.Variants, v)
}

func readWindow(raw json.RawMessage) (Window, error) {
	var w struct {
		Variant  string  `json:"variant"`
		Site     string  `json:"site"`
		Start    string  `json:"start"`
		End      string  `json:"end"`
		Capacity *int    `json:"capacity"`
		Students bool    `json:"students"`
		Groups   []Group `json:"groups"` // members: building, unit, floors, people
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&w); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Window{}, fmt.Errorf("%s is a JSON %s, want %s", te.Field, te.Value, jsonKind(te.Type.Kind().String()))
		}
		return Window{}, err
	}
	if err := checkVariant(w.Variant); err != nil {
		return Window{}, err
	}
	if !IsID(w.Site) {
		return Window{}, fmt.Errorf("site %q is not an id", w.Site)
	}
	start, err := time.Parse(time.RFC3339, w.Start)
	if err != nil {
		return Window{}, fmt.Errorf("start: %v", err)
	}
	end, err := time.Parse(time.RFC3339, w.End)
	if err != nil {
		return Window{}, fmt.Errorf("end: %v", err)
	}
	if !end.After(start) {
		return Window{}, fmt.Errorf("end %s is not after start %s", w.End, w.Start)
	}
	if w.Capacity == nil || *w.Capacity < 0 {
		return Window{}, fmt.Errorf("capacity missing or negative")
	}
	out := Window{Variant: w.Variant, Site: w.Site, Start: start, End: end, Capacity: *w.Capacity, Students: w.Students}
	for j, g := range w.Groups {
		if g.Building == "" {
			return Window{}, fmt.Errorf("groups[%d]: building missing", j)
		}
		if g.People < 0 {
			return Window{}, fmt.Errorf("groups[%d]: people %d is negative", j, g.People)
		}
		if g.Floors != nil && len(g.Floors) != 2 {
			return Window{}, fmt.Errorf("groups[%d]: floors %v, want [from, to]", j, g.Floors)
		}
		if g.Rooms != nil && (len(g.Rooms) != 2 || g.Rooms[0] > g.Rooms[1]) {
			return Window{}, fmt.Errorf("groups[%d]: rooms %v, want [first, last]", j, g.Rooms)
		}
	}
	out.Groups = w.Groups
	return out, nil
}

func (f *File) readReport(m map[string]json.RawMessage) error {
	for k, raw := range m {
		if k == "assumptions" {
			if err := json.Unmarshal(raw, &f.Report.Assumptions); err != nil {
				return errorf(`"natq:report": assumptions: want an array of strings`)
			}
			continue
		}
		if checkVariant(k) != nil {
			continue // a member a later natq added
		}
		fig := &Figures{}
		if err := json.Unmarshal(raw, fig); err != nil {
			return errorf(`"natq:report": %s: %v`, k, err)
		}
		if f.Report.Figures == nil {
			f.Report.Figures = map[string]*Figures{}
		}
		f.Report.Figures[k] = fig
	}
	return nil
}

// feature is one feature being read: where it is, for errors.
type feature struct {
	*geojson.Feature
	i    int
	kind string
	p    *props
}

func (ft *feature) where() string {
	s := fmt.Sprintf("features[%d]", ft.i)
	if ft.ID != nil {
		s += fmt.Sprintf(" (id %v)", ft.ID)
	}
	s += " (" + ft.kind
	if id, ok := ft.Properties[idKey[ft.kind]].(string); ok && id != "" {
		s += " " + id
	}
	if v, ok := ft.Properties["natq:variant"].(string); ok {
		s += ", " + v
	}
	return s + ")"
}

// idKey is the property that names a feature of a kind in errors.
var idKey = map[string]string{"building": "natq:building", "entrance": "natq:building", "gate": "natq:gate",
	"site": "natq:site", "entry": "natq:site", "exit": "natq:site", "desk": "natq:site", "queue_line": "natq:site",
	"marker": "natq:site", "route": "natq:building", "post": "natq:role"}

func (ft *feature) errorf(format string, a ...any) error {
	return errorf("%s: %s", ft.where(), fmt.Sprintf(format, a...))
}

func (ft *feature) point() (orb.Point, error) {
	pt, ok := ft.Geometry.(orb.Point)
	if !ok {
		return pt, ft.errorf("geometry is %s, want a Point", geomName(ft.Geometry))
	}
	return pt, nil
}

func (ft *feature) line() (orb.LineString, error) {
	ls, ok := ft.Geometry.(orb.LineString)
	if !ok || len(ls) < 2 {
		return nil, ft.errorf("geometry is %s, want a LineString of two points or more", geomName(ft.Geometry))
	}
	return ls, nil
}

// lonLat is the corner of b furthest out of lon/lat, as [x, y].
func lonLat(b orb.Bound) string {
	x, y := b.Min[0], b.Min[1]
	if math.Abs(b.Max[0]) > math.Abs(x) {
		x = b.Max[0]
	}
	if math.Abs(b.Max[1]) > math.Abs(y) {
		y = b.Max[1]
	}
	return "[" + strconv.FormatFloat(x, 'f', -1, 64) + ", " + strconv.FormatFloat(y, 'f', -1, 64) + "]"
}

func geomName(g orb.Geometry) string {
	if g == nil {
		return "missing"
	}
	return "a " + g.GeoJSONType()
}

func (f *File) readFeatures(raws []json.RawMessage) error {
	buildings := map[string]*Building{}
	sites := map[[2]string]*Site{}
	defined := map[*Site]bool{}
	site := func(ft *feature) (*Site, error) {
		id, v := ft.p.str("natq:site"), ft.p.str("natq:variant")
		if !IsID(id) {
			return nil, ft.errorf("natq:site %q is not an id", id)
		}
		s := sites[[2]string{v, id}]
		if s == nil {
			s = &Site{ID: id, Variant: v}
			sites[[2]string{v, id}] = s
			f.Sites = append(f.Sites, s)
		}
		return s, nil
	}
	for i, raw := range raws {
		gf, err := geojson.UnmarshalFeature(raw)
		if err != nil {
			return errorf("features[%d]: %v", i, err)
		}
		kind, _ := gf.Properties["natq:kind"].(string)
		ft := &feature{Feature: gf, i: i, kind: kind, p: &props{m: gf.Properties}}
		if err := ft.read(f, buildings, site, defined); err != nil {
			return err
		}
		if ft.p.err != nil {
			return ft.errorf("%v", ft.p.err)
		}
	}
	for _, s := range f.Sites {
		if !defined[s] {
			return errorf("site %s (%s) has desks, a line or markers but no site feature", s.ID, s.Variant)
		}
	}
	return nil
}

// weathered are the kinds that depend on the weather: each carries
// natq:variant.
var weathered = map[string]bool{"building": true, "site": true, "entry": true, "exit": true, "desk": true,
	"queue_line": true, "marker": true, "route": true, "post": true, "visit": true}

func (ft *feature) read(f *File, buildings map[string]*Building, site func(*feature) (*Site, error), defined map[*Site]bool) error {
	p := ft.p
	switch ft.kind {
	case "building", "entrance", "gate", "site", "entry", "exit", "desk", "queue_line", "marker", "route", "post", "visit":
	default:
		return nil // a kind a later natq added, or none
	}
	if ft.Geometry == nil {
		return ft.errorf("geometry missing")
	}
	if b := ft.Geometry.Bound(); b.Min[0] < -180 || b.Max[0] > 180 || b.Min[1] < -90 || b.Max[1] > 90 {
		return ft.errorf("coordinates out to %s are not lon/lat (WGS84 degrees)", lonLat(b))
	}
	variant := p.str("natq:variant")
	if weathered[ft.kind] {
		if err := checkVariant(variant); err != nil {
			return ft.errorf("natq:%v", err)
		}
		f.addVariant(variant)
	}
	switch ft.kind {
	case "building":
		id := p.str("natq:building")
		if !IsID(id) {
			return ft.errorf("natq:building %q is not an id", id)
		}
		b := buildings[id]
		if b == nil {
			b = &Building{ID: id, Name: p.text("name"), Residents: p.int("natq:residents"),
				ResidentsEstimated: p.bool("natq:residents_estimated"), Households: p.int("natq:households"),
				Units: p.int("natq:units"), Levels: p.int("natq:levels"), Sealed: p.bool("natq:sealed"),
				Site: map[string]string{}, DoorToDoor: map[string]bool{}}
			switch g := ft.Geometry.(type) {
			case orb.Polygon:
				b.Outline = orb.MultiPolygon{g}
			case orb.MultiPolygon:
				b.Outline = g
			default:
				return ft.errorf("geometry is %s, want a Polygon or MultiPolygon", geomName(g))
			}
			buildings[id] = b
			f.Buildings = append(f.Buildings, b)
		}
		if _, dup := b.Site[variant]; dup {
			return ft.errorf("a second copy of building %s for %s", id, variant)
		}
		b.Site[variant] = p.str("natq:site")
		b.DoorToDoor[variant] = p.bool("natq:doortodoor")
	case "entrance":
		pt, err := ft.point()
		if err != nil {
			return err
		}
		e := Entrance{Building: p.str("natq:building"), Unit: p.text("ref"), Inferred: p.bool("natq:inferred"), At: pt}
		if ft.ID != nil {
			e.ID = fmt.Sprint(ft.ID)
		}
		f.Entrances = append(f.Entrances, e)
	case "gate":
		pt, err := ft.point()
		if err != nil {
			return err
		}
		f.Gates = append(f.Gates, Gate{ID: p.str("natq:gate"), Name: p.text("name"), At: pt})
	case "site":
		var poly orb.Polygon
		switch g := ft.Geometry.(type) {
		case orb.Polygon:
			poly = g
		case orb.MultiPolygon:
			if len(g) != 1 {
				return ft.errorf("geometry is a MultiPolygon of %d polygons, want one Polygon", len(g))
			}
			poly = g[0]
		default:
			return ft.errorf("geometry is %s, want a Polygon", geomName(g))
		}
		s, err := site(ft)
		if err != nil {
			return err
		}
		if defined[s] {
			return ft.errorf("a second site %s for %s", s.ID, variant)
		}
		defined[s] = true
		s.Name, s.Sheltered, s.AreaM2 = p.text("name"), p.bool("natq:sheltered"), p.num("natq:area_m2")
		s.MaxDesks, s.Desks, s.Canopies = p.int("natq:max_desks"), p.int("natq:desks"), p.int("natq:canopies")
		s.Outside, s.Inferred = p.bool("natq:outside"), p.bool("natq:inferred")
		s.Area = poly
		if _, ok := p.m["natq:line_capacity"]; ok {
			s.LineCapacity = p.int("natq:line_capacity")
		} else {
			s.LineCapacity = -1 // from the markers, if any
		}
	case "entry", "exit", "desk":
		pt, err := ft.point()
		if err != nil {
			return err
		}
		s, err := site(ft)
		if err != nil {
			return err
		}
		var walkway *orb.Point
		if w, ok := p.m["natq:walkway_at"].([]any); ok && len(w) == 2 {
			x, xok := w[0].(float64)
			y, yok := w[1].(float64)
			if !xok || !yok {
				return ft.errorf("natq:walkway_at %v, want [lon, lat]", w)
			}
			walkway = &orb.Point{x, y}
		} else if ok {
			return ft.errorf("natq:walkway_at %v, want [lon, lat]", w)
		}
		switch ft.kind {
		case "entry":
			s.Entry, s.EntryWalkway, s.EntrySide = &pt, walkway, p.int("natq:side")
		case "exit":
			s.Exit, s.ExitWalkway, s.ExitSide = &pt, walkway, p.int("natq:side")
		default:
			s.DeskAt = append(s.DeskAt, pt)
		}
	case "queue_line":
		ls, err := ft.line()
		if err != nil {
			return err
		}
		s, err := site(ft)
		if err != nil {
			return err
		}
		s.Line, s.LineLength = ls, p.num("natq:length_m")
	case "marker":
		mp, ok := ft.Geometry.(orb.MultiPoint)
		if !ok {
			return ft.errorf("geometry is %s, want a MultiPoint", geomName(ft.Geometry))
		}
		if n, ok := p.m["natq:count"]; ok && n != float64(len(mp)) {
			return ft.errorf("natq:count is %v but there are %d markers", n, len(mp))
		}
		s, err := site(ft)
		if err != nil {
			return err
		}
		s.Markers = []orb.Point(mp)
	case "route":
		ls, err := ft.line()
		if err != nil {
			return err
		}
		dir := p.str("natq:direction")
		if dir != "to" && dir != "back" {
			return ft.errorf("natq:direction %q, want to or back", dir)
		}
		f.Routes = append(f.Routes, Route{Variant: variant, Building: p.str("natq:building"), Site: p.str("natq:site"),
			Entrance: p.str("natq:entrance"), Direction: dir, Length: p.num("natq:length_m"),
			Uncovered: p.num("natq:uncovered_m"), WalkSeconds: p.num("natq:walk_s"), Path: ls})
	case "post":
		pt, err := ft.point()
		if err != nil {
			return err
		}
		f.Posts = append(f.Posts, Post{Variant: variant, Role: p.str("natq:role"), Label: p.text("natq:label"),
			Site: p.str("natq:site"), Building: p.str("natq:building"), At: pt})
	case "visit":
		ls, err := ft.line()
		if err != nil {
			return err
		}
		f.Visits = append(f.Visits, Visit{Variant: variant, Length: p.num("natq:length_m"), Households: p.int("natq:households"),
			WalkSeconds: p.num("natq:walk_s"), Stops: p.strs("natq:stops"), Path: ls})
	}
	return nil
}

// check holds the file to its cross-references and to the one-metre rule.
func (f *File) check() error {
	for _, s := range f.Sites {
		switch {
		case s.LineCapacity < 0 && s.Markers != nil:
			s.LineCapacity = len(s.Markers)
		case s.LineCapacity < 0:
			s.LineCapacity = 0
		case s.Markers != nil && s.LineCapacity != len(s.Markers):
			return errorf("site %s (%s): natq:line_capacity is %d but its line has %d markers", s.ID, s.Variant, s.LineCapacity, len(s.Markers))
		}
	}
	for _, b := range f.Buildings {
		for v, id := range b.Site {
			if id != "" && f.Site(id, v) == nil {
				return errorf("building %s (%s): natq:site %s is not a site of the plan", b.ID, v, id)
			}
		}
	}
	known := func(id string) bool { return f.Building(id) != nil }
	for i, e := range f.Entrances {
		if !known(e.Building) {
			return errorf("entrance %d (%s): natq:building %q is not a building of the plan", i, e.ID, e.Building)
		}
	}
	for _, r := range f.Routes {
		if !known(r.Building) || f.Site(r.Site, r.Variant) == nil {
			return errorf("route of building %q to site %q (%s): not a building and a site of the plan", r.Building, r.Site, r.Variant)
		}
	}
	for _, w := range f.Schedule {
		at := fmt.Sprintf(`"natq:schedule"[%d]`, w.Index)
		s := f.Site(w.Site, w.Variant)
		if s == nil {
			return errorf("%s: site %s (%s) is not a site of the plan", at, w.Site, w.Variant)
		}
		if w.Capacity > s.LineCapacity {
			return errorf("%s: capacity %d is more than the %d people the line of site %s (%s) holds at %g m apart",
				at, w.Capacity, s.LineCapacity, s.ID, s.Variant, f.Params.Spacing)
		}
		for j, g := range w.Groups {
			if g.Building != Students && !known(g.Building) {
				return errorf("%s.groups[%d]: building %q is not a building of the plan", at, j, g.Building)
			}
		}
		f.addVariant(w.Variant)
	}
	return nil
}
