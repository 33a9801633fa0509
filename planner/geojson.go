package planner

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// FeatureCollection writes the plan as the plan file of PLANFILE.md: lon/lat,
// RFC 7946, polygons counter-clockwise.
func (pl *Plan) FeatureCollection() *geojson.FeatureCollection {
	c := pl.Compound
	fc := geojson.NewFeatureCollection()
	add := func(g orb.Geometry, kind string, props geojson.Properties) *geojson.Feature {
		f := geojson.NewFeature(g)
		f.Properties = props
		props["natq:kind"] = kind
		fc.Append(f)
		return f
	}
	for _, b := range c.Buildings {
		for _, vp := range pl.Variants {
			props := geojson.Properties{
				"natq:building": b.ID, "name": b.Name, "natq:residents": b.Residents,
				"natq:residents_estimated": b.ResidentsEstimated, "natq:households": b.Households,
				"natq:units": b.Units, "natq:levels": b.Levels, "natq:sealed": b.Sealed,
				"natq:variant": string(vp.Variant), "natq:doortodoor": b.Sealed,
			}
			if s := vp.Site[b]; s != nil {
				props["natq:site"] = s.ID
			}
			add(rightHand(b.Geom), "building", props)
		}
	}
	for _, b := range c.Buildings {
		for _, e := range b.Entrances {
			props := geojson.Properties{"natq:building": b.ID, "natq:inferred": e.Inferred}
			if e.Ref != "" {
				props["ref"] = e.Ref
			}
			f := add(e.At, "entrance", props)
			f.ID = e.ID
		}
	}
	for _, g := range c.Gates {
		add(g.At, "gate", geojson.Properties{"natq:gate": g.ID, "name": g.Name})
	}
	ll := c.Proj.ToLonLat
	for _, vp := range pl.Variants {
		for _, s := range c.Sites {
			props := geojson.Properties{
				"natq:site": s.ID, "name": s.Name, "natq:sheltered": s.Sheltered,
				"natq:variant": string(vp.Variant), "natq:area_m2": round1(s.Area),
				"natq:max_desks": 0, "natq:desks": vp.Desks[s], "natq:line_capacity": 0,
				"natq:canopies": vp.Canopies[s], "natq:outside": s.Outside, "natq:inferred": s.Inferred,
			}
			l := s.Layout
			if l != nil {
				props["natq:max_desks"] = l.MaxDesks()
				props["natq:line_capacity"] = len(l.Markers)
			}
			add(rightHand(orb.MultiPolygon{s.Geom}), "site", props)
			if vp.Desks[s] == 0 || l == nil {
				continue
			}
			for _, d := range l.Desks[:vp.Desks[s]] {
				add(ll(d), "desk", geojson.Properties{"natq:site": s.ID, "natq:variant": string(vp.Variant)})
			}
			in := geojson.Properties{"natq:site": s.ID, "natq:variant": string(vp.Variant)}
			out := geojson.Properties{"natq:site": s.ID, "natq:variant": string(vp.Variant)}
			if j, ok := vp.Entry[s]; ok { // where the way in and the way out meet the walkways
				in["natq:walkway_at"], in["natq:side"] = ll(j.At), j.Side
			}
			if j, ok := vp.Exit[s]; ok {
				out["natq:walkway_at"], out["natq:side"] = ll(j.At), j.Side
			}
			add(ll(l.Start), "entry", in)
			add(ll(l.Exit), "exit", out)
			add(c.Proj.LineLonLat(l.Line), "queue_line", geojson.Properties{"natq:site": s.ID, "natq:variant": string(vp.Variant), "natq:length_m": round1(l.Length)})
			mp := make(orb.MultiPoint, len(l.Markers))
			for i, m := range l.Markers {
				mp[i] = ll(m)
			}
			add(mp, "marker", geojson.Properties{"natq:site": s.ID, "natq:variant": string(vp.Variant), "natq:count": len(mp)})
		}
		for _, po := range vp.Posts {
			props := geojson.Properties{"natq:variant": string(vp.Variant), "natq:role": po.Role, "natq:label": po.Label}
			if po.Site != nil {
				props["natq:site"] = po.Site.ID
			}
			if po.Building != nil {
				props["natq:building"] = po.Building.ID
			}
			add(ll(po.At), "post", props)
		}
		if v := vp.Visit; v != nil {
			var ids []string
			for _, b := range v.Stops {
				ids = append(ids, b.ID)
			}
			add(c.Proj.LineLonLat(v.Path), "visit", geojson.Properties{"natq:variant": string(vp.Variant),
				"natq:length_m": round1(v.Length), "natq:households": v.Households,
				"natq:walk_s": math.Round(v.Duration.Seconds()), "natq:stops": ids})
		}
	}
	for _, vp := range pl.Variants {
		for _, r := range vp.Routes {
			add(c.Proj.LineLonLat(r.Path), "route", geojson.Properties{
				"natq:variant": string(r.Variant), "natq:building": r.Building.ID, "natq:site": r.Site.ID,
				"natq:entrance": r.Entrance.ID, "natq:direction": r.Direction,
				"natq:length_m": round1(r.Length), "natq:uncovered_m": round1(r.Uncovered),
				"natq:walk_s": math.Round(r.Length / pl.Params.WalkSpeed),
			})
		}
	}
	variants := make([]string, len(pl.Params.Variants))
	for i, v := range pl.Params.Variants {
		variants[i] = string(v)
	}
	p := pl.Params
	fc.ExtraMembers = geojson.Properties{
		"natq:compound": map[string]any{"id": c.ID, "name": c.Name},
		"natq:params": map[string]any{
			"date": p.Date, "tz": p.TZ, "desks": p.Desks, "rate": p.Rate, "start": p.Start, "end": p.End,
			"window": p.Window.String(), "spacing": p.Spacing, "rain_factor": p.RainFactor,
			"walk_speed": p.WalkSpeed, "students": p.Students, "student_share": p.StudentShare,
			"marshal_every_m": p.MarshalEvery, "variants": variants, "strict": p.Strict, "canopies": p.Canopies,
		},
		"natq:schedule": pl.scheduleJSON(),
		"natq:report":   pl.Report(),
		"natq:warnings": append([]string{}, pl.Warnings...),
	}
	return fc
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// rightHand returns mp with exterior rings counter-clockwise and holes
// clockwise, as RFC 7946 asks; OSM and hand-drawn files come either way.
func rightHand(mp orb.MultiPolygon) orb.Geometry {
	out := make(orb.MultiPolygon, len(mp))
	for i, pg := range mp {
		out[i] = make(orb.Polygon, len(pg))
		for j, r := range pg {
			ccw := ringArea(r) > 0
			if (j == 0) != ccw {
				rr := make(orb.Ring, len(r))
				for k := range r {
					rr[k] = r[len(r)-1-k]
				}
				r = rr
			}
			out[i][j] = r
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}
