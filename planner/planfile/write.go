package planfile

import (
	"encoding/json"
	"io"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Write writes f as a plan file. Properties and members are maps, whose
// keys encoding/json sorts: two writes of one plan are the same bytes.
func (f *File) Write(w io.Writer) error {
	data, err := f.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// MarshalJSON is the plan file's bytes, as Write writes them.
func (f *File) MarshalJSON() ([]byte, error) { return json.Marshal(f.FeatureCollection()) }

// FeatureCollection is f as GeoJSON: buildings (a copy per variant),
// entrances, gates; then per variant its sites, each followed by its
// desks, entry, exit, queue line and markers, its posts and its visit;
// then per variant its routes.
func (f *File) FeatureCollection() *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	add := func(g orb.Geometry, kind string, props geojson.Properties) *geojson.Feature {
		ft := geojson.NewFeature(g)
		ft.Properties = props
		props["natq:kind"] = kind
		fc.Append(ft)
		return ft
	}
	for _, b := range f.Buildings {
		for _, v := range f.Variants {
			site, ok := b.Site[v]
			if !ok {
				continue
			}
			props := geojson.Properties{
				"natq:building": b.ID, "name": b.Name, "natq:residents": b.Residents,
				"natq:residents_estimated": b.ResidentsEstimated, "natq:households": b.Households,
				"natq:units": b.Units, "natq:levels": b.Levels, "natq:sealed": b.Sealed,
				"natq:variant": v, "natq:doortodoor": b.DoorToDoor[v],
			}
			if site != "" {
				props["natq:site"] = site
			}
			add(polygonal(b.Outline), "building", props)
		}
	}
	for _, e := range f.Entrances {
		props := geojson.Properties{"natq:building": e.Building, "natq:inferred": e.Inferred}
		if e.Unit != "" {
			props["ref"] = e.Unit
		}
		ft := add(e.At, "entrance", props)
		if e.ID != "" {
			ft.ID = e.ID
		}
	}
	for _, g := range f.Gates {
		add(g.At, "gate", geojson.Properties{"natq:gate": g.ID, "name": g.Name})
	}
	for _, v := range f.Variants {
		at := func(site string) geojson.Properties {
			return geojson.Properties{"natq:site": site, "natq:variant": v}
		}
		for _, s := range f.Sites {
			if s.Variant != v {
				continue
			}
			add(s.Area, "site", geojson.Properties{
				"natq:site": s.ID, "name": s.Name, "natq:sheltered": s.Sheltered,
				"natq:variant": v, "natq:area_m2": s.AreaM2,
				"natq:max_desks": s.MaxDesks, "natq:desks": s.Desks, "natq:line_capacity": s.LineCapacity,
				"natq:canopies": s.Canopies, "natq:outside": s.Outside, "natq:inferred": s.Inferred,
			})
			for _, d := range s.DeskAt {
				add(d, "desk", at(s.ID))
			}
			way := func(kind string, pt, walkway *orb.Point, side int) {
				if pt == nil {
					return
				}
				props := at(s.ID)
				if walkway != nil {
					props["natq:walkway_at"], props["natq:side"] = *walkway, side
				}
				add(*pt, kind, props)
			}
			way("entry", s.Entry, s.EntryWalkway, s.EntrySide)
			way("exit", s.Exit, s.ExitWalkway, s.ExitSide)
			if s.Line != nil {
				props := at(s.ID)
				props["natq:length_m"] = s.LineLength
				add(s.Line, "queue_line", props)
			}
			if s.Markers != nil {
				props := at(s.ID)
				props["natq:count"] = len(s.Markers)
				add(orb.MultiPoint(s.Markers), "marker", props)
			}
		}
		for _, po := range f.Posts {
			if po.Variant != v {
				continue
			}
			props := geojson.Properties{"natq:variant": v, "natq:role": po.Role, "natq:label": po.Label}
			if po.Site != "" {
				props["natq:site"] = po.Site
			}
			if po.Building != "" {
				props["natq:building"] = po.Building
			}
			add(po.At, "post", props)
		}
		for _, vi := range f.Visits {
			if vi.Variant != v {
				continue
			}
			add(vi.Path, "visit", geojson.Properties{"natq:variant": v,
				"natq:length_m": vi.Length, "natq:households": vi.Households,
				"natq:walk_s": vi.WalkSeconds, "natq:stops": vi.Stops})
		}
	}
	for _, v := range f.Variants {
		for _, r := range f.Routes {
			if r.Variant != v {
				continue
			}
			add(r.Path, "route", geojson.Properties{
				"natq:variant": v, "natq:building": r.Building, "natq:site": r.Site,
				"natq:entrance": r.Entrance, "natq:direction": r.Direction,
				"natq:length_m": r.Length, "natq:uncovered_m": r.Uncovered, "natq:walk_s": r.WalkSeconds,
			})
		}
	}
	p := f.Params
	params := map[string]any{
		"date": p.Date, "tz": p.TZ, "desks": p.Desks, "rate": p.Rate, "start": p.Start, "end": p.End,
		"window": p.Window.String(), "spacing": p.Spacing, "rain_factor": p.RainFactor,
		"walk_speed": p.WalkSpeed, "students": p.Students, "student_share": p.StudentShare,
		"marshal_every_m": p.MarshalEvery, "variants": append([]string{}, p.Variants...), "strict": p.Strict,
	}
	if p.Canopies != nil {
		params["canopies"] = *p.Canopies
	}
	fc.ExtraMembers = geojson.Properties{
		"natq:compound": map[string]any{"id": f.Compound.ID, "name": f.Compound.Name},
		"natq:params":   params,
		"natq:schedule": scheduleJSON(f.Schedule),
		"natq:report":   f.Report.members(),
		"natq:warnings": append([]string{}, f.Warnings...),
	}
	return fc
}

// polygonal is a building's outline as GeoJSON has it: a Polygon when it
// is one.
func polygonal(mp orb.MultiPolygon) orb.Geometry {
	if len(mp) == 1 {
		return mp[0]
	}
	return mp
}

func scheduleJSON(ws []Window) []map[string]any {
	out := []map[string]any{}
	for _, w := range ws {
		groups := []map[string]any{}
		for _, g := range w.Groups {
			if g.Building == Students {
				groups = append(groups, map[string]any{"building": Students, "people": g.People})
				continue
			}
			m := map[string]any{"building": g.Building, "unit": g.Unit, "people": g.People}
			if g.Floors != nil {
				m["floors"] = g.Floors
			}
			if g.Rooms != nil {
				m["rooms"] = g.Rooms // a floor too big for one window
			}
			groups = append(groups, m)
		}
		out = append(out, map[string]any{
			"variant": w.Variant, "site": w.Site,
			"start": w.Start.Format(time.RFC3339), "end": w.End.Format(time.RFC3339),
			"capacity": w.Capacity, "students": w.Students, "groups": groups,
		})
	}
	return out
}

func (r Report) members() map[string]any {
	out := map[string]any{"assumptions": r.Assumptions}
	for v, fig := range r.Figures {
		out[v] = fig
	}
	return out
}
