package planner

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
func isSheltered(t map[string]string) bool {
	c := t["covered"]
	return c == "yes" || c == "arcade" || c == "colonnade" || t["tunnel"] == "building_passage" || yes(t["indoor"])
}

// siteSheltered reports whether a candidate site's tags make it usable in
// the rain: covered=yes, building=roof, amenity=shelter.
func siteSheltered(t map[string]string) bool {
	c := t["covered"]
	return c == "yes" || t["building"] == "roof" || t["amenity"] == "shelter"
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

// wetFallback is the sites the day is planned on: the weather's sites,
// or, when in the wet the sheltered sites cannot hold the day and all the
// sites laid out can (holds says), those, with a canopy over each desk at
// an open one.
func (pl *Plan) wetFallback(v Variant, sites, laidOut []*Site, holds func([]*Site) bool) []*Site {
	if canopiesCouldHelp(v, sites, laidOut) && !holds(sites) && holds(laidOut) {
		pl.warn("wet: the sheltered sites cannot hold the day; open sites are used too, with a canopy over each desk")
		return laidOut
	}
	return sites
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
