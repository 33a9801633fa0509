package sim

// This file is the one place the simulator reads a plan file
// (planner/PLANFILE.md). It decodes only the members the model needs, so
// that it can be switched to the typed plan-file package in one edit.

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"
)

// PlanError is a plan file the simulator cannot use; it is bad input.
type PlanError struct{ Msg string }

func (e *PlanError) Error() string { return "sim: plan: " + e.Msg }

// BadInput marks the error as the user's input being wrong (exit status 2).
func (e *PlanError) BadInput() bool { return true }

func planErrorf(format string, a ...any) error { return &PlanError{fmt.Sprintf(format, a...)} }

type planFile struct {
	Type     string `json:"type"`
	Compound struct {
		ID string `json:"id"`
	} `json:"natq:compound"`
	Params struct {
		Date      string  `json:"date"`
		TZ        string  `json:"tz"`
		Rate      float64 `json:"rate"`
		WalkSpeed float64 `json:"walk_speed"`
	} `json:"natq:params"`
	Schedule []struct {
		Variant  string `json:"variant"`
		Site     string `json:"site"`
		Start    string `json:"start"`
		End      string `json:"end"`
		Capacity int    `json:"capacity"`
		Groups   []struct {
			Building string `json:"building"`
			Unit     string `json:"unit"`
			People   int    `json:"people"`
		} `json:"groups"`
	} `json:"natq:schedule"`
	Features []struct {
		ID         any `json:"id"`
		Properties struct {
			Kind       string  `json:"natq:kind"`
			Variant    string  `json:"natq:variant"`
			Site       string  `json:"natq:site"`
			Name       string  `json:"name"`
			Desks      int     `json:"natq:desks"`
			Markers    int     `json:"natq:line_capacity"`
			Building   string  `json:"natq:building"`
			Residents  int     `json:"natq:residents"`
			Households int     `json:"natq:households"`
			Entrance   string  `json:"natq:entrance"`
			Direction  string  `json:"natq:direction"`
			WalkS      float64 `json:"natq:walk_s"`
			Ref        any     `json:"ref"`
		} `json:"properties"`
	} `json:"features"`
}

// ReadPlan reads a plan file into a Day. Errors name what is wrong and
// where.
func ReadPlan(r io.Reader) (*Day, error) {
	var f planFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, planErrorf("not a plan file (JSON): %v", err)
	}
	if f.Type != "FeatureCollection" {
		return nil, planErrorf("type is %q, want FeatureCollection", f.Type)
	}
	d := &Day{Compound: f.Compound.ID, Rate: f.Params.Rate, WalkSpeed: f.Params.WalkSpeed,
		Buildings: map[string]Building{}, TZ: time.UTC}
	if f.Params.TZ != "" {
		l, err := time.LoadLocation(f.Params.TZ)
		if err != nil {
			return nil, planErrorf(`"natq:params".tz %q: %v`, f.Params.TZ, err)
		}
		d.TZ = l
	}
	if f.Params.Date != "" {
		t, err := time.ParseInLocation("2006-01-02", f.Params.Date, d.TZ)
		if err != nil {
			return nil, planErrorf(`"natq:params".date %q is not YYYY-MM-DD`, f.Params.Date)
		}
		d.Date = t
	}
	if d.Rate <= 0 {
		return nil, planErrorf(`"natq:params".rate (samples per desk per hour) missing or not positive`)
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
	for i, s := range f.Schedule {
		at := fmt.Sprintf(`"natq:schedule"[%d]`, i)
		if s.Variant != "dry" && s.Variant != "wet" {
			return nil, planErrorf("%s: variant %q, want dry or wet", at, s.Variant)
		}
		start, err := time.Parse(time.RFC3339, s.Start)
		if err != nil {
			return nil, planErrorf("%s: start: %v", at, err)
		}
		end, err := time.Parse(time.RFC3339, s.End)
		if err != nil {
			return nil, planErrorf("%s: end: %v", at, err)
		}
		if !end.After(start) {
			return nil, planErrorf("%s: end %s is not after start %s", at, s.End, s.Start)
		}
		if s.Site == "" || s.Capacity < 0 {
			return nil, planErrorf("%s: site missing or capacity negative", at)
		}
		w := Window{Index: i, Site: s.Site, Start: start, End: end, Capacity: s.Capacity}
		for j, g := range s.Groups {
			if g.Building == "" || g.People < 0 {
				return nil, planErrorf("%s.groups[%d]: building missing or people negative", at, j)
			}
			w.Groups = append(w.Groups, Group{Building: g.Building, Unit: g.Unit, People: g.People})
		}
		v := variant(s.Variant)
		v.Windows = append(v.Windows, w)
	}
	if len(vars) == 0 {
		return nil, planErrorf(`"natq:schedule" has no windows`)
	}
	unitOf := map[string]string{} // entrance id -> unit
	type walkKey struct{ variant, key string }
	sum, cnt := map[walkKey]float64{}, map[walkKey]int{}
	for _, ft := range f.Features {
		if pr := ft.Properties; pr.Kind == "entrance" {
			if id, ok := ft.ID.(string); ok {
				unitOf[id] = fmt.Sprint(refString(pr.Ref))
			}
		}
	}
	for i, ft := range f.Features {
		pr := ft.Properties
		switch pr.Kind {
		case "site":
			if pr.Variant == "" || pr.Site == "" {
				return nil, planErrorf("features[%d]: site without natq:site or natq:variant", i)
			}
			if pr.Desks < 0 || pr.Markers < 0 {
				return nil, planErrorf("features[%d]: site %s: negative desks or line capacity", i, pr.Site)
			}
			v := variant(pr.Variant)
			v.Sites = append(v.Sites, Site{ID: pr.Site, Name: pr.Name, Desks: pr.Desks, Markers: pr.Markers})
		case "building":
			if _, ok := d.Buildings[pr.Building]; !ok && pr.Building != "" {
				d.Buildings[pr.Building] = Building{Residents: pr.Residents, Households: pr.Households}
			}
			if pr.Variant != "" && pr.Site != "" {
				variant(pr.Variant).Home[pr.Building] = pr.Site
			}
		case "route":
			if pr.Direction != "to" || pr.Variant == "" || pr.Building == "" {
				continue
			}
			if pr.WalkS < 0 {
				return nil, planErrorf("features[%d]: route of %s: negative natq:walk_s", i, pr.Building)
			}
			keys := []string{pr.Building + "|"}
			if u := unitOf[pr.Entrance]; u != "" {
				keys = append(keys, pr.Building+"|"+u)
			}
			for _, k := range keys {
				sum[walkKey{pr.Variant, k}] += pr.WalkS
				cnt[walkKey{pr.Variant, k}]++
			}
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

func refString(x any) string {
	switch v := x.(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	}
	return ""
}
