package planner

import (
	"fmt"
	"time"
)

// Every weather decision of a plan is in this file: what counts as
// sheltered, what an uncovered metre costs in the rain, which sites a wet
// day may use, and where its desks need canopies.

// A Variant is a weather plan: dry, or wet (sheltered sites, sheltered ways
// preferred).
type Variant string

// The weather variants.
const (
	Dry Variant = "dry"
	Wet Variant = "wet"
)

// isSheltered reports whether a walkway's tags keep the rain off it:
// covered=yes/arcade/colonnade, tunnel=building_passage, indoor=yes.
func isSheltered(t tagList) bool {
	c := t.get("covered")
	return c == "yes" || c == "arcade" || c == "colonnade" || t.get("tunnel") == "building_passage" || yes(t.get("indoor"))
}

// siteSheltered reports whether a candidate site's tags make it usable in
// the rain: covered=yes, building=roof, amenity=shelter.
func siteSheltered(t tagList) bool {
	c := t.get("covered")
	return c == "yes" || t.get("building") == "roof" || t.get("amenity") == "shelter"
}

// edgeCosts gives every edge its cost for a weather variant: its length in
// dry weather; in the wet, sheltered metres count once and uncovered metres
// rainFactor times. Every route of a plan, there and back, is least-cost
// under these costs.
func (n *Network) edgeCosts(v Variant, rainFactor float64) []float64 {
	c := make([]float64, len(n.edges))
	for i, e := range n.edges {
		c[i] = e.length
		if v == Wet && !e.sheltered {
			c[i] *= rainFactor
		}
	}
	return c
}

// visitCosts are the edge costs of the door-to-door round: its lengths,
// in the wet as in the dry, as the team takes the shortest way from door
// to door whatever the weather.
func (n *Network) visitCosts() []float64 { return n.edgeCosts(Dry, 1) }

// weatherSites are the sites variant v may put desks on: joined to the
// walkways, set out with room for a desk, and in the wet sheltered. With
// no sheltered site at all, the wet variant falls back on open ones, which
// then need canopies.
func (pl *Plan) weatherSites(v Variant) []*Site {
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
	usable := all
	if v == Wet {
		if len(sheltered) > 0 {
			usable = sheltered
		} else if len(all) > 0 {
			pl.warn("no candidate site is sheltered: the wet variant uses open sites, which need canopies over the desks")
		}
	}
	var out []*Site
	for _, s := range usable {
		if s.Layout != nil && s.Layout.MaxDesks() > 0 {
			out = append(out, s)
		}
	}
	return out
}

// canopiesCouldHelp reports whether variant v could add open sites, under
// canopies, to sites, of those laid out.
func canopiesCouldHelp(v Variant, sites, laidOut []*Site) bool {
	return v == Wet && len(sites) < len(laidOut)
}

// A CanopyTrade is what canopies bought a wet day: open sites, with a
// canopy over each of their desks, end it earlier than shelter alone.
type CanopyTrade struct {
	Canopies int    // canopies put up: the fewest that end the day at End
	OnHand   int    // --canopies; -1 for as many as needed
	End      string // the day's end with them, HH:MM
	// ShelteredEnd is the earliest end under shelter alone, HH:MM; ""
	// when the sheltered sites cannot hold the day at all.
	ShelteredEnd string
}

// Saved is how much earlier the canopies end the day; 0 when shelter
// alone cannot hold it.
func (c *CanopyTrade) Saved() time.Duration {
	if c.ShelteredEnd == "" {
		return 0
	}
	return time.Duration(mustHM(c.ShelteredEnd)-mustHM(c.End)) * time.Minute
}

func (c *CanopyTrade) String() string {
	if c.ShelteredEnd == "" {
		return fmt.Sprintf("%d canopies over desks at open sites let the wet day end at %s; the sheltered sites alone cannot hold it", c.Canopies, c.End)
	}
	return fmt.Sprintf("%d canopies over desks at open sites end the wet day at %s instead of %s under shelter alone (%s earlier)", c.Canopies, c.End, c.ShelteredEnd, fmtDur(c.Saved()))
}

// canopySites chooses the sites of the day: the weather's own, or, on a
// wet day, all the sites laid out, with a canopy over each desk at an open
// one, when that holds the day by --end where shelter alone cannot, or
// (with --end auto) ends it earlier; at most --canopies of them, and the
// fewest that reach that end. It leaves vp's canopy cap set for the
// assignment.
func (pl *Plan) canopySites(vp *VariantPlan, sites, laidOut []*Site, ends []string, fits func([]*Site, string) bool, earliest func([]*Site) int) ([]*Site, error) {
	p := pl.Params
	vp.canopyCap = -1
	if vp.Variant != Wet {
		return sites, nil
	}
	sheltered := false
	for _, s := range sites {
		sheltered = sheltered || s.Sheltered
	}
	if !sheltered {
		// Every desk of the day needs a canopy.
		if p.Canopies == 0 {
			return nil, inputErrorf("wet weather: no candidate site is sheltered and --canopies is 0: mark a sheltered site (covered=yes, amenity=shelter) or bring canopies")
		}
		vp.canopyCap = p.Canopies
		return sites, nil
	}
	if !canopiesCouldHelp(vp.Variant, sites, laidOut) || p.Canopies == 0 {
		return sites, nil
	}
	most := p.Canopies
	if most < 0 {
		most = p.Desks
	}
	target := ""
	shelteredEnd := ""
	iS := -2 // not yet asked
	askSheltered := func() int {
		if iS == -2 {
			vp.canopyCap = -1
			iS = earliest(sites)
		}
		return iS
	}
	if p.End != "auto" && fits(sites, p.End) {
		return sites, nil
	}
	vp.canopyCap, vp.canopyMost = most, most
	if p.End != "auto" && fits(laidOut, p.End) {
		target = p.End
	} else if iA := earliest(laidOut); iA >= 0 {
		if i := askSheltered(); i < 0 || iA < i {
			target = ends[iA]
		}
	}
	if target == "" {
		vp.canopyCap = -1
		return sites, nil
	}
	if i := askSheltered(); i >= 0 {
		shelteredEnd = ends[i]
	}
	// The fewest canopies that hold the day by target: more never hold
	// fewer people.
	lo, hi := -1, most
	for lo+1 < hi {
		m := (lo + hi) / 2
		vp.canopyCap = m
		if fits(laidOut, target) {
			hi = m
		} else {
			lo = m
		}
	}
	vp.canopyCap = hi
	vp.Canopy = &CanopyTrade{Canopies: hi, OnHand: p.Canopies, End: target, ShelteredEnd: shelteredEnd}
	return laidOut, nil
}

// canopies are the desks that need a canopy each: those at open sites in
// the wet.
func canopies(v Variant, desks map[*Site]int) map[*Site]int {
	out := map[*Site]int{}
	for s, d := range desks {
		if d > 0 && !s.Sheltered && v == Wet {
			out[s] = d
		}
	}
	return out
}
