package planner

import (
	"math"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"natq/planner/planfile"
)

// File is the plan as a plan file (package planfile): lon/lat, RFC 7946,
// polygons counter-clockwise, figures rounded as the file gives them.
func (pl *Plan) File() *planfile.File {
	c, p := pl.Compound, pl.Params
	f := &planfile.File{
		Compound: planfile.Compound{ID: c.ID, Name: c.Name},
		Params: planfile.Params{
			Date: p.Date, TZ: p.TZ, Desks: p.Desks, Rate: p.Rate, Start: p.Start, End: p.End,
			Window: p.Window, Spacing: p.Spacing, RainFactor: p.RainFactor, WalkSpeed: p.WalkSpeed,
			Students: p.Students, StudentShare: p.StudentShare, MarshalEvery: p.MarshalEvery, Strict: p.Strict,
			Canopies: &p.Canopies,
		},
		Schedule: pl.schedule(),
		Report:   pl.Report(),
		Warnings: pl.Warnings,
	}
	for _, v := range p.Variants {
		f.Params.Variants = append(f.Params.Variants, string(v))
	}
	for _, vp := range pl.Variants {
		f.Variants = append(f.Variants, string(vp.Variant))
	}
	for _, b := range c.Buildings {
		fb := &planfile.Building{
			ID: b.ID, Name: b.Name, Residents: b.Residents, ResidentsEstimated: b.ResidentsEstimated,
			Households: b.Households, Units: b.Units, Levels: b.Levels, Sealed: b.Sealed,
			Outline: rightHand(b.Geom), Site: map[string]string{}, DoorToDoor: map[string]bool{},
		}
		for _, vp := range pl.Variants {
			v := string(vp.Variant)
			fb.Site[v], fb.DoorToDoor[v] = "", b.Sealed
			if s := vp.Site[b]; s != nil {
				fb.Site[v] = s.ID
			}
		}
		f.Buildings = append(f.Buildings, fb)
		for _, e := range b.Entrances {
			f.Entrances = append(f.Entrances, planfile.Entrance{ID: e.ID, Building: b.ID, Unit: e.Ref, Inferred: e.Inferred, At: e.At})
		}
	}
	for _, g := range c.Gates {
		f.Gates = append(f.Gates, planfile.Gate{ID: g.ID, Name: g.Name, At: g.At})
	}
	ll := c.Proj.ToLonLat
	for _, vp := range pl.Variants {
		v := string(vp.Variant)
		for _, s := range c.Sites {
			fs := &planfile.Site{
				ID: s.ID, Name: s.Name, Variant: v, Sheltered: s.Sheltered, AreaM2: round1(s.Area),
				Desks: vp.Desks[s], Canopies: vp.Canopies[s], Outside: s.Outside, Inferred: s.Inferred,
				Area: rightHand(orb.MultiPolygon{s.Geom})[0],
			}
			f.Sites = append(f.Sites, fs)
			l := s.Layout
			if l == nil {
				continue
			}
			fs.MaxDesks, fs.LineCapacity = l.MaxDesks(), len(l.Markers)
			if vp.Desks[s] == 0 {
				continue
			}
			for _, d := range l.Desks[:vp.Desks[s]] {
				fs.DeskAt = append(fs.DeskAt, ll(d))
			}
			entry, exit := ll(l.Start), ll(l.Exit)
			fs.Entry, fs.Exit = &entry, &exit
			if j, ok := vp.Entry[s]; ok { // where the ways in and out meet the walkways
				at := ll(j.At)
				fs.EntryWalkway, fs.EntrySide = &at, j.Side
			}
			if j, ok := vp.Exit[s]; ok {
				at := ll(j.At)
				fs.ExitWalkway, fs.ExitSide = &at, j.Side
			}
			fs.Line, fs.LineLength = c.Proj.LineLonLat(l.Line), round1(l.Length)
			fs.Markers = make([]orb.Point, len(l.Markers))
			for i, m := range l.Markers {
				fs.Markers[i] = ll(m)
			}
		}
		for _, po := range vp.Posts {
			fp := planfile.Post{Variant: v, Role: po.Role, Label: po.Label, At: ll(po.At)}
			if po.Site != nil {
				fp.Site = po.Site.ID
			}
			if po.Building != nil {
				fp.Building = po.Building.ID
			}
			f.Posts = append(f.Posts, fp)
		}
		if vi := vp.Visit; vi != nil {
			var ids []string
			for _, b := range vi.Stops {
				ids = append(ids, b.ID)
			}
			f.Visits = append(f.Visits, planfile.Visit{Variant: v, Length: round1(vi.Length), Households: vi.Households,
				WalkSeconds: math.Round(vi.Duration.Seconds()), Stops: ids, Path: c.Proj.LineLonLat(vi.Path)})
		}
		for _, r := range vp.Routes {
			f.Routes = append(f.Routes, planfile.Route{
				Variant: string(r.Variant), Building: r.Building.ID, Site: r.Site.ID, Entrance: r.Entrance.ID,
				Direction: r.Direction, Length: round1(r.Length), Uncovered: round1(r.Uncovered),
				WalkSeconds: math.Round(r.Length / p.WalkSpeed), Path: c.Proj.LineLonLat(r.Path),
			})
		}
	}
	return f
}

// FeatureCollection is the plan's file as GeoJSON.
func (pl *Plan) FeatureCollection() *geojson.FeatureCollection { return pl.File().FeatureCollection() }

// schedule is the plan file's natq:schedule: every window of every site
// of every variant.
func (pl *Plan) schedule() []planfile.Window {
	var out []planfile.Window
	for _, vp := range pl.Variants {
		for _, w := range vp.Windows {
			fw := planfile.Window{Index: len(out), Variant: string(vp.Variant), Site: w.Site.ID,
				Start: w.Start, End: w.End, Capacity: w.Capacity, Students: w.Students}
			for _, g := range w.Groups {
				fg := planfile.Group{Building: g.Building, Unit: g.Unit, Floors: []int{g.FromFl, g.ToFl}, People: g.People}
				if g.Building == planfile.Students {
					fg.Unit, fg.Floors = "", nil
				}
				if g.Rooms != [2]int{} {
					fg.Rooms = []int{g.Rooms[0], g.Rooms[1]} // a floor too big for one window
				}
				fw.Groups = append(fw.Groups, fg)
			}
			out = append(out, fw)
		}
	}
	return out
}

// Report is the plan file's natq:report.
func (pl *Plan) Report() planfile.Report {
	out := planfile.Report{Assumptions: pl.Assumptions, Figures: map[string]*planfile.Figures{}}
	for _, vp := range pl.Variants {
		r := pl.Figures(vp)
		fig := &planfile.Figures{
			Residents: r.Residents, Scheduled: r.Scheduled, DoorToDoor: r.DoorToDoor, Unrouted: r.Unrouted,
			Sites: r.Sites, Desks: r.Desks,
			MakespanMin: math.Round(r.Makespan.Minutes()), LowerBoundMakespanMin: math.Round(r.LowerMakespan.Minutes()),
			WalkMeanM: round1(r.Walk.Mean), WalkP95M: round1(r.Walk.P95), WalkMaxM: round1(r.Walk.Max),
			Within300M: math.Round(r.Walk.Within300*1000) / 1000, UncoveredMeanM: round1(r.Walk.UncoveredMean),
			UncoveredLineM: round1(r.UncoveredLineM), Canopies: r.Canopies,
			Staff: r.Staff, StaffByRole: r.StaffByRole,
			ObjectiveM: math.Round(r.Objective), LowerBoundM: math.Round(r.LowerBound), Gap: math.Round(r.Gap*10000) / 10000,
			Exact: r.Exact, Shortage: r.Shortage,
		}
		if end := vp.mainEnd(); !end.IsZero() {
			fig.End = end.Format(time.RFC3339) // the main day's; the students' period is apart
		}
		if r.End.After(vp.mainEnd()) {
			fig.StudentsEnd = r.End.Format(time.RFC3339)
		}
		fig.Guidance, fig.CanopyTrade = pl.guidanceReport(vp)
		out.Figures[string(vp.Variant)] = fig
	}
	return out
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// rightHand returns mp with exterior rings counter-clockwise and holes
// clockwise, as RFC 7946 asks; OSM and hand-drawn files come either way.
func rightHand(mp orb.MultiPolygon) orb.MultiPolygon {
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
	return out
}
