package queue

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Plan is what the queue service needs of a plan file (planner/PLANFILE.md):
// the compound, the day, each variant's windows, sites and buildings. It is
// read here rather than through the planner package so that the service
// depends only on the file contract.
type Plan struct {
	Compound  Compound
	Date      string         // the round: the plan's day, YYYY-MM-DD
	TZ        *time.Location // the compound's time zone
	Windows   []Window       // every window of every variant, by start then site
	Sites     []Site         // every site of every variant
	Buildings []Building     // one per building id (the dry copy when there are two)
	Variants  []string       // variants that have windows, dry first
}

// Compound is a residential compound: one plan, one queue.
type Compound struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Window is one time window of one site in one variant. Its Index is its
// position in the plan's schedule, and names it in Redis.
type Window struct {
	Index    int
	Variant  string
	Site     string
	Start    time.Time
	End      time.Time
	Capacity int // people admitted, from the plan's schedule, exactly
	Groups   []Group
}

// Group is who a window calls: a building, or one unit of it.
type Group struct {
	Building string `json:"building"`
	Unit     string `json:"unit,omitempty"`
	People   int    `json:"people"`
}

// Site is a sampling point of one variant.
type Site struct {
	ID           string
	Name         string
	Variant      string
	Sheltered    bool
	Desks        int
	LineCapacity int // markers on its one-metre line
}

// Building is a building of the compound with the residents the plan expects.
type Building struct {
	ID         string
	Name       string
	Residents  int
	Households int
	Units      int
	Levels     int // floors, from building:levels; 0 when the plan does not say
}

// PlanError is a plan file the service cannot use; it is bad input.
type PlanError struct{ Msg string }

func (e *PlanError) Error() string { return "queue: plan: " + e.Msg }

// BadInput marks a PlanError as the user's input being wrong (exit status 2).
func (e *PlanError) BadInput() bool { return true }

func planErrorf(format string, a ...any) error { return &PlanError{fmt.Sprintf(format, a...)} }

var idRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

type planFile struct {
	Type     string `json:"type"`
	Compound *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"natq:compound"`
	Params *struct {
		Date string `json:"date"`
		TZ   string `json:"tz"`
	} `json:"natq:params"`
	Schedule []struct {
		Variant  string  `json:"variant"`
		Site     string  `json:"site"`
		Start    string  `json:"start"`
		End      string  `json:"end"`
		Capacity *int    `json:"capacity"`
		Groups   []Group `json:"groups"`
	} `json:"natq:schedule"`
	Features []struct {
		Properties map[string]any `json:"properties"`
	} `json:"features"`
}

// LoadPlan reads a plan file. Errors name what is wrong and where.
func LoadPlan(r io.Reader) (*Plan, error) {
	var f planFile
	if err := json.NewDecoder(r).Decode(&f); err != nil {
		return nil, planErrorf("not JSON: %v", err)
	}
	if f.Type != "FeatureCollection" {
		return nil, planErrorf("type is %q, want FeatureCollection", f.Type)
	}
	if f.Compound == nil || !idRE.MatchString(f.Compound.ID) {
		return nil, planErrorf(`"natq:compound" missing or its id is not [A-Za-z0-9_.-]`)
	}
	if f.Params == nil || f.Params.Date == "" {
		return nil, planErrorf(`"natq:params".date missing`)
	}
	p := &Plan{Compound: Compound{ID: f.Compound.ID, Name: f.Compound.Name}, Date: f.Params.Date}
	if _, err := time.Parse("2006-01-02", p.Date); err != nil {
		return nil, planErrorf(`"natq:params".date %q is not YYYY-MM-DD`, p.Date)
	}
	p.TZ = time.UTC
	if f.Params.TZ != "" {
		loc, err := time.LoadLocation(f.Params.TZ)
		if err != nil {
			return nil, planErrorf(`"natq:params".tz %q: %v`, f.Params.TZ, err)
		}
		p.TZ = loc
	}
	variants := map[string]bool{}
	for i, s := range f.Schedule {
		at := fmt.Sprintf(`"natq:schedule"[%d]`, i)
		if s.Variant != "dry" && s.Variant != "wet" {
			return nil, planErrorf("%s: variant %q, want dry or wet", at, s.Variant)
		}
		if !idRE.MatchString(s.Site) {
			return nil, planErrorf("%s: site %q is not an id", at, s.Site)
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
		if s.Capacity == nil || *s.Capacity < 0 {
			return nil, planErrorf("%s: capacity missing or negative", at)
		}
		for j, g := range s.Groups {
			if g.Building == "" || strings.Contains(g.Building+g.Unit, "|") {
				return nil, planErrorf("%s.groups[%d]: building missing or not an id", at, j)
			}
		}
		variants[s.Variant] = true
		p.Windows = append(p.Windows, Window{Index: i, Variant: s.Variant, Site: s.Site,
			Start: start, End: end, Capacity: *s.Capacity, Groups: s.Groups})
	}
	if len(p.Windows) == 0 {
		return nil, planErrorf(`"natq:schedule" has no windows`)
	}
	for _, v := range []string{"dry", "wet"} {
		if variants[v] {
			p.Variants = append(p.Variants, v)
		}
	}
	sort.SliceStable(p.Windows, func(i, j int) bool {
		a, b := p.Windows[i], p.Windows[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.Index < b.Index
	})
	seenB := map[string]bool{}
	for i, ft := range f.Features {
		pr := ft.Properties
		switch str(pr, "natq:kind") {
		case "site":
			s := Site{ID: str(pr, "natq:site"), Name: str(pr, "name"), Variant: str(pr, "natq:variant"),
				Sheltered: pr["natq:sheltered"] == true, Desks: num(pr, "natq:desks"), LineCapacity: num(pr, "natq:line_capacity")}
			if !idRE.MatchString(s.ID) {
				return nil, planErrorf("features[%d]: site without a natq:site id", i)
			}
			p.Sites = append(p.Sites, s)
		case "building":
			b := Building{ID: str(pr, "natq:building"), Name: str(pr, "name"), Residents: num(pr, "natq:residents"),
				Households: num(pr, "natq:households"), Units: num(pr, "natq:units"), Levels: num(pr, "natq:levels")}
			if !idRE.MatchString(b.ID) {
				return nil, planErrorf("features[%d]: building without a natq:building id", i)
			}
			if !seenB[b.ID] {
				seenB[b.ID] = true
				p.Buildings = append(p.Buildings, b)
			}
		}
	}
	for _, w := range p.Windows {
		if p.site(w.Variant, w.Site) == nil {
			// A schedule naming a site the features lack still works; its
			// line is then as long as the largest window it serves.
			p.Sites = append(p.Sites, Site{ID: w.Site, Variant: w.Variant})
		}
	}
	for i := range p.Sites {
		s := &p.Sites[i]
		if s.LineCapacity == 0 {
			for _, w := range p.Windows {
				if w.Variant == s.Variant && w.Site == s.ID && w.Capacity > s.LineCapacity {
					s.LineCapacity = w.Capacity
				}
			}
		}
	}
	return p, nil
}

func (p *Plan) site(variant, id string) *Site {
	for i := range p.Sites {
		if p.Sites[i].Variant == variant && p.Sites[i].ID == id {
			return &p.Sites[i]
		}
	}
	return nil
}

// hasSite reports whether id is a site of any variant.
func (p *Plan) hasSite(id string) bool {
	for _, s := range p.Sites {
		if s.ID == id {
			return true
		}
	}
	return false
}

// candidates returns the windows of variant that call building's unit, by
// start: groups naming the building and, when they name a unit, that unit.
func (p *Plan) candidates(variant, building, unit string) []Window {
	var out []Window
	for _, w := range p.Windows {
		if w.Variant != variant {
			continue
		}
		for _, g := range w.Groups {
			if g.Building == building && (g.Unit == "" || g.Unit == unit) {
				out = append(out, w)
				break
			}
		}
	}
	return out
}

// knows reports whether any window of any variant calls building, and
// whether unit is one of its units: any unit when no group of the building
// names one, else one of those named.
func (p *Plan) knows(building, unit string) (b, u bool) {
	units := map[string]bool{}
	for _, w := range p.Windows {
		for _, g := range w.Groups {
			if g.Building == building {
				b = true
				if g.Unit != "" {
					units[g.Unit] = true
				}
			}
		}
	}
	return b, len(units) == 0 || units[unit]
}

// window returns the window with schedule index i.
func (p *Plan) window(i int) (Window, bool) {
	for _, w := range p.Windows {
		if w.Index == i {
			return w, true
		}
	}
	return Window{}, false
}

func str(m map[string]any, k string) string {
	switch v := m[k].(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	}
	return ""
}

func num(m map[string]any, k string) int {
	if v, ok := m[k].(float64); ok {
		return int(v)
	}
	return 0
}

// Fingerprint identifies the plan's schedule: the windows, their
// capacities and groups, in schedule order. A round is bound to it.
func (p *Plan) Fingerprint() string {
	ws := slices.Clone(p.Windows)
	sort.Slice(ws, func(i, j int) bool { return ws[i].Index < ws[j].Index })
	h := sha256.New()
	for _, w := range ws {
		fmt.Fprintf(h, "%d|%s|%s|%d|%d|%d", w.Index, w.Variant, w.Site, w.Start.UnixMilli(), w.End.UnixMilli(), w.Capacity)
		for _, g := range w.Groups {
			fmt.Fprintf(h, "|%s/%s", g.Building, g.Unit)
		}
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
