package planner

import (
	"fmt"
	"io"
	"math"
	"time"

	"natq/planner/planfile"
)

// The national guidance a plan is held to, in this file: China's National
// Health Commission (May 2022) sized sampling at one site per 2,000-3,000
// residents and one desk per 600-800, within a 15-minute walk; local rules
// capped the wait in line at 20-30 minutes. Each variant's figures are
// set against it, and a plan outside it warns.
const (
	GuidanceSiteResidentsMin = 2000 // residents per site
	GuidanceSiteResidentsMax = 3000
	GuidanceDeskResidentsMin = 600 // residents per desk
	GuidanceDeskResidentsMax = 800
	GuidanceWalk             = 15 * time.Minute // the longest walk to a site
	GuidanceWaitMin          = 20 * time.Minute // the strictest local cap on the wait in line
	GuidanceWaitMax          = 30 * time.Minute // the most lenient
)

// Guidance is one variant's figures against the national guidance.
type Guidance struct {
	Residents        int     // residents who walk to a site
	Sites, Desks     int     // in use
	ResidentsPerSite float64 // 2,000-3,000
	ResidentsPerDesk float64 // 600-800
	// LongestWalk is the longest route from a door to its site at the
	// plan's walking speed: 15 minutes at most.
	LongestWalk time.Duration
	// LongestWait is the longest expected wait in line, before any
	// simulation: if a full window's people all come at its first
	// minute, the last of them waits its capacity over what its site's
	// desks sample an hour. 20-30 minutes at most.
	LongestWait time.Duration
	// DesksNeeded is the fewest desks that bring residents per desk
	// within the guidance, when the plan has fewer; else 0.
	DesksNeeded int
	// SitesNeeded likewise for residents per site.
	SitesNeeded int
}

// Guidance sets variant vp's figures against the national guidance.
func (pl *Plan) Guidance(vp *VariantPlan) Guidance {
	p := pl.Params
	var g Guidance
	for b := range vp.Site {
		g.Residents += vp.load[b]
	}
	for _, d := range vp.Desks {
		if d > 0 {
			g.Sites++
			g.Desks += d
		}
	}
	if g.Sites > 0 {
		g.ResidentsPerSite = float64(g.Residents) / float64(g.Sites)
		g.ResidentsPerDesk = float64(g.Residents) / float64(g.Desks)
	}
	if g.ResidentsPerDesk > GuidanceDeskResidentsMax {
		g.DesksNeeded = int(math.Ceil(float64(g.Residents) / GuidanceDeskResidentsMax))
	}
	if g.ResidentsPerSite > GuidanceSiteResidentsMax {
		g.SitesNeeded = int(math.Ceil(float64(g.Residents) / GuidanceSiteResidentsMax))
	}
	for _, r := range vp.Routes {
		if r.Direction == "to" && p.WalkSpeed > 0 {
			g.LongestWalk = max(g.LongestWalk, time.Duration(r.Length/p.WalkSpeed*float64(time.Second)))
		}
	}
	for _, w := range vp.Windows {
		if d := vp.Desks[w.Site]; d > 0 && p.Rate > 0 {
			h := float64(w.Capacity) / float64(d*p.Rate)
			g.LongestWait = max(g.LongestWait, time.Duration(h*float64(time.Hour)))
		}
	}
	return g
}

// Breaches are the ways the figures fall outside the guidance, each as a
// warning a committee can act on. Fewer residents per site or desk than
// the guidance sizes for is no breach: more desks than needed only
// shorten the day.
func (g Guidance) Breaches() []string {
	var out []string
	if g.ResidentsPerSite > GuidanceSiteResidentsMax {
		out = append(out, fmt.Sprintf("%.0f residents per site, above the national guidance of one site per %d-%d residents: %d sites would meet it",
			g.ResidentsPerSite, GuidanceSiteResidentsMin, GuidanceSiteResidentsMax, g.SitesNeeded))
	}
	if g.ResidentsPerDesk > GuidanceDeskResidentsMax {
		out = append(out, fmt.Sprintf("%.0f residents per desk, above the national guidance of one desk per %d-%d residents: %d desks would meet it (%d in use)",
			g.ResidentsPerDesk, GuidanceDeskResidentsMin, GuidanceDeskResidentsMax, g.DesksNeeded, g.Desks))
	}
	if g.LongestWalk > GuidanceWalk {
		out = append(out, fmt.Sprintf("the longest walk to a site takes %s, beyond the national guidance of a %s walk: add a site nearer the far buildings",
			fmtMin(g.LongestWalk), fmtMin(GuidanceWalk)))
	}
	if g.LongestWait > GuidanceWaitMin {
		out = append(out, fmt.Sprintf("the longest expected wait in line is %s (a full window over its desks' rate), beyond the %s-%s local rules allow: shorten --window or add desks",
			fmtMin(g.LongestWait), fmtMin(GuidanceWaitMin), fmtMin(GuidanceWaitMax)))
	}
	return out
}

func fmtMin(d time.Duration) string { return fmt.Sprintf("%.0f min", math.Round(d.Minutes())) }

// guidanceReport adds the guidance figures, and what canopies bought, to
// one variant's natq:report.
func (pl *Plan) guidanceReport(vp *VariantPlan) (*planfile.Guidance, *planfile.CanopyTrade) {
	g := pl.Guidance(vp)
	fg := &planfile.Guidance{
		ResidentsPerSite: math.Round(g.ResidentsPerSite), ResidentsPerSiteRange: []int{GuidanceSiteResidentsMin, GuidanceSiteResidentsMax},
		ResidentsPerDesk: math.Round(g.ResidentsPerDesk), ResidentsPerDeskRange: []int{GuidanceDeskResidentsMin, GuidanceDeskResidentsMax},
		LongestWalkMin: round1(g.LongestWalk.Minutes()), WalkCapMin: GuidanceWalk.Minutes(),
		LongestWaitMin: round1(g.LongestWait.Minutes()), WaitCapMin: []float64{GuidanceWaitMin.Minutes(), GuidanceWaitMax.Minutes()},
		DesksNeeded: g.DesksNeeded, SitesNeeded: g.SitesNeeded,
		Breaches: append([]string{}, g.Breaches()...),
	}
	c := vp.Canopy
	if c == nil {
		return fg, nil
	}
	trade := &planfile.CanopyTrade{Canopies: c.Canopies, End: c.End, SavedMin: c.Saved().Minutes(), Text: c.String(), ShelteredEnd: c.ShelteredEnd}
	if c.OnHand >= 0 {
		onHand := c.OnHand
		trade.OnHand = &onHand
	}
	return fg, trade
}

// warnGuidance warns of every breach of the guidance, variant by variant.
func (pl *Plan) warnGuidance() {
	for _, vp := range pl.Variants {
		for _, b := range pl.Guidance(vp).Breaches() {
			pl.warn("%s: %s", vp.Variant, b)
		}
	}
}

// writeGuidance prints each variant's figures against the guidance under
// the summary's table, and what canopies bought.
func writeGuidance(w io.Writer, pl *Plan) {
	for _, vp := range pl.Variants {
		g := pl.Guidance(vp)
		fmt.Fprintf(w, "  %s 国家指引 guidance: %.0f residents/site (%d-%d), %.0f/desk (%d-%d), walk ≤ %s (%s), wait ≤ %s (%s-%s)\n",
			vp.Variant, g.ResidentsPerSite, GuidanceSiteResidentsMin, GuidanceSiteResidentsMax,
			g.ResidentsPerDesk, GuidanceDeskResidentsMin, GuidanceDeskResidentsMax,
			fmtMin(g.LongestWalk), fmtMin(GuidanceWalk), fmtMin(g.LongestWait), fmtMin(GuidanceWaitMin), fmtMin(GuidanceWaitMax))
		if vp.Canopy != nil {
			fmt.Fprintf(w, "  %s 雨棚 canopies: %s\n", vp.Variant, vp.Canopy)
		}
	}
}
