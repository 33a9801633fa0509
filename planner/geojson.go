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
				"natq:variant": string(vp.Variant), "natq:doortodoor": false,
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
	for _, vp := range pl.Variants {
		for _, s := range c.Sites {
			add(rightHand(orb.MultiPolygon{s.Geom}), "site", geojson.Properties{
				"natq:site": s.ID, "name": s.Name, "natq:sheltered": s.Sheltered,
				"natq:variant": string(vp.Variant), "natq:area_m2": round1(s.Area),
			})
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
			"marshal_every_m": p.MarshalEvery, "variants": variants, "strict": p.Strict,
		},
		"natq:report":   map[string]any{"assumptions": pl.Assumptions},
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
