package queue

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"natq/planner/errs"
	"natq/planner/planfile"
)

// Plan is what the queue service needs of a plan file (package
// planner/planfile): the compound, the day, each variant's windows, sites
// and buildings. The file is read and checked by planfile; the service
// depends on nothing else of the planner.
type Plan struct {
	File      *planfile.File
	Compound  planfile.Compound
	Date      string               // the round: the plan's day, YYYY-MM-DD
	TZ        *time.Location       // the compound's time zone
	Windows   []Window             // every window of every variant, by start then site
	Sites     []*planfile.Site     // every site of every variant
	Buildings []*planfile.Building // one per building id
	Variants  []string             // variants that have windows, dry first

	// The lookups of every booking, built once by NewPlan so that a
	// request does not scan the schedule (598 windows in the load test's
	// compound) or the buildings.
	cands     map[candKey][]int             // positions in Windows, by start; unit "" is any unit no group names
	units     map[string]map[string]bool    // building -> the units its groups name
	buildings map[string]*planfile.Building // by id
	called    map[string]string             // buildingKey of a name or number people write -> id (calledBuilding)
	sites     map[siteKey]*planfile.Site
	siteIDs   map[string]int    // site -> most desks in any variant (at least 1)
	byIndex   map[int]int       // window index -> position in Windows
	students  bool              // the plan has a students' period (indexStudents)
	lateSites map[string]string // building -> its sites by variant, "dry=s1;wet=s2" (indexLate)
	bookKeys  []string          // book.lua's keys for this round, unlimited (read only: shared by every booking)
	// The desk scripts' keys for this round, built once (read only:
	// shared by every request): check-in's, call's and sampled's for a
	// sample in no tube (sampledKeys).
	checkinKeys, callKeys, sampledNoTube []string
	// limitKeys are book.lua's keys of a limited booking in the current
	// limit window (its budgets hash is the ninth), replaced as windows
	// pass.
	limitKeys atomic.Pointer[windowKeys]
}

// windowKeys are book.lua's keys in limit window w.
type windowKeys struct {
	w    int64
	keys []string
}

// keysIn are book.lua's keys for a booking limited in window w.
func (p *Plan) keysIn(w int64) []string {
	if wk := p.limitKeys.Load(); wk != nil && wk.w == w {
		return wk.keys
	}
	keys := append(slices.Clone(p.bookKeys[:len(p.bookKeys)-1]), keysOf(p.Compound.ID).budgets(w))
	p.limitKeys.Store(&windowKeys{w, keys})
	return keys
}

// sampledKeys are sampled.lua's keys for a sample into tube ("" for none).
func (p *Plan) sampledKeys(tube string) []string {
	if tube == "" && p.sampledNoTube != nil {
		return p.sampledNoTube
	}
	k := keysOf(p.Compound.ID)
	return []string{k.tk(), k.r(p.Date, "win"), k.r(p.Date, "line"), k.r(p.Date, "occ"), k.r(p.Date, "tubes"),
		k.r(p.Date, "tube:"+tube), k.r(p.Date, "fv"), k.staff(), k.r(p.Date, "ppl")}
}

type candKey struct{ variant, building, unit string }
type siteKey struct{ id, variant string }

// Window is one time window of one site in one variant. Its Index is its
// position in the plan's schedule, and names it in Redis.
type Window = planfile.Window

// planErrorf is a plan file the service cannot use (errs.Invalid).
func planErrorf(format string, a ...any) error { return errs.Invalidf("queue: plan: "+format, a...) }

// idRE is what a compound id (and a staff token's prefix) may be: the plan
// file's ids.
var idRE = planfile.IDPattern

// LoadPlan reads a plan file. Errors name what is wrong and where.
func LoadPlan(r io.Reader) (*Plan, error) { return planfile.ReadFor(r, NewPlan) }

// NewPlan is the queue's view of a plan file already read.
func NewPlan(f *planfile.File) (*Plan, error) {
	p := &Plan{File: f, Compound: f.Compound, Date: f.Params.Date, TZ: f.Location(),
		Windows: slices.Clone(f.Schedule), Sites: f.Sites, Buildings: f.Buildings}
	k := keysOf(p.Compound.ID)
	p.bookKeys = []string{k.r(p.Date, "state"), k.r(p.Date, "hh"), k.r(p.Date, "win"),
		k.seq(), k.tk(), k.r(p.Date, "order"), k.r(p.Date, "occ"), k.r(p.Date, "bw"), k.budgets(0)}
	p.checkinKeys = []string{k.tk(), k.r(p.Date, "win"), k.r(p.Date, "line"), k.r(p.Date, "occ"), k.r(p.Date, "fv"), k.staff(),
		k.r(p.Date, "ppl")}
	p.callKeys = []string{k.tk(), k.r(p.Date, "line"), k.r(p.Date, "desk"), k.r(p.Date, "calln"), k.r(p.Date, "occ"),
		k.r(p.Date, "fv"), k.staff(), k.r(p.Date, "ppl")}
	p.sampledNoTube = p.sampledKeys("")
	if len(p.Windows) == 0 {
		return nil, planErrorf(`"natq:schedule" has no windows: nothing to book`)
	}
	variants := map[string]bool{}
	for _, w := range p.Windows {
		variants[w.Variant] = true
		for j, g := range w.Groups {
			// Tickets and Redis fields join building and unit with "|".
			if strings.Contains(g.Building+g.Unit, "|") {
				return nil, planErrorf(`"natq:schedule"[%d].groups[%d]: building or unit has a "|"`, w.Index, j)
			}
		}
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
	p.index()
	return p, nil
}

// index builds the plan's lookups.
func (p *Plan) index() {
	p.units = map[string]map[string]bool{}
	p.byIndex = make(map[int]int, len(p.Windows))
	for i, w := range p.Windows {
		p.byIndex[w.Index] = i
		for _, g := range w.Groups {
			if p.units[g.Building] == nil {
				p.units[g.Building] = map[string]bool{}
			}
			if g.Unit != "" {
				p.units[g.Building][g.Unit] = true
			}
		}
	}
	p.cands = map[candKey][]int{}
	for i, w := range p.Windows {
		// A window joins the list of each (building, unit) it calls once,
		// however many of its groups name them.
		seen := map[candKey]bool{}
		for _, g := range w.Groups {
			keys := []candKey{{w.Variant, g.Building, g.Unit}}
			if g.Unit == "" {
				// The whole building: every unit named elsewhere too.
				for u := range p.units[g.Building] {
					keys = append(keys, candKey{w.Variant, g.Building, u})
				}
			}
			for _, k := range keys {
				if !seen[k] {
					seen[k] = true
					p.cands[k] = append(p.cands[k], i)
				}
			}
		}
	}
	p.indexStudents()
	p.indexLate()
	p.buildings = make(map[string]*planfile.Building, len(p.Buildings))
	for _, b := range p.Buildings {
		if _, ok := p.buildings[b.ID]; !ok {
			p.buildings[b.ID] = b
		}
	}
	p.indexNames()
	p.sites = map[siteKey]*planfile.Site{}
	p.siteIDs = map[string]int{}
	for _, st := range p.Sites {
		if _, ok := p.sites[siteKey{st.ID, st.Variant}]; !ok {
			p.sites[siteKey{st.ID, st.Variant}] = st
		}
		p.siteIDs[st.ID] = max(p.siteIDs[st.ID], st.Desks, 1)
	}
}

func (p *Plan) site(variant, id string) *planfile.Site { return p.sites[siteKey{id, variant}] }

// bookedWindow is the window of the booking a home sample's record was
// (a ticket's "was", home.lua: "<window>|<site>|..."); false when was
// names none of the plan's.
func (p *Plan) bookedWindow(was string) (Window, bool) {
	w, _, ok := strings.Cut(was, "|")
	if !ok {
		return Window{}, false
	}
	n, err := strconv.Atoi(w)
	if err != nil {
		return Window{}, false
	}
	i, ok := p.byIndex[n]
	if !ok {
		return Window{}, false
	}
	return p.Windows[i], true
}

// siteName is site id's name in the first variant that names it.
func (p *Plan) siteName(id string) string {
	for _, x := range p.Sites {
		if x.ID == id && x.Name != "" {
			return x.Name
		}
	}
	return ""
}

// movedTo is where variant sends the buildings that site serves in
// another variant: by site, in the plan's order of buildings.
func (p *Plan) movedTo(site, variant string) []MovedTo {
	var out []MovedTo
	at := map[string]int{}
	for _, b := range p.Buildings {
		here := false
		for v, s := range b.Site {
			here = here || (v != variant && s == site)
		}
		to, ok := b.Site[variant]
		if !here || !ok || to == site {
			continue
		}
		i, seen := at[to]
		if !seen {
			i = len(out)
			at[to] = i
			m := MovedTo{Site: to}
			if x := p.site(variant, to); x != nil {
				m.SiteName = x.Name
			}
			out = append(out, m)
		}
		out[i].Buildings = append(out[i].Buildings, b.Label())
	}
	return out
}

// hasSite reports whether id is a site of any variant.
func (p *Plan) hasSite(id string) bool {
	_, ok := p.siteIDs[id]
	return ok
}

// candidates returns the windows of variant that call building's unit, by
// start, as positions in p.Windows: groups naming the building and, when
// they name a unit, that unit. The slice is the plan's own: callers must
// not change it.
func (p *Plan) candidates(variant, building, unit string) []int {
	if !p.units[building][unit] {
		unit = "" // no group names it: only the whole building's windows
	}
	return p.cands[candKey{variant, building, unit}]
}

// candKey is the household's key into the round's booking windows
// (book.lua): "building|unit", unit "" when no group names it; for a
// household's students, "building||students" (studentsUnit).
func (p *Plan) candKey(building, unit string, students bool) string {
	if students {
		return building + "|" + studentsUnit
	}
	if !p.units[building][unit] {
		unit = ""
	}
	return building + "|" + unit
}

// studentsUnit is the unit of a building's candidate key that lists the
// students' period windows its households' students may book. A unit
// never holds "|" (NewPlan refuses it), so no unit is it.
const studentsUnit = "|students"

// lateCand is building's late list's candidate key (book.lua): every
// window of the sites that call the building in the round's variant, by
// start, that a household at the desk (or given a card) after its own
// windows may take. Buildings called to the same sites in each variant
// share one list: "|late|dry=s1;wet=s2".
func (p *Plan) lateCand(building string) string { return "|late|" + p.lateSites[building] }

// indexLate lists, for each variant and each building's sites in every
// variant (lateCand), the windows of its sites in that variant by start,
// but the students' period's: a household that comes after its own
// windows have ended takes a seat in the next window of its site with
// room, whichever buildings that window calls.
func (p *Plan) indexLate() {
	type vb struct{ variant, building string }
	sites := map[vb]map[string]bool{}
	for _, w := range p.Windows {
		for _, g := range w.Groups {
			k := vb{w.Variant, g.Building}
			if sites[k] == nil {
				sites[k] = map[string]bool{}
			}
			sites[k][w.Site] = true
		}
	}
	p.lateSites = map[string]string{}
	for b := range p.units { // every building a window calls
		var parts []string
		for _, v := range p.Variants {
			parts = append(parts, v+"="+strings.Join(slices.Sorted(maps.Keys(sites[vb{v, b}])), ","))
		}
		p.lateSites[b] = strings.Join(parts, ";")
	}
	// set -> variant -> its sites
	sets := map[string]map[string]map[string]bool{}
	for k, at := range sites {
		set := p.lateSites[k.building]
		if sets[set] == nil {
			sets[set] = map[string]map[string]bool{}
		}
		sets[set][k.variant] = at
	}
	for i, w := range p.Windows { // by start
		if w.Students {
			continue // the students' period is the students'
		}
		for set, in := range sets {
			if in[w.Variant][w.Site] {
				k := candKey{w.Variant, "", "late|" + set}
				p.cands[k] = append(p.cands[k], i)
			}
		}
	}
}

// indexStudents lists, for each building and variant, the students'
// period windows its students book (planfile.File.StudentsWindows), as
// candidates of unit studentsUnit.
func (p *Plan) indexStudents() {
	for _, v := range p.Variants {
		for _, b := range p.Buildings {
			var at []int
			for _, w := range p.File.StudentsWindows(b, v) {
				at = append(at, p.byIndex[w.Index])
			}
			if len(at) > 0 {
				p.students = true
				slices.Sort(at) // p.Windows' order, by start
				p.cands[candKey{v, b.ID, studentsUnit}] = at
			}
		}
	}
}

// bookingWindows are open.lua's field and value pairs of the round's
// booking windows hash: "<variant>|<building>|<unit>" -> its candidate
// windows by start, "index\tsite\tcapacity\tstart ms\tend ms\n" each
// (see book.lua).
func (p *Plan) bookingWindows() []any {
	keys := make([]candKey, 0, len(p.cands))
	for k := range p.cands {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.variant != b.variant {
			return a.variant < b.variant
		}
		if a.building != b.building {
			return a.building < b.building
		}
		return a.unit < b.unit
	})
	out := make([]any, 0, 2*len(keys))
	var b strings.Builder
	for _, k := range keys {
		b.Reset()
		for _, i := range p.cands[k] {
			w := &p.Windows[i]
			fmt.Fprintf(&b, "%d\t%s\t%d\t%d\t%d\n", w.Index, w.Site, w.Capacity, w.Start.UnixMilli(), w.End.UnixMilli())
		}
		out = append(out, k.variant+"|"+k.building+"|"+k.unit, b.String())
	}
	return out
}

// knows reports whether any window of any variant calls building, and
// whether unit is one of its units: any unit when no group of the building
// names one, else one of those named.
func (p *Plan) knows(building, unit string) (b, u bool) {
	units, b := p.units[building]
	return b, len(units) == 0 || units[unit]
}

// window returns the window with schedule index i.
func (p *Plan) window(i int) (Window, bool) {
	if j, ok := p.byIndex[i]; ok {
		return p.Windows[j], true
	}
	return Window{}, false
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

// indexNames fills p.called: each building by its name and by its id's
// number ("b3" and "3号楼" are both "3"), as people write it; a key two
// buildings share names neither.
func (p *Plan) indexNames() {
	p.called = map[string]string{}
	taken := map[string]bool{}
	add := func(key, id string) {
		if key == "" {
			return
		}
		if other, ok := p.called[key]; ok && other != id {
			taken[key] = true
		}
		p.called[key] = id
	}
	for _, b := range p.Buildings {
		add(buildingKey(b.Name), b.ID)
		add(buildingKey(strings.TrimLeft(b.ID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")), b.ID)
	}
	for k := range taken {
		delete(p.called, k)
	}
}

// buildingKey is a building's name or number made comparable: NFKC,
// spaces and invisible characters dropped, lower case, and the written
// suffixes (3号楼, 3栋, 3幢, 3座, 3号) taken off.
func buildingKey(s string) string {
	return strings.ToLower(cleanNumber(s, "号楼", "栋", "幢", "座", "楼", "号"))
}

// calledBuilding is the id of the building s names: its id, or its name
// or number as people write it (3, 3号楼, ３栋, 荷花苑4号楼); "" when no
// building, or more than one, is called that.
func (p *Plan) calledBuilding(s string) string {
	if _, ok := p.buildings[s]; ok {
		return s
	}
	return p.called[buildingKey(s)]
}
