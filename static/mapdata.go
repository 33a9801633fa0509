package static

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Map is what the pages draw of a plan: the compound's buildings and sites
// as SVG path data on a local metric plane (metres, y down), one building's
// routes, and the schedule's windows. It is computed from the plan file
// alone (planner/PLANFILE.md), so the pages need nothing else of the
// planner.
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
	Groups   []MapGroup `json:"groups"`
}

// MapGroup is who a window calls.
type MapGroup struct {
	Building string `json:"building"`
	Unit     string `json:"unit,omitempty"`
	Floors   []int  `json:"floors,omitempty"`
	People   int    `json:"people"`
}

// plane projects lon/lat onto metres around a centre: equirectangular is
// true to well under a percent over a compound's few hundred metres.
type plane struct {
	lon0, lat0, kx, ky float64
	minX, minY         float64
}

func (p *plane) xy(pt orb.Point) (float64, float64) {
	return (pt[0]-p.lon0)*p.kx - p.minX, -(pt[1]-p.lat0)*p.ky - p.minY
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
	case orb.MultiLineString:
		for _, l := range g {
			line(l, false)
		}
	}
	return b.String()
}

func (p *plane) label(g orb.Geometry) (float64, float64) {
	c := g.Bound().Center()
	x, y := p.xy(c)
	return r1(x), r1(y)
}

// BuildMap computes the map of a plan file. building, when not empty,
// selects whose routes, entrances and windows are included; with none,
// every window is included and no route.
func BuildMap(planFile []byte, building string) (*Map, error) {
	fc, err := geojson.UnmarshalFeatureCollection(planFile)
	if err != nil {
		return nil, fmt.Errorf("static: plan file: %w", err)
	}
	var head struct {
		Compound MapCompound `json:"natq:compound"`
		Params   struct {
			Date string `json:"date"`
			TZ   string `json:"tz"`
		} `json:"natq:params"`
		Schedule []MapWindow `json:"natq:schedule"`
	}
	if err := json.Unmarshal(planFile, &head); err != nil {
		return nil, fmt.Errorf("static: plan file: %w", err)
	}
	m := &Map{Compound: head.Compound, Date: head.Params.Date, TZ: head.Params.TZ,
		Buildings: []MapBuilding{}, Sites: []MapSite{}, Routes: []MapRoute{}, Entrances: []MapPoint{}, Windows: []MapWindow{}}

	// The plane: centred on the features' bound, extent with a margin.
	var bound orb.Bound
	first := true
	for _, f := range fc.Features {
		switch kind(f) {
		case "building", "site", "route":
			if first {
				bound, first = f.Geometry.Bound(), false
			} else {
				bound = bound.Union(f.Geometry.Bound())
			}
		}
	}
	if first {
		return m, nil
	}
	c := bound.Center()
	p := &plane{lon0: c[0], lat0: c[1], ky: 110574}
	p.kx = 111320 * math.Cos(c[1]*math.Pi/180)
	const margin = 8
	x0, y1 := p.xy(orb.Point{bound.Min[0], bound.Min[1]})
	x1, y0 := p.xy(orb.Point{bound.Max[0], bound.Max[1]})
	p.minX, p.minY = x0-margin, y0-margin
	m.Width, m.Height = math.Ceil(x1-x0+2*margin), math.Ceil(y1-y0+2*margin)

	byID := map[string]int{}
	for _, f := range fc.Features {
		pr := f.Properties
		switch kind(f) {
		case "building":
			id := pr.MustString("natq:building", "")
			i, ok := byID[id]
			if !ok {
				x, y := p.label(f.Geometry)
				m.Buildings = append(m.Buildings, MapBuilding{ID: id, Name: pr.MustString("name", ""),
					Units: int(pr.MustFloat64("natq:units", 0)), Site: map[string]string{},
					D: p.path(f.Geometry), X: x, Y: y})
				i = len(m.Buildings) - 1
				byID[id] = i
			}
			if s := pr.MustString("natq:site", ""); s != "" {
				m.Buildings[i].Site[pr.MustString("natq:variant", "dry")] = s
			}
		case "site":
			x, y := p.label(f.Geometry)
			m.Sites = append(m.Sites, MapSite{ID: pr.MustString("natq:site", ""), Name: pr.MustString("name", ""),
				Variant: pr.MustString("natq:variant", ""), Sheltered: pr.MustBool("natq:sheltered", false),
				Desks: int(pr.MustFloat64("natq:desks", 0)), LineCapacity: int(pr.MustFloat64("natq:line_capacity", 0)),
				D: p.path(f.Geometry), X: x, Y: y})
		case "route":
			if building == "" || pr.MustString("natq:building", "") != building {
				continue
			}
			m.Routes = append(m.Routes, MapRoute{Variant: pr.MustString("natq:variant", ""), Site: pr.MustString("natq:site", ""),
				Direction: pr.MustString("natq:direction", "to"), D: p.path(f.Geometry),
				Length: pr.MustFloat64("natq:length_m", 0), Uncovered: pr.MustFloat64("natq:uncovered_m", 0),
				WalkS: pr.MustFloat64("natq:walk_s", 0)})
		case "entrance":
			if building == "" || pr.MustString("natq:building", "") != building {
				continue
			}
			if pt, ok := f.Geometry.(orb.Point); ok {
				x, y := p.xy(pt)
				m.Entrances = append(m.Entrances, MapPoint{r1(x), r1(y)})
			}
		}
	}
	for i, w := range head.Schedule {
		if building != "" && !calls(w.Groups, building) {
			continue
		}
		gs := w.Groups
		if building != "" { // a resident needs only her building's groups
			gs = nil
			for _, g := range w.Groups {
				if g.Building == building {
					gs = append(gs, g)
				}
			}
		}
		w.Index, w.Groups = i, gs
		m.Windows = append(m.Windows, w)
	}
	sort.SliceStable(m.Windows, func(i, j int) bool { return m.Windows[i].Start < m.Windows[j].Start })
	return m, nil
}

func kind(f *geojson.Feature) string { return f.Properties.MustString("natq:kind", "") }

func calls(gs []MapGroup, building string) bool {
	for _, g := range gs {
		if g.Building == building {
			return true
		}
	}
	return false
}
