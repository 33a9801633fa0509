package sheets

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"time"
	_ "time/tzdata" // plans name IANA zones; the binary carries their data

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Plan is what the sheets need of a plan file (planner/PLANFILE.md), with
// every geometry projected to local metres: x east, y north, origin at the
// middle of the compound. Readers of the contract ignore what they do not
// know, and so does Load.
type Plan struct {
	Compound Compound
	Params   Params
	Variants []string // "dry", "wet", in the order the plan lists them

	Buildings []*Building // one per building id, in file order
	Entrances []Entrance
	Gates     []Gate
	Sites     []*Site // one per site id and variant
	Routes    []Route
	Posts     []Post
	Visits    []Visit
	Schedule  []Window

	proj projection
	loc  *time.Location // the plan's time zone, for printing times
}

// Compound names the compound a plan is for.
type Compound struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Params are the plan's parameters the sheets print.
type Params struct {
	Date     string   `json:"date"`
	TZ       string   `json:"tz"`
	Desks    int      `json:"desks"`
	Start    string   `json:"start"`
	End      string   `json:"end"`
	Window   string   `json:"window"`
	Spacing  float64  `json:"spacing"`
	Variants []string `json:"variants"`
}

// Building is one building, with its per-variant assignment.
type Building struct {
	ID         string
	Name       string
	Residents  int
	Households int
	Units      int
	Levels     int
	Sealed     bool
	Outline    orb.MultiPolygon  // local metres
	Site       map[string]string // variant -> site id ("" when door to door)
	DoorToDoor map[string]bool   // variant -> sampled at home
}

// Label is the building's name, or its id when it has none.
func (b *Building) Label() string {
	if b.Name != "" {
		return b.Name
	}
	return b.ID
}

// Entrance is a building door.
type Entrance struct {
	Building string
	Unit     string
	At       orb.Point
}

// Gate is a compound gate.
type Gate struct {
	ID, Name string
	At       orb.Point
}

// Site is one sampling site in one variant, with its desks and queue line.
type Site struct {
	ID, Name     string
	Variant      string
	Sheltered    bool
	Desks        int
	LineCapacity int
	Area         orb.Polygon
	DeskAt       []orb.Point
	Entry, Exit  *orb.Point
	Line         orb.LineString
	LineLength   float64
	Markers      []orb.Point // marker 1 first
}

// Label is the site's name, or its id when it has none.
func (s *Site) Label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.ID
}

// Route is one walking route: "to" from a building's entrance to its
// site's line, "back" from the desks to the entrance.
type Route struct {
	Variant, Building, Site, Direction string
	Length, Uncovered, WalkSeconds     float64
	Path                               orb.LineString
}

// Post is one person's post on the battle map.
type Post struct {
	Variant, Role, Label, Site, Building string
	At                                   orb.Point
}

// Visit is the door-to-door team's walk, from a gate.
type Visit struct {
	Variant     string
	Length      float64
	Households  int
	WalkSeconds float64
	Path        orb.LineString
}

// Window is one time window of one site in one variant.
type Window struct {
	Variant  string    `json:"variant"`
	Site     string    `json:"site"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Capacity int       `json:"capacity"`
	Groups   []Group   `json:"groups"`
}

// Group is who is called in a window: a building's unit and floors, or
// the students.
type Group struct {
	Building string `json:"building"`
	Unit     string `json:"unit"`
	Floors   []int  `json:"floors"`
	People   int    `json:"people"`
}

// inputError is a plan file that cannot be read; natq exits with status 2.
type inputError struct{ msg string }

func (e *inputError) Error() string  { return "sheets: " + e.msg }
func (e *inputError) BadInput() bool { return true }

func badInput(format string, a ...any) error {
	return &inputError{fmt.Sprintf(format, a...)}
}

// Load reads a plan file.
func Load(r io.Reader) (*Plan, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, badInput("plan file is not GeoJSON: %v", err)
	}
	var foreign struct {
		Compound Compound        `json:"natq:compound"`
		Params   json.RawMessage `json:"natq:params"`
		Schedule []Window        `json:"natq:schedule"`
	}
	if err := json.Unmarshal(data, &foreign); err != nil {
		return nil, badInput("plan file's natq members: %v", err)
	}
	p := &Plan{Compound: foreign.Compound, Schedule: foreign.Schedule}
	if len(foreign.Params) > 0 {
		// Params are read leniently: a number where a string is expected
		// should not stop a print.
		var raw map[string]any
		_ = json.Unmarshal(foreign.Params, &raw)
		p.Params.Date, _ = raw["date"].(string)
		p.Params.TZ, _ = raw["tz"].(string)
		p.Params.Start, _ = raw["start"].(string)
		p.Params.End, _ = raw["end"].(string)
		p.Params.Window, _ = raw["window"].(string)
		if v, ok := raw["desks"].(float64); ok {
			p.Params.Desks = int(v)
		}
		if v, ok := raw["spacing"].(float64); ok {
			p.Params.Spacing = v
		}
		if vs, ok := raw["variants"].([]any); ok {
			for _, v := range vs {
				if s, ok := v.(string); ok {
					p.Params.Variants = append(p.Params.Variants, s)
				}
			}
		}
	}
	if p.Params.TZ != "" {
		if loc, err := time.LoadLocation(p.Params.TZ); err == nil {
			p.loc = loc
		}
	}
	if p.Params.Spacing <= 0 {
		p.Params.Spacing = 1
	}
	if len(fc.Features) == 0 {
		return nil, badInput("plan file has no features")
	}

	// The projection's origin is the middle of everything in the file.
	var bound orb.Bound
	first := true
	for _, f := range fc.Features {
		if f.Geometry == nil {
			continue
		}
		b := f.Geometry.Bound()
		if first {
			bound, first = b, false
		} else {
			bound = bound.Union(b)
		}
	}
	if first {
		return nil, badInput("plan file has no geometry")
	}
	if bound.Min[0] < -180 || bound.Max[0] > 180 || bound.Min[1] < -90 || bound.Max[1] > 90 {
		return nil, badInput("plan file's coordinates are not lon/lat (bounds %v)", bound)
	}
	p.proj = newProjection(bound.Center())

	buildings := map[string]*Building{}
	sites := map[string]*Site{}
	site := func(id, variant string) *Site {
		k := variant + "\x00" + id
		s := sites[k]
		if s == nil {
			s = &Site{ID: id, Variant: variant}
			sites[k] = s
			p.Sites = append(p.Sites, s)
		}
		return s
	}
	variants := map[string]bool{}
	for i, f := range fc.Features {
		pr := f.Properties
		kind := pr.MustString("natq:kind", "")
		variant := pr.MustString("natq:variant", "")
		if variant != "" && !variants[variant] {
			variants[variant] = true
			p.Variants = append(p.Variants, variant)
		}
		g := p.proj.geometry(f.Geometry)
		where := func() string {
			if f.ID != nil {
				return fmt.Sprintf("feature %v (%s)", f.ID, kind)
			}
			return fmt.Sprintf("feature %d (%s)", i, kind)
		}
		switch kind {
		case "building":
			id := pr.MustString("natq:building", "")
			if id == "" {
				return nil, badInput("%s has no natq:building id", where())
			}
			b := buildings[id]
			if b == nil {
				b = &Building{ID: id, Site: map[string]string{}, DoorToDoor: map[string]bool{}}
				buildings[id] = b
				p.Buildings = append(p.Buildings, b)
				b.Name = pr.MustString("name", "")
				b.Residents = propInt(pr, "natq:residents")
				b.Households = propInt(pr, "natq:households")
				b.Units = propInt(pr, "natq:units")
				b.Levels = propInt(pr, "natq:levels")
				b.Sealed = pr.MustBool("natq:sealed", false)
				switch g := g.(type) {
				case orb.Polygon:
					b.Outline = orb.MultiPolygon{g}
				case orb.MultiPolygon:
					b.Outline = g
				default:
					return nil, badInput("%s: building %s is a %T, want Polygon or MultiPolygon", where(), id, g)
				}
			}
			if variant != "" {
				b.Site[variant] = pr.MustString("natq:site", "")
				b.DoorToDoor[variant] = pr.MustBool("natq:doortodoor", false)
			}
		case "entrance":
			pt, ok := g.(orb.Point)
			if !ok {
				return nil, badInput("%s is not a Point", where())
			}
			p.Entrances = append(p.Entrances, Entrance{Building: pr.MustString("natq:building", ""), Unit: propString(pr, "ref"), At: pt})
		case "gate":
			pt, ok := g.(orb.Point)
			if !ok {
				return nil, badInput("%s is not a Point", where())
			}
			p.Gates = append(p.Gates, Gate{ID: pr.MustString("natq:gate", ""), Name: pr.MustString("name", ""), At: pt})
		case "site":
			poly, ok := g.(orb.Polygon)
			if !ok {
				if mp, ok2 := g.(orb.MultiPolygon); ok2 && len(mp) > 0 {
					poly, ok = mp[0], true
				}
			}
			if !ok {
				return nil, badInput("%s is not a Polygon", where())
			}
			s := site(pr.MustString("natq:site", ""), variant)
			s.Name = pr.MustString("name", "")
			s.Sheltered = pr.MustBool("natq:sheltered", false)
			s.Desks = propInt(pr, "natq:desks")
			s.LineCapacity = propInt(pr, "natq:line_capacity")
			s.Area = poly
		case "entry", "exit":
			pt, ok := g.(orb.Point)
			if !ok {
				return nil, badInput("%s is not a Point", where())
			}
			s := site(pr.MustString("natq:site", ""), variant)
			if kind == "entry" {
				s.Entry = &pt
			} else {
				s.Exit = &pt
			}
		case "desk":
			pt, ok := g.(orb.Point)
			if !ok {
				return nil, badInput("%s is not a Point", where())
			}
			s := site(pr.MustString("natq:site", ""), variant)
			s.DeskAt = append(s.DeskAt, pt)
		case "queue_line":
			ls, ok := g.(orb.LineString)
			if !ok {
				return nil, badInput("%s is not a LineString", where())
			}
			s := site(pr.MustString("natq:site", ""), variant)
			s.Line = ls
			s.LineLength = pr.MustFloat64("natq:length_m", 0)
		case "marker":
			mp, ok := g.(orb.MultiPoint)
			if !ok {
				return nil, badInput("%s is not a MultiPoint", where())
			}
			s := site(pr.MustString("natq:site", ""), variant)
			s.Markers = []orb.Point(mp)
		case "route":
			ls, ok := g.(orb.LineString)
			if !ok {
				return nil, badInput("%s is not a LineString", where())
			}
			p.Routes = append(p.Routes, Route{
				Variant: variant, Building: pr.MustString("natq:building", ""),
				Site: pr.MustString("natq:site", ""), Direction: pr.MustString("natq:direction", "to"),
				Length: pr.MustFloat64("natq:length_m", 0), Uncovered: pr.MustFloat64("natq:uncovered_m", 0),
				WalkSeconds: pr.MustFloat64("natq:walk_s", 0), Path: ls,
			})
		case "post":
			pt, ok := g.(orb.Point)
			if !ok {
				return nil, badInput("%s is not a Point", where())
			}
			p.Posts = append(p.Posts, Post{
				Variant: variant, Role: pr.MustString("natq:role", ""), Label: pr.MustString("natq:label", ""),
				Site: pr.MustString("natq:site", ""), Building: pr.MustString("natq:building", ""), At: pt,
			})
		case "visit":
			ls, ok := g.(orb.LineString)
			if !ok {
				return nil, badInput("%s is not a LineString", where())
			}
			p.Visits = append(p.Visits, Visit{
				Variant: variant, Length: pr.MustFloat64("natq:length_m", 0),
				Households: propInt(pr, "natq:households"), WalkSeconds: pr.MustFloat64("natq:walk_s", 0), Path: ls,
			})
		}
	}
	if len(p.Buildings) == 0 {
		return nil, badInput("plan file has no buildings (features with natq:kind building)")
	}
	if len(p.Params.Variants) > 0 {
		// The plan's own order of variants wins over file order.
		order := map[string]int{}
		for i, v := range p.Params.Variants {
			order[v] = i
		}
		sort.SliceStable(p.Variants, func(i, j int) bool {
			oi, ok := order[p.Variants[i]]
			if !ok {
				oi = len(order)
			}
			oj, ok := order[p.Variants[j]]
			if !ok {
				oj = len(order)
			}
			return oi < oj
		})
	}
	if p.Compound.ID == "" {
		return nil, badInput("plan file has no natq:compound id (resident page URLs need it)")
	}
	if p.Compound.Name == "" {
		p.Compound.Name = p.Compound.ID
	}
	return p, nil
}

func propInt(pr geojson.Properties, key string) int {
	return int(math.Round(pr.MustFloat64(key, 0)))
}

// propString reads a property that OSM may give as a string or a number
// (a unit "ref" of 2).
func propString(pr geojson.Properties, key string) string {
	switch v := pr[key].(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	}
	return ""
}

// Local is t in the plan's time zone (when the plan names one natq knows),
// so that sheets print the compound's local times.
func (p *Plan) Local(t time.Time) time.Time {
	if p != nil && p.loc != nil {
		return t.In(p.loc)
	}
	return t
}

// Building returns the building with the given id, or nil.
func (p *Plan) Building(id string) *Building {
	for _, b := range p.Buildings {
		if b.ID == id {
			return b
		}
	}
	return nil
}

// Site returns the site with the given id in a variant, or nil.
func (p *Plan) Site(id, variant string) *Site {
	for _, s := range p.Sites {
		if s.ID == id && s.Variant == variant {
			return s
		}
	}
	return nil
}

// SiteName is a site's name in whichever variant names it.
func (p *Plan) SiteName(id string) string {
	for _, s := range p.Sites {
		if s.ID == id && s.Name != "" {
			return s.Name
		}
	}
	return id
}

// UsedSites are the sites of a variant that have desks, in file order.
func (p *Plan) UsedSites(variant string) []*Site {
	var out []*Site
	for _, s := range p.Sites {
		if s.Variant == variant && (s.Desks > 0 || len(s.DeskAt) > 0) {
			out = append(out, s)
		}
	}
	return out
}

// Bound is the extent of everything in the plan, in local metres.
func (p *Plan) Bound() orb.Bound {
	var b orb.Bound
	first := true
	add := func(g orb.Geometry) {
		if g == nil {
			return
		}
		gb := g.Bound()
		if first {
			b, first = gb, false
		} else {
			b = b.Union(gb)
		}
	}
	for _, x := range p.Buildings {
		add(x.Outline)
	}
	for _, s := range p.Sites {
		if len(s.Area) > 0 {
			add(s.Area)
		}
	}
	for _, r := range p.Routes {
		add(r.Path)
	}
	for _, g := range p.Gates {
		add(g.At)
	}
	for _, v := range p.Visits {
		add(v.Path)
	}
	return b
}

// Locate returns the local-metre point of a lon/lat point.
func (p *Plan) Locate(lonlat orb.Point) orb.Point { return p.proj.point(lonlat) }
