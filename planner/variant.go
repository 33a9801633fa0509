package planner

import (
	"fmt"
	"maps"
	"math"
	"sort"
	"strings"
	"time"
)

// One weather's plan, step by step: which sites the weather allows, the
// trees from each, the end of the day, the assignment, the desks, the
// schedule, then routes, posts and the door-to-door round. Each step's
// rules are in the file named for it (see doc.go).

// planVariant plans one weather: sites and desks, each building's site,
// the windows, the routes there and back, the posts and the home visits.
func (pl *Plan) planVariant(v Variant) (*VariantPlan, error) {
	c, n, p := pl.Compound, pl.Compound.Net, pl.Params
	vp := &VariantPlan{Variant: v, Site: map[*Building]*Site{}, Desks: map[*Site]int{},
		load: map[*Building]int{}, trees: map[*Site]*tree{}}
	var laidOut []*Site
	for _, s := range c.Sites {
		if s.Layout != nil && s.Layout.MaxDesks() > 0 {
			laidOut = append(laidOut, s)
		}
	}
	sites := pl.weatherSites(v)
	if len(sites) == 0 {
		return nil, inputErrorf("compound %s (%s) has no candidate site that holds a desk and is joined to its walkways: mark open spaces with natq:site=candidate (or leisure=pitch, amenity=parking, ...)", c.Name, c.ID)
	}
	vp.trees = n.treesFrom(laidOut, n.edgeCosts(v, p.RainFactor))
	home := map[string]int{}
	for _, h := range p.HomeVisits {
		home[h.Building]++
	}
	var bs []*Building
	for _, b := range c.Buildings {
		if b.Residents == 0 || b.Sealed {
			continue
		}
		per := float64(b.Residents) / float64(max(1, b.Households))
		vp.load[b] = max(0, b.Residents-int(math.Round(float64(home[b.ID])*per)))
		reach := false
		for _, s := range c.Sites {
			if t := vp.trees[s]; t != nil {
				if _, ok := buildingCost(b, t); ok {
					reach = true
				}
			}
		}
		if !reach {
			if err := pl.unreachable(b); err != nil {
				return nil, err
			}
			continue
		}
		if vp.load[b] > 0 {
			bs = append(bs, b)
		}
	}
	// The day's possible ends, one per window, for --end auto and for
	// saying what would fit.
	step := int(p.Window.Minutes())
	var ends []string
	for t := mustHM(p.Start) + step; t < 24*60; t += step {
		ends = append(ends, fmt.Sprintf("%02d:%02d", t/60, t%60))
	}
	if len(ends) == 0 {
		return nil, inputErrorf("--start %s leaves no %v window before midnight", p.Start, p.Window)
	}
	fits := func(sites []*Site, e string) bool { return pl.fits(vp, bs, sites, e) }
	// earliest is the index of the earliest end by which sites hold the
	// day (a later end never holds fewer people), or -1.
	earliest := func(sites []*Site) int {
		if !fits(sites, ends[len(ends)-1]) {
			return -1
		}
		lo, hi := -1, len(ends)-1
		for lo+1 < hi {
			m := (lo + hi) / 2
			if fits(sites, ends[m]) {
				hi = m
			} else {
				lo = m
			}
		}
		return hi
	}
	end := p.End
	sites, err := pl.canopySites(vp, sites, laidOut, ends, fits, earliest)
	if err != nil {
		return nil, err
	}
	// What would fit is said for every site the weather allows, canopies
	// included.
	remedy := func(by, fits string) string {
		if canopiesCouldHelp(v, sites, laidOut) && p.Canopies != 0 {
			return pl.shortage(vp, bs, laidOut, by, fits) + " (open sites under canopies included)"
		}
		return pl.shortage(vp, bs, sites, by, fits)
	}
	final := end
	if end == "auto" || !fits(sites, end) {
		i := earliest(sites)
		if i < 0 {
			by := end
			if by == "auto" {
				by = ends[len(ends)-1]
			}
			return nil, inputErrorf("%s weather: %d desks cannot sample everyone in one day, even past --end: %s", v, p.Desks, remedy(by, ""))
		}
		final = ends[i]
		if end != "auto" {
			vp.Shortage = fmt.Sprintf("the day cannot hold everyone by %s with %d desks: %s", end, p.Desks, remedy(end, final))
		}
	}
	// Whole floors per window can need more windows than the assignment's
	// count of people: when the schedule runs past the planned end, the
	// day is planned again one window later.
	reserveRounds := 0
	for {
		vp.Site, vp.Desks, vp.Windows, vp.End = map[*Building]*Site{}, map[*Site]int{}, nil, time.Time{}
		a, dt, err := pl.assign(vp, bs, sites, final)
		if err != nil {
			return nil, err
		}
		vp.Sites = sites
		vp.Objective, vp.LowerBound, vp.Exact = a.Cost, a.Lower, a.Exact
		for i, b := range bs {
			if a.Site[i] < 0 {
				if err := pl.unreachable(b); err != nil {
					return nil, err
				}
				continue
			}
			vp.Site[b] = sites[a.Site[i]]
		}
		used := 0
		for i, s := range sites {
			vp.Desks[s] = a.Desks[i]
			used += a.Desks[i]
		}
		vp.spareDesks(p.Desks - used)
		sort.SliceStable(bs, func(i, j int) bool {
			ci, _ := buildingLength(bs[i], vp.trees[vp.Site[bs[i]]])
			cj, _ := buildingLength(bs[j], vp.trees[vp.Site[bs[j]]])
			return ci < cj
		})
		vp.schedule(p, dt, bs)
		vp.Canopies = canopies(v, vp.Desks)
		for _, w := range vp.Windows {
			if w.People() > 0 && w.End.After(vp.End) {
				vp.End = w.End
			}
		}
		planned := dt.main[len(dt.main)-1][1]
		if !vp.mainEnd().After(planned) {
			break
		}
		if vp.Canopy != nil && vp.canopyCap < vp.canopyMost {
			vp.canopyCap++ // one more canopy before a later end
			continue
		}
		// Before a later end: leave room at the sites whole floors ran
		// late, so that the assignment sends fewer people there.
		if reserveRounds < 4 {
			reserveRounds++
			saved := maps.Clone(vp.reserve)
			if vp.reserve == nil {
				vp.reserve = map[*Site]int{}
			}
			for _, s := range vp.Sites {
				late := 0
				for _, w := range vp.siteWindows[s] {
					if !w.Students && w.Start.Compare(planned) >= 0 {
						late += w.People()
					}
				}
				if late > 0 {
					vp.reserve[s] += (late+len(dt.main)-1)/len(dt.main) + 1
				}
			}
			if pl.fits(vp, bs, sites, final) {
				continue
			}
			vp.reserve = saved
		}
		k := sort.SearchStrings(ends, final)
		if k+1 >= len(ends) || !pl.fits(vp, bs, sites, ends[k+1]) {
			break
		}
		final = ends[k+1]
		if end != "auto" && vp.Shortage == "" {
			vp.Shortage = fmt.Sprintf("the day cannot hold everyone by %s with %d desks, whole floors per window: ending at %s would fit", end, p.Desks, final)
		}
	}
	if vp.Shortage != "" && !strings.Contains(vp.Shortage, "ending at "+final) {
		vp.Shortage += fmt.Sprintf("; whole floors per window need until %s", final)
	}
	if end != "auto" && vp.Shortage != "" {
		pl.warn("%s: %s (planned to end at %s instead)", v, vp.Shortage, final)
	}
	if vp.Canopy != nil {
		vp.Canopy.End, vp.Canopy.Canopies = final, 0
		for _, k := range vp.Canopies {
			vp.Canopy.Canopies += k
		}
		pl.warn("wet: %s", vp.Canopy)
	}
	vp.Routes = vp.routes(n, p.RainFactor)
	vp.Posts = vp.posts(c, p)
	vp.Visit = vp.visits(c, n, p)
	return vp, nil
}

// mustHM is the minutes past midnight of an HH:MM that Params.check
// already accepted.
func mustHM(s string) int {
	t, _ := time.Parse("15:04", s)
	return t.Hour()*60 + t.Minute()
}
