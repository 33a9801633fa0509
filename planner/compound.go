package planner

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// A Compound is one residential compound (小区), or a whole file planned as
// one area, as natq understood it. Geometry is held twice: lon/lat as read,
// and in the compound's local metric plane for every distance.
type Compound struct {
	ID, Name string
	Whole    bool        // no compound polygon: the whole file (or --whole-file)
	Boundary orb.Polygon // lon/lat; nil when Whole
	Proj     Projection

	Buildings []*Building
	Walkways  []*Walkway
	Sites     []*Site
	Gates     []*Gate
	// HighwayWays counts every highway=* way in the compound, walkable or
	// not, so that inspect can be checked against the file's own counts.
	HighwayWays, ShelteredWays int

	Net      *Network
	Warnings []string
}

// A Building is a dwelling to be sampled.
type Building struct {
	ID, Name, Ref, Type string
	house               string           // addr:housenumber
	Geom                orb.MultiPolygon // lon/lat
	Plane               orb.MultiPolygon
	Area                float64 // footprint, m²
	Levels              int
	LevelsGiven         bool
	Residents           int
	ResidentsEstimated  bool
	Households, Units   int
	Sealed              bool
	ElderlyAlone        int
	Entrances           []*Entrance
	Dwelling            bool // false for schools, shops, ...: no residents estimated
}

// Label names the building for a coordinator: its name and id, or its id.
func (b *Building) Label() string {
	if b.Name == b.ID {
		return "building " + b.ID
	}
	return fmt.Sprintf("%s (%s)", b.Name, b.ID)
}

// FindBuilding finds a building of the compound by id, name or ref, and
// returns its id.
func (c *Compound) FindBuilding(key string) (string, bool) {
	for _, b := range c.Buildings {
		if b.ID == key || b.Name == key || b.Ref == key {
			return b.ID, true
		}
	}
	return "", false
}

// HasBuilding reports whether the compound has a building with this id.
func (c *Compound) HasBuilding(id string) bool {
	for _, b := range c.Buildings {
		if b.ID == id {
			return true
		}
	}
	return false
}

// An Entrance is a door of a building, given in the file or inferred.
type Entrance struct {
	ID       string
	Building *Building
	At       orb.Point // lon/lat
	Plane    orb.Point
	Ref      string // unit number
	Inferred bool
	node     int32 // network node, -1 when no walkway reaches it
}

// A Walkway is a walkable way: footway, path, service road, ...
type Walkway struct {
	ID, Name, Highway string
	Line              orb.LineString // lon/lat
	Plane             orb.LineString
	Sheltered         bool
}

// A Site is an open space or shelter where sampling desks can stand.
type Site struct {
	ID, Name  string
	Geom      orb.Polygon // lon/lat
	Plane     orb.Polygon
	Area      float64
	Sheltered bool
	Outside   bool      // outside the compound: it has none of its own
	Inferred  bool      // placed by natq on a walkway: the compound has no open space mapped
	Entry     orb.Point // plane: where the line's entry meets the walkways (a joint's At)
	Layout    *Layout   // desks, queue line and markers; nil when not joined
	node      int32     // the entry joint's node
	joints    []Joint   // every walkway's way in, nearest first
}

// Joints are where the site meets its walkways, nearest first: residents
// enter at the one nearest their door.
func (s *Site) Joints() []Joint { return s.joints }

// A Gate is a compound gate: staff and supply entry, a guard post.
type Gate struct {
	ID, Name string
	At       orb.Point
	Plane    orb.Point
	node     int32
}

// Residents are estimated from footprint x levels when the file gives
// neither natq:residents nor natq:households. These constants are stated in
// every plan's assumptions.
const (
	// FloorAreaPerResident is gross floor area per resident in a dwelling:
	// about 90 m² flats (gross) with 2.62 people each (2020 census household size).
	FloorAreaPerResident = 35.0
	// FloorAreaPerDormResident is gross floor area per dormitory resident.
	FloorAreaPerDormResident = 10.0
	// PeoplePerHousehold turns natq:households into residents.
	PeoplePerHousehold = 2.62
	// DefaultLevels is assumed where building:levels is missing.
	DefaultLevels = 6
	// UnitWidth is the length of building per stairwell unit (单元) when
	// neither natq:units nor entrances say how many units there are.
	UnitWidth = 20.0
	// EntranceMaxOffset is how far an entrance may be from its building's outline.
	EntranceMaxOffset = 20.0
	// MaxJoin is how far an entrance or site may be from the nearest walkway
	// and still be joined to it.
	MaxJoin = 60.0
)

// nonDwelling lists building=* values that house no residents.
var nonDwelling = map[string]bool{
	"school": true, "university": true, "college": true, "kindergarten": true, "commercial": true,
	"retail": true, "office": true, "industrial": true, "warehouse": true, "garage": true,
	"garages": true, "train_station": true, "transportation": true, "church": true, "temple": true,
	"hospital": true, "civic": true, "public": true, "government": true, "hotel": true, "service": true,
	"shed": true, "hut": true, "roof": true, "construction": true, "parking": true, "sports_hall": true,
	"toilets": true, "kiosk": true, "supermarket": true, "stadium": true, "gatehouse": true,
	"carport": true, "greenhouse": true, "power": true, "substation": true, "bridge": true,
}

// walkable lists the highway=* values people walk on.
var walkable = map[string]bool{
	"footway": true, "path": true, "pedestrian": true, "service": true, "living_street": true,
	"residential": true, "steps": true, "corridor": true, "track": true, "unclassified": true,
	"cycleway": true, "tertiary": true, "tertiary_link": true, "secondary": true,
	"secondary_link": true, "primary": true, "primary_link": true, "road": true, "bridleway": true,
	"elevator": true,
}

func isPolygonal(g orb.Geometry) bool {
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		return true
	}
	return false
}

func asMultiPolygon(g orb.Geometry) orb.MultiPolygon {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

func yes(v string) bool { return v == "yes" || v == "true" || v == "1" }

func isCompound(f *feature) bool {
	return isPolygonal(f.geom) && (f.tags.get("landuse") == "residential" || yes(f.tags.get("natq:compound")))
}

func isBuilding(f *feature) bool {
	b := f.tags.get("building")
	return isPolygonal(f.geom) && b != "" && b != "no" && b != "roof" && f.tags.get("natq:site") != "candidate"
}

func isEntrance(f *feature) bool {
	_, pt := f.geom.(orb.Point)
	e := f.tags.get("entrance")
	return pt && e != "" && e != "no"
}

func isGate(f *feature) bool {
	_, pt := f.geom.(orb.Point)
	return pt && f.tags.get("barrier") == "gate"
}

func isHighway(f *feature) bool {
	if f.tags.get("highway") == "" {
		return false
	}
	switch f.geom.(type) {
	case orb.LineString, orb.Polygon, orb.MultiLineString:
		return true
	}
	return false
}

func isWalkable(f *feature) bool {
	t := f.tags
	foot := t.get("foot")
	switch {
	case !walkable[t.get("highway")], foot == "no":
		return false
	case t.get("access") == "no" && foot != "yes" && foot != "designated":
		return false // access=no closes a way; private compound roads stay open to residents
	}
	return true
}

func isSite(f *feature) bool {
	if !isPolygonal(f.geom) {
		return false
	}
	t := f.tags
	switch t.get("natq:site") {
	case "no":
		return false
	case "candidate", "yes":
		return true
	}
	if t.get("building") != "" && t.get("building") != "roof" {
		return false
	}
	if t.get("amenity") == "parking" && (t.get("parking") == "underground" || t.get("parking") == "multi-storey") {
		return false
	}
	if t.get("building") == "roof" || t.get("amenity") == "shelter" {
		return true // a shed or canopy: the best site in the rain
	}
	l := t.get("leisure")
	return l == "pitch" || l == "playground" || l == "park" || t.get("amenity") == "parking" || t.get("place") == "square"
}

// Selection says which compounds of a file to plan.
type Selection struct {
	Compound  string // id or name; "" for all
	WholeFile bool   // ignore compound polygons: plan the file as one area
	WholeID   string // the id of the one area (the file's base name)
}

// Compounds finds the compounds of a source and reads each one's features.
// A file with no compound polygon, or sel.WholeFile, gives one compound.
func (s *Source) Compounds(sel Selection) ([]*Compound, error) {
	cs, err := s.Outlines(sel)
	if err != nil {
		return nil, err
	}
	return cs, s.FillAll(cs)
}

// Outlines finds the compounds of a source, as Compounds does, without
// reading their features: each is only its id, name and boundary until
// Fill. A city's compounds are filled one at a time, as they are planned,
// so that only the compounds being planned are held in full.
func (s *Source) Outlines(sel Selection) ([]*Compound, error) {
	var outlines []*feature
	if !sel.WholeFile {
		for i := range s.features {
			if isCompound(&s.features[i]) {
				outlines = append(outlines, &s.features[i])
			}
		}
	}
	var cs []*Compound
	if len(outlines) == 0 {
		id := sel.WholeID
		if id == "" {
			id = "area"
		}
		if sel.Compound != "" && sel.Compound != id {
			return nil, inputErrorf("%s has no compound %q: it has no compound polygon (landuse=residential or natq:compound=yes), so it is planned as one area, %q; use --whole-file or no --compound", s.Name, sel.Compound, id)
		}
		cs = append(cs, &Compound{ID: id, Name: id, Whole: true})
	} else {
		var known []string
		for _, f := range outlines {
			id := f.id
			if id == "" {
				id = "c" + strconv.Itoa(f.index)
			}
			name := f.tags.get("name")
			if name == "" {
				name = id
			}
			if sel.Compound != "" { // only a refusal lists them
				known = append(known, fmt.Sprintf("%s (%s)", name, id))
			}
			if sel.Compound != "" && sel.Compound != id && sel.Compound != f.tags.get("name") {
				continue
			}
			pg := asMultiPolygon(f.geom)[0] // outer ring of the first part bounds the compound
			for _, part := range asMultiPolygon(f.geom)[1:] {
				if math.Abs(ringArea(part[0])) > math.Abs(ringArea(pg[0])) {
					pg = part
				}
			}
			cs = append(cs, &Compound{ID: id, Name: name, Boundary: pg})
		}
		if len(cs) == 0 {
			return nil, inputErrorf("%s has no compound %q; its compounds are: %s", s.Name, sel.Compound, strings.Join(known, ", "))
		}
	}
	return cs, nil
}

// Fill reads the features of a compound from Outlines: its buildings,
// walkways, sites, entrances and gates, in its own metric plane. Several
// compounds of one source may be filled at once.
func (s *Source) Fill(c *Compound) error { return s.fill(c) }

// FillAll fills each of cs, stopping at the first that cannot be.
func (s *Source) FillAll(cs []*Compound) error {
	for _, c := range cs {
		if err := s.fill(c); err != nil {
			return err
		}
	}
	return nil
}

// fill gives c the features that belong to it, in its own metric plane.
func (s *Source) fill(c *Compound) error {
	if c.Whole {
		var b orb.Bound
		first := true
		for i := range s.features {
			fb := s.features[i].geom.Bound()
			if first {
				b, first = fb, false
			} else {
				b = b.Union(fb)
			}
		}
		c.Proj = NewProjection(b.Center())
	} else {
		c.Proj = NewProjection(c.Boundary.Bound().Center())
	}
	var boundary orb.MultiPolygon
	if !c.Whole {
		boundary = orb.MultiPolygon{c.Proj.Polygon(c.Boundary)}
	}
	// near reports whether a plane point is in the compound or within d metres of it.
	near := func(p orb.Point, d float64) bool {
		return c.Whole || distToMultiPolygon(boundary, p) <= d
	}
	var entrances []*feature
	feats := s.nearby(c, fillReach)
	for _, f := range feats {
		switch {
		case isBuilding(f):
			mp := asMultiPolygon(f.geom)
			plane := c.Proj.MultiPolygon(mp)
			if !near(centroid(plane), 0) {
				continue
			}
			b, err := newBuilding(f, mp, plane)
			if err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			c.Buildings = append(c.Buildings, b)
		case isHighway(f):
			lines := highwayLines(f.geom)
			in := false
			for _, l := range lines {
				for _, p := range l {
					if near(c.Proj.ToPlane(p), 30) {
						in = true
					}
				}
			}
			if !in {
				continue
			}
			c.HighwayWays++
			sh := isSheltered(f.tags)
			if sh {
				c.ShelteredWays++
			}
			if !isWalkable(f) {
				continue
			}
			for _, l := range lines {
				c.Walkways = append(c.Walkways, &Walkway{ID: f.id, Name: f.tags.get("name"), Highway: f.tags.get("highway"), Line: l, Plane: c.Proj.Line(l), Sheltered: sh})
			}
		case isSite(f):
			for k, pg := range asMultiPolygon(f.geom) {
				plane := c.Proj.Polygon(pg)
				if !near(centroid(orb.MultiPolygon{plane}), 0) {
					continue
				}
				id := f.id
				if id == "" {
					id = "s" + strconv.Itoa(f.index)
				}
				if k > 0 {
					id += "-" + strconv.Itoa(k)
				}
				c.Sites = append(c.Sites, &Site{ID: id, Name: f.tags.get("name"), Geom: pg, Plane: plane, Area: planar.Area(plane), Sheltered: siteSheltered(f.tags), node: -1})
			}
		case isEntrance(f):
			if near(c.Proj.ToPlane(f.geom.(orb.Point)), 5) {
				entrances = append(entrances, f)
			}
		case isGate(f):
			p := f.geom.(orb.Point)
			if near(c.Proj.ToPlane(p), 15) {
				id := f.id
				if id == "" {
					id = "g" + strconv.Itoa(f.index)
				}
				c.Gates = append(c.Gates, &Gate{ID: id, Name: f.tags.get("name"), At: p, Plane: c.Proj.ToPlane(p), node: -1})
			}
		}
	}
	if err := s.attachEntrances(c, entrances, feats); err != nil {
		return err
	}
	if len(c.Sites) == 0 && len(c.Buildings) > 0 {
		s.fallbackSites(c, near)
	}
	c.nameUnnamed()
	c.Net = buildNetwork(c)
	return nil
}

// nearby returns the features that may lie within d metres of c, in file
// order: every feature of the file for a whole-file compound.
func (s *Source) nearby(c *Compound, d float64) []*feature {
	if c.Whole || s.scanAll {
		out := make([]*feature, len(s.features))
		for i := range s.features {
			out[i] = &s.features[i]
		}
		return out
	}
	ids := s.index().near(c.reach(d))
	out := make([]*feature, len(ids))
	for i, k := range ids {
		out[i] = &s.features[k]
	}
	return out
}

// SiteReach is how far outside a compound with no site of its own natq
// looks for one: in 2022 many compounds sampled at a square by their gate.
const SiteReach = 300.0

// fallbackSites gives a compound with no candidate site the sites within
// SiteReach of it, or else one on its main walkway near its residents: a
// plan needs somewhere to sample, and the coordinator is told to check it.
func (s *Source) fallbackSites(c *Compound, near func(orb.Point, float64) bool) {
	for _, f := range s.nearby(c, SiteReach+fillReach) {
		if !isSite(f) {
			continue
		}
		for k, pg := range asMultiPolygon(f.geom) {
			plane := c.Proj.Polygon(pg)
			if near(centroid(orb.MultiPolygon{plane}), SiteReach) {
				id := f.id
				if k > 0 {
					id += "-" + strconv.Itoa(k)
				}
				c.Sites = append(c.Sites, &Site{ID: id, Name: f.tags.get("name"), Geom: pg, Plane: plane, Area: planar.Area(plane), Sheltered: siteSheltered(f.tags), Outside: true, node: -1})
			}
		}
	}
	if len(c.Sites) > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("no candidate site inside the compound: using %d within %.0f m outside it; mark open spaces inside with natq:site=candidate if there are any", len(c.Sites), SiteReach))
		return
	}
	// The walkway vertex inside the compound nearest, weighted by residents,
	// to the buildings.
	var best orb.Point
	var bestW orb.Point
	bestCost := math.Inf(1)
	for _, w := range c.Walkways {
		for i, p := range w.Plane {
			if !near(p, 0) || i+1 >= len(w.Plane) {
				continue
			}
			var cost float64
			for _, b := range c.Buildings {
				cost += float64(b.Residents) * dist(p, centroid(b.Plane))
			}
			if cost < bestCost {
				best, bestW, bestCost = p, w.Plane[i+1], cost
			}
		}
	}
	if math.IsInf(bestCost, 1) {
		return
	}
	// A 6 x 20 m strip along the walkway: room for two desks and a short line.
	dx, dy := bestW[0]-best[0], bestW[1]-best[1]
	l := math.Hypot(dx, dy)
	ux, uy := dx/l, dy/l
	vx, vy := -uy, ux
	corner := func(a, b float64) orb.Point { return orb.Point{best[0] + a*ux + b*vx, best[1] + a*uy + b*vy} }
	ring := orb.Ring{corner(-10, -3), corner(10, -3), corner(10, 3), corner(-10, 3), corner(-10, -3)}
	pg := orb.Polygon{ring}
	site := &Site{ID: c.ID + "-road", Name: "路边采样点 roadside site", Plane: pg, Geom: c.Proj.PolygonLonLat(pg), Area: planar.Area(pg), Inferred: true, node: -1}
	c.Sites = append(c.Sites, site)
	ll := c.Proj.ToLonLat(best)
	c.Warnings = append(c.Warnings, fmt.Sprintf("no candidate site in or within %.0f m of the compound: natq placed a 6 x 20 m site on the walkway at %.6f, %.6f, near most residents (natq:inferred=true); check it on the ground, or mark a real one with natq:site=candidate", SiteReach, ll[0], ll[1]))
}

// highwayLines gives the lines of a highway feature; an area (a pedestrian
// square drawn as a polygon) is walked along its outline.
func highwayLines(g orb.Geometry) []orb.LineString {
	switch g := g.(type) {
	case orb.LineString:
		return []orb.LineString{g}
	case orb.MultiLineString:
		return g
	case orb.Polygon:
		var out []orb.LineString
		for _, r := range g {
			out = append(out, orb.LineString(r))
		}
		return out
	}
	return nil
}

func newBuilding(f *feature, mp, plane orb.MultiPolygon) (*Building, error) {
	for _, pg := range plane {
		for _, r := range pg {
			if len(r) < 4 {
				return nil, inputErrorf("building %s: its outline has %d points; a polygon needs at least 3 corners and a closing point", f.label(), len(r))
			}
			if i, j := selfIntersection(r); i >= 0 {
				p := mp[0][0][i]
				return nil, inputErrorf("building %s: its outline crosses itself (edges %d and %d, near %.6f, %.6f); redraw it as a simple polygon", f.label(), i, j, p[0], p[1])
			}
		}
	}
	area := planar.Area(plane)
	if area < 1 {
		return nil, inputErrorf("building %s: its outline has zero area (%.2f m²); draw its footprint", f.label(), area)
	}
	t := f.tags
	b := &Building{
		ID: f.id, Name: t.get("name"), Ref: t.get("ref"), Type: t.get("building"),
		Geom: mp, Plane: plane, Area: area,
		Sealed:   yes(t.get("natq:sealed")),
		Dwelling: !nonDwelling[t.get("building")],
	}
	if b.ID == "" {
		b.ID = "b" + strconv.Itoa(f.index)
	}
	b.house = t.get("addr:housenumber")
	if b.Name == "" {
		b.Name = firstNonEmpty(b.Ref, houseName(b.house), b.ID) // an id is replaced by nameUnnamed
	}
	var err error
	num := func(key string) int {
		v := strings.TrimSpace(t.get(key))
		if v == "" || err != nil {
			return 0
		}
		x, e := strconv.ParseFloat(v, 64)
		if e != nil || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) {
			err = inputErrorf("building %s: %s is %q, not a non-negative number", f.label(), key, v)
			return 0
		}
		if most := buildingTagMost[key]; x > float64(most) {
			err = inputErrorf("building %s: %s is %q, more than %d, which no one building has: check the tag", f.label(), key, v, most)
			return 0
		}
		return int(math.Round(x))
	}
	b.Levels = num("building:levels")
	b.LevelsGiven = b.Levels > 0
	if !b.LevelsGiven {
		b.Levels = DefaultLevels
	}
	b.Residents = num("natq:residents")
	b.Households = num("natq:households")
	b.Units = num("natq:units")
	b.ElderlyAlone = num("natq:elderly_alone")
	if err != nil {
		return nil, err
	}
	switch {
	case t.get("natq:residents") != "":
	case b.Households > 0:
		b.Residents = int(math.Round(float64(b.Households) * PeoplePerHousehold))
		b.ResidentsEstimated = true
	case !b.Dwelling:
		b.ResidentsEstimated = true
	default:
		per := FloorAreaPerResident
		if b.Type == "dormitory" {
			per = FloorAreaPerDormResident
		}
		b.Residents = int(math.Round(area * float64(b.Levels) / per))
		b.ResidentsEstimated = true
	}
	if b.Households == 0 {
		b.Households = int(math.Ceil(float64(b.Residents) / PeoplePerHousehold))
	}
	return b, nil
}

// buildingTagMost is the most a building's number tags may say: far
// beyond any real building (the tallest have about 160 floors), and low
// enough that a typo's 1e300 does not wrap into a negative head-count.
var buildingTagMost = map[string]int{
	"building:levels":    300,
	"natq:residents":     100_000,
	"natq:households":    50_000,
	"natq:units":         500,
	"natq:elderly_alone": 100_000,
}

// attachEntrances gives each entrance to the nearest building outline. An
// entrance far from every building is an error: it is misplaced or belongs
// to nothing natq can sample.
func (s *Source) attachEntrances(c *Compound, entrances, feats []*feature) error {
	for _, f := range entrances {
		p := f.geom.(orb.Point)
		pp := c.Proj.ToPlane(p)
		var best *Building
		bd := math.Inf(1)
		for _, b := range c.Buildings {
			for _, pg := range b.Plane {
				for _, r := range pg {
					if d, _ := distToRing(r, pp); d < bd {
						best, bd = b, d
					}
				}
			}
		}
		if best == nil || bd > EntranceMaxOffset {
			if f.tags.get("barrier") != "" {
				continue // an opening in a wall or fence, not a door
			}
			if nearOtherBuilding(c, pp, feats) {
				continue // the door of a building outside this compound
			}
			far := "there is no building"
			if best != nil {
				far = fmt.Sprintf("the nearest building, %s, is %.0f m away", best.Name, bd)
			}
			return inputErrorf("%s: entrance %s at %.6f, %.6f is not on a building: %s (an entrance must lie on its building's outline, within %.0f m)", s.Name, f.label(), p[0], p[1], far, EntranceMaxOffset)
		}
		id := f.id
		if id == "" {
			id = "e" + strconv.Itoa(f.index)
		}
		e := &Entrance{ID: id, Building: best, At: p, Plane: pp, Ref: f.tags.get("ref"), node: -1}
		best.Entrances = append(best.Entrances, e)
	}
	for _, b := range c.Buildings {
		if b.Units == 0 {
			refs := map[string]bool{}
			for _, e := range b.Entrances {
				if e.Ref != "" {
					refs[e.Ref] = true
				}
			}
			b.Units = len(refs)
			if b.Units == 0 {
				b.Units = max(1, int(math.Round(longSide(b.Plane)/UnitWidth)))
			}
		}
		sort.Slice(b.Entrances, func(i, j int) bool { return b.Entrances[i].ID < b.Entrances[j].ID })
	}
	return nil
}

// nearOtherBuilding reports whether a plane point lies within
// EntranceMaxOffset of a building of the file that is not in c; feats are
// the features near c.
func nearOtherBuilding(c *Compound, p orb.Point, feats []*feature) bool {
	for _, f := range feats {
		if !isBuilding(f) {
			continue
		}
		if distToMultiPolygon(c.Proj.MultiPolygon(asMultiPolygon(f.geom)), p) <= EntranceMaxOffset {
			return true
		}
	}
	return false
}

// longSide is the longer side of a footprint's bounding box.
func longSide(mp orb.MultiPolygon) float64 {
	b := mp.Bound()
	return math.Max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1])
}
