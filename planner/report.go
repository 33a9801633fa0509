package planner

import (
	"fmt"
	"io"
	"time"
)

// VariantReport is one variant's figures.
type VariantReport struct {
	Residents, Scheduled, DoorToDoor, Unrouted int
	Sites, Desks                               int
	Start, End                                 time.Time
	Makespan, LowerMakespan                    time.Duration
	Walk                                       WalkStats
	UncoveredRouteM, UncoveredLineM            float64
	Canopies, Staff                            int
	StaffByRole                                map[string]int
	Objective, LowerBound, Gap                 float64
	Exact                                      bool
	Shortage                                   string
}

// Figures computes a variant's report.
func (pl *Plan) Figures(vp *VariantPlan) VariantReport {
	p := pl.Params
	r := VariantReport{StaffByRole: map[string]int{}, Objective: vp.Objective, LowerBound: vp.LowerBound, Exact: vp.Exact, Shortage: vp.Shortage}
	for _, b := range pl.Compound.Buildings {
		r.Residents += b.Residents
		if b.Sealed {
			r.DoorToDoor += b.Residents
		} else if b.Residents > 0 && vp.Site[b] == nil {
			r.Unrouted += b.Residents
		}
	}
	for b := range vp.Site {
		r.Scheduled += vp.load[b]
	}
	r.DoorToDoor += r.Residents - r.DoorToDoor - r.Unrouted - r.Scheduled
	for s, d := range vp.Desks {
		if d > 0 {
			r.Sites++
			r.Desks += d
			if !s.Sheltered && vp.Variant == Wet {
				r.UncoveredLineM += s.Layout.Length
			}
		}
	}
	for _, c := range vp.Canopies {
		r.Canopies += c
	}
	if len(vp.Windows) > 0 {
		r.Start = vp.Windows[0].Start
		for _, w := range vp.Windows {
			if w.Start.Before(r.Start) {
				r.Start = w.Start
			}
		}
		r.End = vp.End
		r.Makespan = vp.mainEnd().Sub(r.Start)
	}
	if p.Desks > 0 && p.Rate > 0 {
		h := float64(r.Scheduled) * (1 - p.StudentShare) / float64(p.Desks*p.Rate)
		r.LowerMakespan = time.Duration(h * float64(time.Hour))
	}
	r.Walk = vp.Walking(p.WalkSpeed)
	for _, rt := range vp.Routes {
		if rt.Direction == "to" {
			r.UncoveredRouteM += rt.Uncovered
		}
	}
	for _, po := range vp.Posts {
		r.StaffByRole[po.Role]++
		r.Staff++
	}
	if vp.Visit != nil {
		r.StaffByRole["door-to-door"] = 2
		r.Staff += 2
	}
	if r.LowerBound > 0 {
		r.Gap = (r.Objective - r.LowerBound) / r.LowerBound
	}
	return r
}

// mainEnd is when the last non-students' window with people ends.
func (vp *VariantPlan) mainEnd() time.Time {
	var t time.Time
	for _, w := range vp.Windows {
		if !w.Students && w.People() > 0 && w.End.After(t) {
			t = w.End
		}
	}
	return t
}

// WriteSummary prints a plan's report as a table a coordinator can read,
// Chinese and English.
func WriteSummary(w io.Writer, pl *Plan) {
	c := pl.Compound
	fmt.Fprintf(w, "%s (%s)\n", c.Name, c.ID)
	var rs []VariantReport
	fmt.Fprintf(w, "  %-34s", "")
	for _, vp := range pl.Variants {
		rs = append(rs, pl.Figures(vp))
		fmt.Fprintf(w, "%16s", map[Variant]string{Dry: "晴天 dry", Wet: "雨天 wet"}[vp.Variant])
	}
	fmt.Fprintln(w)
	row := func(label string, f func(r VariantReport) string) {
		fmt.Fprintf(w, "  %-34s", label)
		for _, r := range rs {
			fmt.Fprintf(w, "%16s", f(r))
		}
		fmt.Fprintln(w)
	}
	row("居民 residents", func(r VariantReport) string { return fmt.Sprint(r.Residents) })
	row("  at sites / 上门 door to door", func(r VariantReport) string { return fmt.Sprintf("%d / %d", r.Scheduled, r.DoorToDoor) })
	row("  未安排 not routed (see warnings)", func(r VariantReport) string { return fmt.Sprint(r.Unrouted) })
	row("采样点 sites / 台 desks", func(r VariantReport) string { return fmt.Sprintf("%d / %d", r.Sites, r.Desks) })
	row("用时 makespan (lower bound)", func(r VariantReport) string {
		return fmt.Sprintf("%s (%s)", fmtDur(r.Makespan), fmtDur(r.LowerMakespan))
	})
	row("步行 walk mean / P95 / max m", func(r VariantReport) string {
		return fmt.Sprintf("%.0f/%.0f/%.0f", r.Walk.Mean, r.Walk.P95, r.Walk.Max)
	})
	row("300 m 内 within 300 m", func(r VariantReport) string { return fmt.Sprintf("%.0f%%", 100*r.Walk.Within300) })
	row("露天 uncovered m per person", func(r VariantReport) string { return fmt.Sprintf("%.0f", r.Walk.UncoveredMean) })
	row("雨棚 canopies / open line m", func(r VariantReport) string { return fmt.Sprintf("%d / %.0f", r.Canopies, r.UncoveredLineM) })
	row("人员 staff", func(r VariantReport) string { return fmt.Sprint(r.Staff) })
	row("目标 objective person-m (gap)", func(r VariantReport) string {
		if r.Exact {
			return fmt.Sprintf("%.0f (opt)", r.Objective)
		}
		return fmt.Sprintf("%.0f (%.1f%%)", r.Objective, 100*r.Gap)
	})
	writeGuidance(w, pl)
	for _, r := range rs {
		if r.Shortage != "" {
			fmt.Fprintf(w, "  ! %s\n", r.Shortage)
		}
	}
	for _, a := range pl.Assumptions {
		fmt.Fprintf(w, "  假设 assumption: %s\n", a)
	}
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
