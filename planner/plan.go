package planner

import (
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// A Variant is a weather plan: dry, or wet (sheltered sites, sheltered ways
// preferred).
type Variant string

// The weather variants.
const (
	Dry Variant = "dry"
	Wet Variant = "wet"
)

// Params are everything a plan depends on besides the compound. Every one
// is written into the plan file.
type Params struct {
	Date         string        // YYYY-MM-DD, the compound's local date
	TZ           string        // IANA time zone
	Desks        int           // sampling desks (teams) on hand, K
	Rate         int           // samples per desk per hour, r
	Start, End   string        // "07:00"; End may be "auto"
	Window       time.Duration // window length
	Spacing      float64       // metres between people in line
	RainFactor   float64       // cost of an uncovered metre in the wet, in sheltered metres
	WalkSpeed    float64       // metres per second
	Students     string        // "16:30-18:00" or "none"
	StudentShare float64       // share of residents who are students
	MarshalEvery float64       // metres of queue line per marshal
	Variants     []Variant
	Strict       bool // warnings about single features become errors
	HomeVisits   []HomeVisit
}

// A HomeVisit is a household that cannot walk to a site: it is sampled at
// home by the door-to-door team.
type HomeVisit struct{ Building, Unit, Room string }

// DefaultParams are the defaults of natq plan's flags. Date is left
// empty: the planner reads no clock, so the caller names the day (natq
// plan defaults it to today in the compound's zone, from its own clock).
func DefaultParams() Params {
	return Params{
		TZ:    "Asia/Shanghai",
		Desks: 8, Rate: 120, Start: "07:00", End: "12:00", Window: 15 * time.Minute,
		Spacing: 1.0, RainFactor: 4, WalkSpeed: 1.2, Students: "16:30-18:00", StudentShare: 0.12,
		MarshalEvery: 20, Variants: []Variant{Dry, Wet},
	}
}

func (p Params) check() error {
	bad := func(flag, why string) error { return inputErrorf("--%s: %s", flag, why) }
	switch {
	case p.RainFactor < 1 || math.IsNaN(p.RainFactor):
		return bad("rain-factor", fmt.Sprintf("is %g; an uncovered metre must cost at least one sheltered metre (1 or more)", p.RainFactor))
	case p.WalkSpeed <= 0:
		return bad("walk-speed", "must be above 0 m/s")
	case p.Desks < 1:
		return bad("desks", "at least one sampling desk is needed")
	case p.Rate < 1:
		return bad("rate", "samples per desk per hour must be 1 or more")
	case p.Spacing < 0.5 || p.Spacing > 5:
		return bad("spacing", fmt.Sprintf("is %g m; people in line stand 0.5 to 5 m apart", p.Spacing))
	case p.StudentShare < 0 || p.StudentShare >= 1:
		return bad("student-share", "must be at least 0 and below 1")
	case p.MarshalEvery <= 0:
		return bad("marshal-every", "must be above 0 m")
	case len(p.Variants) == 0:
		return bad("variants", "name at least one of dry, wet")
	}
	if _, err := time.Parse("15:04", p.Start); err != nil {
		return bad("start", fmt.Sprintf("%q is not a time like 07:00", p.Start))
	}
	if _, err := time.Parse("15:04", p.End); err != nil && p.End != "auto" {
		return bad("end", fmt.Sprintf("%q is not a time like 12:00, nor auto", p.End))
	}
	if _, err := time.Parse("2006-01-02", p.Date); err != nil {
		return bad("date", fmt.Sprintf("%q is not a date like 2026-12-01", p.Date))
	}
	if _, err := time.LoadLocation(p.TZ); err != nil {
		return bad("tz", fmt.Sprintf("%q is not an IANA time zone like Asia/Shanghai", p.TZ))
	}
	for _, v := range p.Variants {
		if v != Dry && v != Wet {
			return bad("variants", fmt.Sprintf("%q is neither dry nor wet", v))
		}
	}
	return nil
}

// A Plan is a compound's plan for each weather variant.
type Plan struct {
	Compound    *Compound
	Params      Params
	Variants    []*VariantPlan
	Warnings    []string
	Assumptions []string
}

// A VariantPlan is the plan for one weather.
type VariantPlan struct {
	Variant Variant
	Sites   []*Site // usable sites in this weather
	// Site is each scheduled building's site; buildings not in it are
	// door-to-door or cannot be reached.
	Site     map[*Building]*Site
	Desks    map[*Site]int
	Canopies map[*Site]int // desks at open sites in the wet need a canopy each
	Windows  []*Window
	Routes   []*Route
	Posts    []Post
	Visit    *Visit
	End      time.Time // the last window that calls anyone ends then
	Shortage string    // when the day does not hold everyone by --end: what would

	Objective, LowerBound float64 // sum of people x route metres; its lower bound
	Exact                 bool    // Objective is proven optimal

	load  map[*Building]int // people sampled at a site (residents less home visits)
	trees map[*Site]*tree
	// relaxed caches assignment relaxations by day end and site set: the
	// searches for an end or a desk count solve the same one many times.
	relaxed map[string]*relaxed
	// problem is the last assignment problem solved: after planning, the
	// one the plan's assignment solves (tests check it against a MIP).
	problem *assignProblem
}

// A Route is one walk between a building entrance and its site.
type Route struct {
	Variant   Variant
	Building  *Building
	Entrance  *Entrance
	Site      *Site
	Direction string         // "to" (entrance to site) or "back"
	Path      orb.LineString // plane
	Length    float64
	Uncovered float64
}

// Make plans compound c. It builds c's network if that is not done yet.
func Make(c *Compound, p Params) (*Plan, error) {
	pl, err := newPlan(c, p)
	if err != nil {
		return nil, err
	}
	// Layouts depend on the spacing, desks and window: set out anew for
	// every plan (a site carries the layout of the compound's latest plan).
	for _, st := range c.Sites {
		st.Layout = nil
		if st.node < 0 {
			continue
		}
		st.Layout = layoutSite(st.Plane, st.Entry, p.Spacing, p.Desks, float64(p.Rate)*p.Window.Hours())
		if st.Layout.MaxDesks() == 0 {
			pl.warn("site %s (%s, %.0f m²) is too small or too narrow for one desk with its line (a desk needs a %.0f x %.0f m strip, %.0f m² with its entry and exit): not used", st.Name, st.ID, st.Area, DeskPitch, DeskDepth, DeskArea)
		}
	}
	for _, v := range p.Variants {
		vp, err := pl.planVariant(v)
		if err != nil {
			return nil, err
		}
		pl.Variants = append(pl.Variants, vp)
	}
	return pl, nil
}

// PlanRoutes plans only the walking: every building to its nearest usable site
// in each weather, with no capacities, desks or windows. It is the picture
// of a compound before its sites are set out, and the uncapacitated bound
// that Make's assignment is measured against.
func PlanRoutes(c *Compound, p Params) (*Plan, error) {
	pl, err := newPlan(c, p)
	if err != nil {
		return nil, err
	}
	for _, v := range p.Variants {
		vp := &VariantPlan{Variant: v, Site: map[*Building]*Site{}, trees: map[*Site]*tree{}}
		vp.Sites = pl.usableSites(v)
		if len(vp.Sites) == 0 {
			return nil, inputErrorf("compound %s (%s) has no candidate site joined to its walkways: mark open spaces with natq:site=candidate (or leisure=pitch, amenity=parking, ...)", c.Name, c.ID)
		}
		cost := c.Net.edgeCosts(v, p.RainFactor)
		near, origin := c.Net.nearestSite(vp.Sites, cost)
		// When every door's nearest site is the same, that site is the
		// building's nearest on average too; else the candidates are
		// weighed on their own trees, grown together on every core.
		cands := map[*Building]map[int32]bool{}
		needed := map[int32]bool{}
		for _, b := range c.Buildings {
			cs := map[int32]bool{}
			for _, e := range b.Entrances {
				if e.node >= 0 && origin[e.node] >= 0 {
					cs[origin[e.node]] = true
				}
			}
			cands[b] = cs
			if len(cs) > 1 {
				for i := range cs {
					needed[i] = true
				}
			}
		}
		var grow []*Site
		for i, s := range vp.Sites {
			if needed[int32(i)] {
				grow = append(grow, s)
			}
		}
		vp.trees = c.Net.treesFrom(grow, cost)
		for _, b := range c.Buildings {
			if b.Residents == 0 {
				continue
			}
			cands := cands[b]
			var best *Site
			bestCost := math.Inf(1)
			if len(cands) == 1 {
				for i := range cands {
					best = vp.Sites[i]
				}
			} else {
				for i := range vp.Sites {
					if cands[int32(i)] {
						if cst, ok := buildingCost(b, vp.trees[vp.Sites[i]]); ok && (cst < bestCost || cst == bestCost && vp.Sites[i].ID < best.ID) {
							best, bestCost = vp.Sites[i], cst
						}
					}
				}
			}
			if best == nil {
				if err := pl.unreachable(b); err != nil {
					return nil, err
				}
				continue
			}
			vp.Site[b] = best
			for _, e := range b.Entrances {
				if e.node < 0 || origin[e.node] < 0 {
					continue
				}
				t := near
				if vp.Sites[origin[e.node]] != best {
					if t = vp.trees[best]; math.IsInf(t.cost[e.node], 1) {
						continue
					}
				}
				vp.Routes = append(vp.Routes, &Route{Variant: v, Building: b, Entrance: e, Site: best, Direction: "to",
					Path: c.Net.path(t, e.node), Length: t.length[e.node], Uncovered: t.uncovered[e.node]})
			}
		}
		pl.Variants = append(pl.Variants, vp)
	}
	return pl, nil
}

// newPlan checks the parameters and starts a plan of c.
func newPlan(c *Compound, p Params) (*Plan, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if c.Net == nil {
		c.Net = buildNetwork(c)
	}
	if len(c.Buildings) == 0 {
		return nil, inputErrorf("compound %s (%s) has no buildings inside it: nothing to plan", c.Name, c.ID)
	}
	pl := &Plan{Compound: c, Params: p, Warnings: append([]string(nil), c.Warnings...)}
	pl.Assumptions = c.assumptions()
	return pl, nil
}

// usableSites are the sites a variant may use: joined to the network and,
// in the wet, sheltered. With no sheltered site the wet variant falls back
// on open ones, which then need canopies.
func (pl *Plan) usableSites(v Variant) []*Site {
	var all, sheltered []*Site
	for _, s := range pl.Compound.Sites {
		if s.node < 0 {
			continue
		}
		all = append(all, s)
		if s.Sheltered {
			sheltered = append(sheltered, s)
		}
	}
	if v == Wet {
		if len(sheltered) > 0 {
			return sheltered
		}
		if len(all) > 0 {
			pl.warn("no candidate site is sheltered: the wet variant uses open sites, which need canopies over the desks")
		}
	}
	return all
}

func (pl *Plan) warn(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	for _, w := range pl.Warnings {
		if w == msg {
			return
		}
	}
	pl.Warnings = append(pl.Warnings, msg)
}

// buildingCost is the mean cost from a building's reachable entrances to
// the tree's source: residents are taken to use each door alike.
func buildingCost(b *Building, t *tree) (float64, bool) { return doorMean(b, t, t.cost) }

// buildingLength is the mean walking length, along the tree's cheapest
// ways, from a building's reachable entrances.
func buildingLength(b *Building, t *tree) (float64, bool) {
	if t == nil {
		return 0, false
	}
	return doorMean(b, t, t.length)
}

// doorMean averages a per-node figure of tree t over the building's doors
// that t reaches.
func doorMean(b *Building, t *tree, per []float64) (float64, bool) {
	var sum float64
	k := 0
	for _, e := range b.Entrances {
		if e.node >= 0 && !math.IsInf(t.cost[e.node], 1) {
			sum += per[e.node]
			k++
		}
	}
	if k == 0 {
		return 0, false
	}
	return sum / float64(k), true
}

// unreachable says why a building cannot be routed: a warning, or an
// error with Params.Strict.
func (pl *Plan) unreachable(b *Building) error {
	n := pl.Compound.Net
	msg := ""
	joined := false
	for _, e := range b.Entrances {
		if e.node >= 0 {
			joined = true
			msg = fmt.Sprintf("%s: its walkways (part %d of the network, %s) reach no usable sampling site; draw the missing path or add a site", b.Label(), n.partOf(e.node)+1, n.Parts[n.partOf(e.node)].Name)
		}
	}
	if !joined {
		msg = fmt.Sprintf("%s: no walkway reaches it (none within %.0f m of its door); draw the path to its door", b.Label(), MaxJoin)
	}
	if pl.Params.Strict {
		return inputErrorf("%s (--strict)", msg)
	}
	pl.warn("%s; its %d residents are not routed", msg, b.Residents)
	return nil
}

// assumptions states every constant natq used in place of data the file
// lacks.
func (c *Compound) assumptions() []string {
	var est, estRes, lev, inferred int
	for _, b := range c.Buildings {
		if b.ResidentsEstimated && b.Dwelling {
			est++
			estRes += b.Residents
		}
		if !b.LevelsGiven {
			lev++
		}
		for _, e := range b.Entrances {
			if e.Inferred {
				inferred++
			}
		}
	}
	var a []string
	if est > 0 {
		a = append(a, fmt.Sprintf("residents of %s (%d people) estimated: natq:households x %.2f people, or else footprint x levels / %.0f m² per resident (%.0f m² in dormitories)", count(est, "building"), estRes, PeoplePerHousehold, FloorAreaPerResident, FloorAreaPerDormResident))
	}
	if lev > 0 {
		a = append(a, fmt.Sprintf("%s no building:levels: %d levels assumed", count(lev, "building")+have(lev), DefaultLevels))
	}
	if inferred > 0 {
		a = append(a, fmt.Sprintf("%s no entrance=*: one door assumed at the point of the outline nearest a walkway (natq:inferred=true)", count(inferred, "building")+have(inferred)))
	}
	a = append(a, fmt.Sprintf("units (单元) per building: natq:units, else the entrances' distinct refs, else one per %.0f m of the footprint's long side", UnitWidth))
	a = append(a, fmt.Sprintf("doors and sites join the nearest walkway within %.0f m; walkway ends within %.0f m of another walkway are joined to it", MaxJoin, SnapDistance))
	return a
}
