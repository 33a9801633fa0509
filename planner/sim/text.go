package sim

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Assumptions states a run's parameters in words, for the report's head.
func (p Params) Assumptions(planRate float64) []string {
	rate := planRate
	src := "the plan's"
	if p.Rate > 0 && p.Rate != planRate {
		rate, src = p.Rate, "given"
	}
	party := "party sizes drawn around each building's residents per household"
	if p.PartyMean > 0 {
		party = fmt.Sprintf("party sizes drawn around %g", p.PartyMean)
	}
	if p.PartyMax > 0 {
		party += fmt.Sprintf(", at most %d", p.PartyMax)
	}
	arr := "booked parties aim at a uniform random time in their window"
	if p.Even {
		arr = "booked parties aim at even steps through their window"
	}
	return []string{
		fmt.Sprintf("one sample takes %.0f s on average (%s rate %g a desk an hour), spread cv %g (0 fixed, 1 exponential)", 3600/rate, src, rate, p.ServiceCV),
		fmt.Sprintf("%s; %.0f%% come early by ~%g min, %.0f%% late by ~%g min (exponential, cut at 4 times the mean)", arr, 100*p.EarlyShare, float64(p.EarlyMean), 100*p.LateShare, float64(p.LateMean)),
		fmt.Sprintf("%.0f%% of parties never come, %.0f%% come unbooked at any time of their site's day; %s", 100*p.NoShowShare, 100*p.WalkinShare, party),
		fmt.Sprintf("walking times are the plan's routes at a speed spread cv %g; the way back is not timed", p.SpeedCV),
		fmt.Sprintf("check-in opens %g min before a window and closes %g min after it (later arrivals are booked again on the spot); a full line turns parties back to wait at their building until the caller there sends them", float64(p.Early), float64(p.Grace)),
		fmt.Sprintf("%d runs, seeds %d to %d; figures are the mean over runs, [least-greatest] where they differ", p.Runs, p.Seed, p.Seed+int64(p.Runs)-1),
	}
}

// WriteText writes the report as terminal tables.
func WriteText(w io.Writer, rep *Report, planRate float64) error {
	fmt.Fprintf(w, "natq simulate: %s\n", rep.Compound)
	for _, a := range rep.Params.Assumptions(planRate) {
		fmt.Fprintf(w, "  - %s\n", a)
	}
	base := map[string]*Scenario{}
	for _, sc := range rep.Scenarios {
		if sc.Base == "" {
			base[sc.Name] = sc
		}
	}
	for _, sc := range rep.Scenarios {
		fmt.Fprintf(w, "\n== %s ==\n", sc.Name)
		if sw := sc.Switch; sw != nil {
			fmt.Fprintf(w, "rain switch at %s: %s tickets moved to the wet variant, %s of them to another time (the queue service's rule)\n",
				sw.At.Format("15:04"), num(sw.Moved, "%.0f"), num(sw.Retimed, "%.0f"))
			// One line, not one a run: what the first refusal was, and in
			// how many runs.
			if k := len(sw.Refused); k > 0 {
				fmt.Fprintf(w, "  the queue would refuse the switch in %d of %d runs, which stayed dry (%s", k, rep.Params.Runs, sw.Refused[0])
				if k > 1 {
					fmt.Fprintf(w, "; and %d more", k-1)
				}
				fmt.Fprintln(w, ")")
			}
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "site\tdesks\tmarkers\tpeople\tmax line\tmax demand\tover markers\twait p50\twait p95\twait max\t>20 min\t>30 min\tdesks busy\tlast sampled\tturned back\t")
		for _, s := range sc.Sites {
			over := "never"
			if s.Markers > 0 {
				over = fmt.Sprintf("never (peak %.0f%%)", 100*s.MaxDemand.Max/float64(s.Markers))
			}
			if s.OverMinutes.Max > 0 {
				over = fmt.Sprintf("%s min, by %s", num(s.OverMinutes, "%.0f"), num(s.OverBy, "%.0f"))
			}
			desks, markers := s.over(func(c SiteChange) int { return c.Desks }), s.over(func(c SiteChange) int { return c.Markers })
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Site, desks, markers,
				num(s.People, "%.0f"), num(s.MaxLine, "%.0f"), num(s.MaxDemand, "%.0f"), over,
				num(s.WaitP50, "%.1f"), num(s.WaitP95, "%.1f"), num(s.WaitMax, "%.1f"),
				pct(s.Over20), pct(s.Over30), pct(s.Utilisation), clock(s.LastSampled), num(s.TurnedBack, "%.0f"))
		}
		tw.Flush()
		for _, s := range sc.Sites {
			if s.Unsampled.Max > 0 {
				fmt.Fprintf(w, "%s: %s people were never sampled: the day ended with no desk for them; their waits are in no figure above\n",
					s.Site, num(s.Unsampled, "%.0f"))
			}
			if s.TurnedBack.Max > 0 {
				fmt.Fprintf(w, "%s: the line guard held %s people at their buildings, for up to %s min (p95 %s)\n", s.Site,
					num(s.TurnedBack, "%.0f"), num(s.HeldMax, "%.0f"), num(s.HeldP95, "%.0f"))
			}
		}
		fmt.Fprintln(w, "(waits in minutes, against the local caps of 20-30 min; line = people checked in or called, as the queue counts them; demand adds those held at their buildings)")
		watch := 0
		for _, wr := range sc.Windows {
			if wr.Booked == 0 && wr.People.Max == 0 {
				continue
			}
			if wr.WaitP95.Mean <= 20 && wr.TurnedBack.Max == 0 {
				continue
			}
			if watch == 0 {
				fmt.Fprintln(w, "windows to watch (wait p95 over 20 min, or people turned back):")
			}
			watch++
			if watch > 12 {
				continue
			}
			fmt.Fprintf(w, "  %s %s-%s  booked %d  wait p95 %s max %s  max line %s  turned back %s\n", wr.Site,
				wr.Start.Format("15:04"), wr.End.Format("15:04"), wr.Booked, num(wr.WaitP95, "%.0f"), num(wr.WaitMax, "%.0f"),
				num(wr.MaxLine, "%.0f"), num(wr.TurnedBack, "%.0f"))
		}
		if watch > 12 {
			fmt.Fprintf(w, "  ... and %d more (see the JSON report)\n", watch-12)
		}
		if b := base[sc.Base]; b != nil {
			compare(w, b, sc)
		}
	}
	return nil
}

// compare writes what a what-if changed against its base, site by site.
func compare(w io.Writer, b, sc *Scenario) {
	fmt.Fprintf(w, "against %s:\n", b.Name)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  site\tmax demand\tminutes over markers\twait p95\twait max\tturned back\tlast sampled")
	bs := map[string]*SiteReport{}
	for _, s := range b.Sites {
		bs[s.Site] = s
	}
	for _, s := range sc.Sites {
		x := bs[s.Site]
		if x == nil {
			x = &SiteReport{}
		}
		arrow := func(a, b Stat, f string) string {
			return fmt.Sprintf(f+" -> "+f, a.Mean, b.Mean)
		}
		fmt.Fprintf(tw, "  %s\t%s (markers %d)\t%s\t%s\t%s\t%s\t%s -> %s\n", s.Site, arrow(x.MaxDemand, s.MaxDemand, "%.0f"), s.Markers,
			arrow(x.OverMinutes, s.OverMinutes, "%.0f"), arrow(x.WaitP95, s.WaitP95, "%.1f"), arrow(x.WaitMax, s.WaitMax, "%.1f"),
			arrow(x.TurnedBack, s.TurnedBack, "%.0f"), clock(x.LastSampled), clock(s.LastSampled))
	}
	tw.Flush()
}

func num(s Stat, f string) string {
	m := fmt.Sprintf(f, s.Mean)
	lo, hi := fmt.Sprintf(f, s.Min), fmt.Sprintf(f, s.Max)
	if lo == hi {
		return m
	}
	return m + " [" + lo + "-" + hi + "]"
}

func pct(s Stat) string {
	if math.Round(s.Max*100) == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", 100*s.Mean)
}

// clock writes minutes after midnight as HH:MM.
func clock(s Stat) string {
	if s.Max == 0 && s.Min == 0 {
		return "-"
	}
	f := func(m float64) string { return fmt.Sprintf("%02d:%02d", int(m)/60, int(m)%60) }
	if f(s.Min) == f(s.Max) {
		return f(s.Mean)
	}
	return f(s.Mean) + " [" + strings.TrimSpace(f(s.Min)) + "-" + f(s.Max) + "]"
}

// over is what the site had of one figure (desks, markers) over the day,
// "2, 1 from 08:30": at the start, then at each change of it.
func (s *SiteReport) over(of func(SiteChange) int) string {
	v := of(SiteChange{Desks: s.Desks, Markers: s.Markers})
	out := strconv.Itoa(v)
	for _, c := range s.Changes {
		if n := of(c); n != v {
			out += fmt.Sprintf(", %d from %s", n, c.At.Format("15:04"))
			v = n
		}
	}
	return out
}
