package sim

// This file is the one place the simulator reads a plan file: through
// planner/planfile, which checks it, into the simulator's own model.

import (
	"io"
	"sort"
	"time"

	"natq/planner/errs"
	"natq/planner/planfile"
)

// planErrorf is a plan file the simulator cannot use (errs.Invalid).
func planErrorf(format string, a ...any) error { return errs.Invalidf("sim: plan: "+format, a...) }

// ReadPlan reads a plan file into a Day. Errors name what is wrong and
// where.
func ReadPlan(r io.Reader) (*Day, error) {
	f, err := planfile.Read(r)
	if err != nil {
		return nil, err
	}
	return FromFile(f)
}

// FromFile is the simulator's model of a plan file already read.
func FromFile(f *planfile.File) (*Day, error) {
	if f.Params.Rate <= 0 {
		return nil, planErrorf(`"natq:params".rate (samples per desk per hour) missing or not positive`)
	}
	if len(f.Schedule) == 0 {
		return nil, planErrorf(`"natq:schedule" has no windows`)
	}
	d := &Day{Compound: f.Compound.ID, Rate: float64(f.Params.Rate), WalkSpeed: f.Params.WalkSpeed,
		Buildings: map[string]Building{}, TZ: f.Location()}
	if f.Params.Date != "" {
		t, err := time.ParseInLocation("2006-01-02", f.Params.Date, d.TZ)
		if err != nil {
			return nil, planErrorf(`"natq:params".date %q is not YYYY-MM-DD`, f.Params.Date)
		}
		d.Date = t
	}
	vars := map[string]*Variant{}
	variant := func(name string) *Variant {
		v := vars[name]
		if v == nil {
			v = &Variant{Name: name, Walk: map[string]time.Duration{}, Home: map[string]string{}}
			vars[name] = v
		}
		return v
	}
	for _, w := range f.Schedule {
		v := variant(w.Variant)
		v.Windows = append(v.Windows, w)
	}
	for _, s := range f.Sites {
		v := variant(s.Variant)
		v.Sites = append(v.Sites, Site{ID: s.ID, Name: s.Name, Desks: s.Desks, Markers: s.LineCapacity})
	}
	for _, b := range f.Buildings {
		d.Buildings[b.ID] = Building{Residents: b.Residents, Households: b.Households}
		for vn, site := range b.Site {
			if site != "" {
				variant(vn).Home[b.ID] = site
			}
		}
	}
	unitOf := map[string]string{} // entrance id -> unit
	for _, e := range f.Entrances {
		if e.ID != "" {
			unitOf[e.ID] = e.Unit
		}
	}
	type walkKey struct{ variant, key string }
	sum, cnt := map[walkKey]float64{}, map[walkKey]int{}
	for _, r := range f.Routes {
		if r.Direction != "to" {
			continue
		}
		keys := []string{r.Building + "|"}
		if u := unitOf[r.Entrance]; u != "" {
			keys = append(keys, r.Building+"|"+u)
		}
		for _, k := range keys {
			sum[walkKey{r.Variant, k}] += r.WalkSeconds
			cnt[walkKey{r.Variant, k}]++
		}
	}
	for k, s := range sum {
		variant(k.variant).Walk[k.key] = time.Duration(s / float64(cnt[k]) * float64(time.Second))
	}
	for _, name := range []string{"dry", "wet"} {
		v := vars[name]
		if v == nil || len(v.Windows) == 0 {
			continue
		}
		sort.SliceStable(v.Windows, func(i, j int) bool {
			a, b := v.Windows[i], v.Windows[j]
			if !a.Start.Equal(b.Start) {
				return a.Start.Before(b.Start)
			}
			return a.Index < b.Index
		})
		for _, w := range v.Windows {
			if v.site(w.Site) == nil {
				return nil, planErrorf("%s window %d names site %q, which the plan's %s sites lack", name, w.Index, w.Site, name)
			}
		}
		d.Variants = append(d.Variants, v)
	}
	return d, nil
}
