package static

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"natq/planner/planfile"
)

// Map is what the pages draw of a plan: the compound's buildings and sites
// as SVG path data on the plan's local metric plane (true metres, y down),
// one building's routes, and the schedule's windows. It is computed from
// the plan file alone (package planfile), so the pages need nothing else of
// the planner.
type Map struct {
	Compound  MapCompound   `json:"compound"`
	Date      string        `json:"date"`
	TZ        string        `json:"tz"`
	Now       string        `json:"now,omitempty"` // the service's clock, RFC 3339
	Width     float64       `json:"width"`         // the plane's extent, metres
	Height    float64       `json:"height"`
	Buildings []MapBuilding `json:"buildings"`
	Sites     []MapSite     `json:"sites"`
	Routes    []MapRoute    `json:"routes"`
	Entrances []MapPoint    `json:"entrances"`
	Windows   []MapWindow   `json:"windows"`

	plane *plane // nil when the plan has nothing to draw
}

// MapCompound names the compound.
type MapCompound struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// MapBuilding is a building's outline and the site of each variant.
type MapBuilding struct {
	ID    string            `json:"id"`
	Name  string            `json:"name"`
	Units int               `json:"units"`
	Site  map[string]string `json:"site"` // variant -> site id
	D     string            `json:"d"`
	X     float64           `json:"x"` // label point
	Y     float64           `json:"y"`
}

// MapSite is one site of one variant.
type MapSite struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Variant      string  `json:"variant"`
	Sheltered    bool    `json:"sheltered"`
	Desks        int     `json:"desks"`
	LineCapacity int     `json:"line_capacity"`
	D            string  `json:"d"`
	X            float64 `json:"x"`
	Y            float64 `json:"y"`
}

// MapRoute is one walk of the building asked for.
type MapRoute struct {
	Variant   string  `json:"variant"`
	Site      string  `json:"site"`
	Direction string  `json:"direction"`
	D         string  `json:"d"`
	Length    float64 `json:"length_m"`
	Uncovered float64 `json:"uncovered_m"`
	WalkS     float64 `json:"walk_s"`
}

// MapPoint is a point on the plane.
type MapPoint struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// MapWindow is one window of the schedule, named by its index there (as
// the queue service names it).
type MapWindow struct {
	Index    int        `json:"index"`
	Variant  string     `json:"variant"`
	Site     string     `json:"site"`
	Start    string     `json:"start"`
	End      string     `json:"end"`
	Capacity int        `json:"capacity"`
	Students bool       `json:"students,omitempty"` // the students' period (planfile.File.StudentsWindows)
	Groups   []MapGroup `json:"groups"`
}

// MapGroup is who a window calls.
type MapGroup struct {
	Building string `json:"building"`
	Unit     string `json:"unit,omitempty"`
	Floors   []int  `json:"floors,omitempty"`
	People   int    `json:"people"`
}

// plane is the plan's local plane (planfile.Projection) turned for SVG:
// y down, origin at the top left of the map's extent with a margin.
type plane struct {
	proj   planfile.Projection
	x0, y0 float64
}

func (p *plane) xy(pt orb.Point) (float64, float64) {
	q := p.proj.ToPlane(pt)
	return q[0] - p.x0, p.y0 - q[1]
}

func r1(v float64) float64 { return math.Round(v*10) / 10 }

func (p *plane) path(g orb.Geometry) string {
	var b strings.Builder
	line := func(ls []orb.Point, closed bool) {
		for i, pt := range ls {
			if closed && i == len(ls)-1 && len(ls) > 1 && pt == ls[0] {
				break
			}
			x, y := p.xy(pt)
			if i == 0 {
				b.WriteByte('M')
			} else {
				b.WriteByte('L')
			}
			b.WriteString(strconv.FormatFloat(r1(x), 'f', -1, 64))
			b.WriteByte(' ')
			b.WriteString(strconv.FormatFloat(r1(y), 'f', -1, 64))
		}
		if closed {
			b.WriteByte('Z')
		}
	}
	switch g := g.(type) {
	case orb.Polygon:
		for _, r := range g {
			line(r, true)
		}
	case orb.MultiPolygon:
		for _, pg := range g {
			for _, r := range pg {
				line(r, true)
			}
		}
	case orb.LineString:
		line(g, false)
	}
	return b.String()
}

func (p *plane) label(g orb.Geometry) (float64, float64) {
	x, y := p.xy(g.Bound().Center())
	return r1(x), r1(y)
}

// BuildMap computes the map of a plan file's bytes: Read, then MapOf.
func BuildMap(planFile []byte, building string) (*Map, error) {
	f, err := planfile.Read(bytes.NewReader(planFile))
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	return MapOf(f, building), nil
}

// MapOf computes the map of a plan. building, when not empty, selects
// whose routes, entrances and windows are included; with none, every
// window is included and no route.
func MapOf(f *planfile.File, building string) *Map {
	return baseMap(f).forBuilding(f, building)
}

// baseMap is the map of a plan with every window and no building's walks.
func baseMap(f *planfile.File) *Map {
	m := &Map{Compound: MapCompound{ID: f.Compound.ID, Name: f.Compound.Name}, Date: f.Params.Date, TZ: f.Params.TZ,
		Buildings: []MapBuilding{}, Sites: []MapSite{}, Routes: []MapRoute{}, Entrances: []MapPoint{}, Windows: []MapWindow{}}
	for _, w := range f.Schedule {
		m.Windows = append(m.Windows, mapWindow(w, ""))
	}
	sort.SliceStable(m.Windows, func(i, j int) bool { return m.Windows[i].Start < m.Windows[j].Start })

	// The extent: buildings, sites and routes, with a margin.
	drawn := f.Geometries("building", "site", "route")
	if len(drawn) == 0 {
		return m
	}
	bound := drawn.Bound()
	const margin = 8
	proj := f.Projection()
	lo, hi := proj.ToPlane(bound.Min), proj.ToPlane(bound.Max)
	p := &plane{proj: proj, x0: lo[0] - margin, y0: hi[1] + margin}
	m.Width, m.Height = math.Ceil(hi[0]-lo[0]+2*margin), math.Ceil(hi[1]-lo[1]+2*margin)
	m.plane = p
	for _, b := range f.Buildings {
		x, y := p.label(b.Outline)
		mb := MapBuilding{ID: b.ID, Name: b.Name, Units: b.Units, Site: map[string]string{}, D: p.path(polygonal(b.Outline)), X: x, Y: y}
		for v, s := range b.Site {
			if s != "" {
				mb.Site[v] = s
			}
		}
		m.Buildings = append(m.Buildings, mb)
	}
	for _, s := range f.Sites {
		x, y := p.label(s.Area)
		m.Sites = append(m.Sites, MapSite{ID: s.ID, Name: s.Name, Variant: s.Variant, Sheltered: s.Sheltered,
			Desks: s.Desks, LineCapacity: s.LineCapacity, D: p.path(s.Area), X: x, Y: y})
	}
	return m
}

func polygonal(mp orb.MultiPolygon) orb.Geometry {
	if len(mp) == 1 {
		return mp[0]
	}
	return mp
}

// forBuilding is m with one building's routes, entrances and windows (and
// of its windows' groups only the building's): what a resident's page
// needs. m's slices are shared, not copied.
func (m *Map) forBuilding(f *planfile.File, building string) *Map {
	if building == "" {
		return m
	}
	out := *m
	out.Routes, out.Entrances, out.Windows = []MapRoute{}, []MapPoint{}, []MapWindow{}
	if m.plane != nil {
		for _, r := range f.RoutesOf(building, "") {
			out.Routes = append(out.Routes, MapRoute{Variant: r.Variant, Site: r.Site, Direction: r.Direction,
				D: m.plane.path(r.Path), Length: r.Length, Uncovered: r.Uncovered, WalkS: r.WalkSeconds})
		}
		for _, e := range f.EntrancesOf(building) {
			x, y := m.plane.xy(e.At)
			out.Entrances = append(out.Entrances, MapPoint{r1(x), r1(y)})
		}
	}
	for _, w := range f.Schedule {
		if w.Calls(building) {
			out.Windows = append(out.Windows, mapWindow(w, building))
		}
	}
	// The students' period windows the building's students book, where
	// it goes to a site (no group of theirs names the building).
	if b := f.Building(building); b != nil {
		for _, v := range f.Variants {
			if b.Site[v] == "" {
				continue
			}
			for _, w := range f.StudentsWindows(b, v) {
				out.Windows = append(out.Windows, mapWindow(w, building))
			}
		}
	}
	sort.SliceStable(out.Windows, func(i, j int) bool { return out.Windows[i].Start < out.Windows[j].Start })
	return &out
}

// mapWindow is w for the pages, with only building's groups when
// building is not "".
func mapWindow(w planfile.Window, building string) MapWindow {
	mw := MapWindow{Index: w.Index, Variant: w.Variant, Site: w.Site, Start: w.Start.Format(time.RFC3339),
		End: w.End.Format(time.RFC3339), Capacity: w.Capacity, Students: w.Students, Groups: []MapGroup{}}
	for _, g := range w.Groups {
		if building == "" || g.Building == building {
			mw.Groups = append(mw.Groups, MapGroup{Building: g.Building, Unit: g.Unit, Floors: g.Floors, People: g.People})
		}
	}
	return mw
}
