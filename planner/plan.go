package planner

import (
	"fmt"
	"math"
	"time"

	"natq/planner/assign"
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
	Canopies     int           // canopies on hand for desks at open sites in the wet; -1: as many as needed
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
		MarshalEvery: 20, Canopies: -1, Variants: []Variant{Dry, Wet},
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
	case p.Canopies < -1:
		return bad("canopies", fmt.Sprintf("is %d; give the canopies on hand (0 or more), or -1 for as many as needed", p.Canopies))
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
	Canopy   *CanopyTrade  // what canopies bought the wet day; nil when none are used
	// Entry and Exit are where each site in use is entered (the joint
	// most of its residents arrive by) and left (on another side where
	// the site has one: one-way flow).
	Entry, Exit map[*Site]Joint
	Windows     []*Window
	Routes      []*Route
	Posts       []Post
	Visit       *Visit
	End         time.Time // the last window that calls anyone ends then
	Shortage    string    // when the day does not hold everyone by --end: what would

	Objective, LowerBound float64 // sum of people x route metres; its lower bound
	Exact                 bool    // Objective is proven optimal

	load  map[*Building]int // people sampled at a site (residents less home visits)
	trees map[*Site]*tree
	// relaxed caches assignment relaxations by day end and site set: the
	// searches for an end or a desk count solve the same one many times.
	relaxed map[string]*assign.Relaxation
	// problem is the last assignment problem solved: after planning, the
	// one the plan's assignment solves (tests check it against a MIP).
	// canopyCap is the most desks at open sites the assignment may
	// use on a wet day, -1 for no limit.
	canopyCap   int
	canopyMost  int // the canopies on hand for it
	siteWindows map[*Site][]*Window
	// reserve is, per site, the people per window the assignment leaves
	// free there, where whole floors could not fill its windows.
	reserve          map[*Site]int
	problem          *assign.Problem
	problemBuildings []*Building // its rows' buildings; its columns are Sites
}

// Make plans compound c. It leaves c as it was, so that one compound can
// be planned many times, with other parameters, even at once: the plan
// sets out copies of c's sites, and builds a network of its own when c has
// none yet.
func Make(c *Compound, p Params) (*Plan, error) {
	pl, err := newPlan(own(c), p)
	if err != nil {
		return nil, err
	}
	c = pl.Compound
	residents := 0
	for _, b := range c.Buildings {
		residents += b.Residents
	}
	if residents == 0 {
		// Planned all the same (a map to print), but nobody to book: say
		// why, rather than leave natq serve to refuse a plan without windows.
		pl.warn("no residents: none of the compound's %d buildings has people to sample (their building= tags are not dwellings, or natq:residents is 0); give each dwelling natq:residents or natq:households, or tag it building=apartments; the plan has no windows to book", len(c.Buildings))
	}
	arrivalSides(c)
	// Layouts depend on the spacing, desks and window: set out anew for
	// every plan, on the plan's own sites.
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
	pl.warnGuidance()
	return pl, nil
}

// own is the compound a plan of c works on, leaving c as it was: c's sites
// copied, as the plan sets them out; and when c has no network yet, its
// buildings, entrances and gates copied too, as building one joins them to
// it. The rest (geometry, walkways, the network) is only read.
func own(c *Compound) *Compound {
	oc := *c
	oc.Sites = make([]*Site, len(c.Sites))
	for i, s := range c.Sites {
		cp := *s
		oc.Sites[i] = &cp
	}
	if c.Net != nil {
		return &oc
	}
	oc.Buildings = make([]*Building, len(c.Buildings))
	for i, b := range c.Buildings {
		cp := *b
		cp.Entrances = make([]*Entrance, len(b.Entrances))
		for j, e := range b.Entrances {
			ce := *e
			ce.Building = &cp
			cp.Entrances[j] = &ce
		}
		oc.Buildings[i] = &cp
	}
	oc.Gates = make([]*Gate, len(c.Gates))
	for i, g := range c.Gates {
		cp := *g
		oc.Gates[i] = &cp
	}
	oc.Net = buildNetwork(&oc)
	return &oc
}

// newPlan checks the parameters and starts a plan of c.
func newPlan(c *Compound, p Params) (*Plan, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if len(c.Buildings) == 0 {
		return nil, inputErrorf("compound %s (%s) has no buildings inside it: nothing to plan", c.Name, c.ID)
	}
	pl := &Plan{Compound: c, Params: p, Warnings: append([]string(nil), c.Warnings...)}
	pl.Assumptions = c.assumptions()
	return pl, nil
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
	a = append(a, fmt.Sprintf("doors join the nearest walkway within %.0f m; a site is entered from every walkway within %.0f m of its edge (else from the nearest within %.0f m), each resident at the way in nearest their door; walkway ends within %.0f m of another walkway are joined to it", MaxJoin, SiteJoin, MaxJoin, SnapDistance))
	return a
}
