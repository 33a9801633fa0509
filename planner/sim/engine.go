package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"natq/planner/rainswitch"
)

// prep is a scenario made ready for many runs: everything that does not
// depend on the random draws, with times as seconds since origin.
type prep struct {
	day     *Day
	p       Params
	origin  time.Time
	mean    float64 // one sample's mean time, s
	sites   []string
	siteIdx map[string]int
	names   []string
	start   *pvar // the variant booked on
	wet     *pvar // the variant the rain switch moves to (nil: none)
	rainT   float64
	groups  []pgroup
	target  []rainswitch.Window // the wet windows, for the switch
	lists   rainswitch.Lists
	downs   []event // desk changes: s site, p the change (negative: desks lost)
}

// pvar is a variant of the prep.
type pvar struct {
	v       *Variant
	desks   []int // by site state
	markers []int
	wins    []pwin
	byIndex map[int]int    // schedule index -> position in wins
	open    [][][2]float64 // by site: the windows' spans that call anyone, merged
	median  []float64      // by site: the median walk, for groups without a route
}

type pwin struct {
	start, end float64
	site       int
	index      int
}

// pgroup is a group of the booking variant's windows, in booking order.
type pgroup struct {
	win       int // position in start.wins
	building  string
	unit      string
	people    int
	partyMean float64
	walk      float64      // s, in the booking variant
	walkWet   float64      // s, to its building's site in the wet variant (also when the switch sends it elsewhere: the plan has no route there)
	open      [][2]float64 // its site's open windows, for walk-ins
	openLen   float64
}

// Kinds and states of a party.
const (
	kBooked uint8 = iota
	kNoShow
	kWalkin
)

const (
	stAway  uint8 = iota // at home or walking
	stAside              // came before check-in opens, waits aside
	stLine               // checked in
	stDesk               // being sampled
	stHeld               // turned back by the line guard, waits at the building
	stDone               // sampled
)

type party struct {
	g        int32
	size     int32
	kind     uint8
	state    uint8
	gen      uint16
	counted  bool // in its site's occupancy
	released bool // released from the building, counted in reserved
	carried  bool // in line when the rain switch moved it to another site's line: walking there (joinLine)
	turned   bool
	win      int32 // position in the current variant's wins; -1 for walk-ins
	site     int32
	u        float64 // where in its window it aims to arrive, 0..1
	off      float64 // s early (negative) or late
	speed    float64 // actual walking time over the plan's
	checkIn  float64
	walk     float64 // s, plan walking time to its current site
	oi       int32   // its outcome, plus one (0: not at a desk yet)
	turnedAt float64 // when the line guard first turned it back
}

// siteRun is one site during a run.
type siteRun struct {
	base, down, desks, busy, markers int
	occ, reserved, held              int
	line                             []int32
	lineHead                         int
	heldQ                            []int32
	heldHead                         int

	lastT                   float64
	busyInt, staffed, overT float64
	open                    [][2]float64 // the current variant's open windows
	oi                      int
	maxLine, maxDem         int
	lineMin, demMin         []int32
	lastLine                int32
	lastDem                 int32
	segs                    []seg // active desks from a time on, and the variant
	markersAt               []markAt

	turnedBack, refusals, tooEarly, tooLate, sampled, people int
	unsampled                                                int // people never sampled by the run's end
	lastSampled                                              float64
}

type seg struct {
	t     float64
	desks int
	v     *pvar
}

type markAt struct {
	T       float64 `json:"t"`
	Markers int     `json:"markers"`
}

// Outcome is one sampled party of a run.
type Outcome struct {
	Site    string
	Window  int // schedule index, -1 for a walk-in
	Size    int
	CheckIn time.Time
	Wait    time.Duration // from check-in to a desk
}

// outcome is an Outcome as a run keeps it: no pointers, for the
// collector's sake.
type outcome struct {
	site, window, size, party int32
	checkIn, wait, done       float64
	held                      float64 // s waiting at its building after the guard turned it back
}

// Run is one run's raw results.
type Run struct {
	Seed int64
	outs []outcome
	// What the rain switch did, when one was asked for: tickets moved,
	// moved to another time, or why the queue would refuse it.
	Moved, Retimed int
	Refused        string
	turned         map[int]int
	sites          []*siteRun
	prep           *prep
	end            float64
	parties        []party
	cur            *pvar // the variant the day ended on
}

// Outcomes are the run's sampled parties, in the order they reached a desk.
func (r *Run) Outcomes() []Outcome {
	out := make([]Outcome, len(r.outs))
	for i, o := range r.outs {
		out[i] = Outcome{Site: r.prep.sites[o.site], Window: int(o.window), Size: int(o.size),
			CheckIn: r.prep.at(o.checkIn), Wait: time.Duration(o.wait * float64(time.Second))}
	}
	return out
}

// newPrep readies a scenario starting on variant start.
func newPrep(d *Day, start string, p Params) (*prep, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	sv := d.Variant(start)
	if sv == nil {
		return nil, fmt.Errorf("sim: the plan has no %s variant", start)
	}
	rate := d.Rate
	if p.Rate > 0 {
		rate = p.Rate
	}
	if rate <= 0 {
		return nil, errors.New("sim: no samples per desk per hour (rate) in the plan or the parameters")
	}
	pr := &prep{day: d, p: p, mean: 3600 / rate, siteIdx: map[string]int{}, rainT: math.Inf(1)}
	first := time.Time{}
	for _, v := range d.Variants {
		for _, w := range v.Windows {
			if first.IsZero() || w.Start.Before(first) {
				first = w.Start
			}
		}
	}
	if first.IsZero() {
		return nil, errors.New("sim: the plan has no windows")
	}
	// Two hours before the first window: early walkers are then still
	// after the origin.
	pr.origin = first.Add(-2 * time.Hour)
	addSite := func(id, name string) int {
		if i, ok := pr.siteIdx[id]; ok {
			return i
		}
		pr.siteIdx[id] = len(pr.sites)
		pr.sites = append(pr.sites, id)
		pr.names = append(pr.names, name)
		return len(pr.sites) - 1
	}
	for _, s := range sv.Sites {
		addSite(s.ID, s.Name)
	}
	for _, v := range d.Variants {
		for _, s := range v.Sites {
			addSite(s.ID, s.Name)
		}
		for _, w := range v.Windows {
			addSite(w.Site, w.Site)
		}
	}
	pr.start = pr.variant(sv)
	if !p.RainAt.IsZero() && start != "wet" {
		wv := d.Variant("wet")
		if wv == nil {
			return nil, errors.New("sim: rain switch asked for, but the plan has no wet variant")
		}
		pr.wet = pr.variant(wv)
		// Rain before the model's day (two hours before its first window)
		// switches at its start, before anyone has come.
		pr.rainT = max(0, pr.sec(p.RainAt))
		for _, w := range wv.Windows {
			rw := rainswitch.Window{Index: w.Index, Site: w.Site, Start: w.Start, End: w.End, Capacity: w.Capacity}
			for _, g := range w.Groups {
				rw.Groups = append(rw.Groups, rainswitch.Group{Building: g.Building, Unit: g.Unit, People: g.People})
			}
			pr.target = append(pr.target, rw)
		}
		rainswitch.SortWindows(pr.target)
		var all [][]rainswitch.Group
		for _, v := range d.Variants {
			for _, w := range v.Windows {
				var gs []rainswitch.Group
				for _, g := range w.Groups {
					gs = append(gs, rainswitch.Group{Building: g.Building, Unit: g.Unit, People: g.People})
				}
				all = append(all, gs)
			}
		}
		pr.lists = rainswitch.BuildLists(pr.target, all)
	}
	for _, dd := range p.DesksDown {
		i, ok := pr.siteIdx[dd.Site]
		if !ok {
			return nil, fmt.Errorf("sim: desks down: the plan has no site %q", dd.Site)
		}
		pr.downs = append(pr.downs, event{t: pr.sec(dd.At), kind: evDesks, s: int32(i), p: int32(-dd.N)})
		if !dd.Until.IsZero() {
			if !dd.Until.After(dd.At) {
				return nil, fmt.Errorf("sim: desks down %s: comes back before it goes", dd)
			}
			pr.downs = append(pr.downs, event{t: pr.sec(dd.Until), kind: evDesks, s: int32(i), p: int32(dd.N)})
		}
	}
	for wi, w := range sv.Windows {
		pw := pr.start.wins[wi]
		for _, g := range w.Groups {
			if g.People <= 0 {
				continue
			}
			pg := pgroup{win: wi, building: g.Building, unit: g.Unit, people: g.People,
				walk: pr.start.walkOf(sv, g, pw.site), open: pr.start.open[pw.site]}
			for _, iv := range pg.open {
				pg.openLen += iv[1] - iv[0]
			}
			pg.partyMean = 1
			if b, ok := d.Buildings[g.Building]; ok && b.Households > 0 && b.Residents >= b.Households {
				pg.partyMean = float64(b.Residents) / float64(b.Households)
			}
			if p.PartyMean > 0 {
				pg.partyMean = p.PartyMean
			}
			if pr.wet != nil {
				site := pr.wet.v.Home[g.Building]
				si, ok := pr.siteIdx[site]
				if !ok {
					si = pw.site
				}
				pg.walkWet = pr.wet.walkOf(pr.wet.v, g, si)
			}
			pr.groups = append(pr.groups, pg)
		}
	}
	return pr, nil
}

func (pr *prep) sec(t time.Time) float64 { return t.Sub(pr.origin).Seconds() }

func (pr *prep) at(s float64) time.Time {
	return pr.origin.Add(time.Duration(s * float64(time.Second))).Round(time.Second)
}

func (pr *prep) variant(v *Variant) *pvar {
	n := len(pr.sites)
	pv := &pvar{v: v, desks: make([]int, n), markers: make([]int, n), byIndex: map[int]int{},
		open: make([][][2]float64, n), median: make([]float64, n)}
	for _, s := range v.Sites {
		i := pr.siteIdx[s.ID]
		pv.desks[i], pv.markers[i] = s.Desks, s.Markers
	}
	walks := make([][]float64, n)
	for _, w := range v.Windows {
		si := pr.siteIdx[w.Site]
		pv.byIndex[w.Index] = len(pv.wins)
		pv.wins = append(pv.wins, pwin{start: pr.sec(w.Start), end: pr.sec(w.End), site: si, index: w.Index})
		people := 0
		for _, g := range w.Groups {
			people += g.People
			if d, ok := v.Walk[g.Building+"|"]; ok {
				walks[si] = append(walks[si], d.Seconds())
			}
		}
		if people > 0 {
			pv.open[si] = append(pv.open[si], [2]float64{pr.sec(w.Start), pr.sec(w.End)})
		}
	}
	for i := range pv.open {
		pv.open[i] = merge(pv.open[i])
		if len(walks[i]) > 0 {
			sort.Float64s(walks[i])
			pv.median[i] = walks[i][len(walks[i])/2]
		}
	}
	return pv
}

// walkOf is a group's plan walking time to site si.
func (pv *pvar) walkOf(v *Variant, g Group, si int) float64 {
	if d, ok := v.Walk[g.Building+"|"+g.Unit]; ok && g.Unit != "" {
		return d.Seconds()
	}
	if d, ok := v.Walk[g.Building+"|"]; ok {
		return d.Seconds()
	}
	return pv.median[si]
}

func merge(iv [][2]float64) [][2]float64 {
	sort.Slice(iv, func(i, j int) bool { return iv[i][0] < iv[j][0] })
	var out [][2]float64
	for _, x := range iv {
		if n := len(out); n > 0 && x[0] <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], x[1])
			continue
		}
		out = append(out, x)
	}
	return out
}

// runner is one run in progress.
type runner struct {
	pr  *prep
	rng *rand.Rand
	// service draws sample times, a stream per site, so that a what-if at
	// one site leaves the other sites' draws as they were.
	service        []*rand.Rand
	q              events
	parties        []party
	sites          []*siteRun
	cur            *pvar
	out            []outcome
	moved, retimed int
	refused        string
	now            float64
	turned         map[int]int // schedule index -> people turned back
}

// run plays one run with the given seed.
func (pr *prep) run(seed int64) *Run {
	r := &runner{pr: pr, rng: rand.New(rand.NewPCG(uint64(seed), 0x6e617471)), cur: pr.start, turned: map[int]int{}}
	for i := range pr.sites {
		r.service = append(r.service, rand.New(rand.NewPCG(uint64(seed), uint64(i+1))))
		s := &siteRun{base: pr.start.desks[i], markers: pr.start.markers[i]}
		s.desks = s.base
		s.open = pr.start.open[i]
		s.segs = []seg{{0, s.desks, pr.start}}
		s.markersAt = []markAt{{0, s.markers}}
		r.sites = append(r.sites, s)
	}
	r.draw()
	for _, e := range pr.downs {
		r.q.push(e)
	}
	if pr.wet != nil {
		r.q.push(event{t: pr.rainT, kind: evRain})
	}
	for len(r.q.h) > 0 {
		e := r.q.pop()
		r.now = e.t
		switch e.kind {
		case evArrive:
			if p := &r.parties[e.p]; p.gen == e.gen {
				r.arrive(e.p)
			}
		case evCheckIn:
			if p := &r.parties[e.p]; p.gen == e.gen {
				r.checkIn(e.p)
			}
		case evDone:
			r.done(int(e.s), e.p)
		case evDesks:
			r.desksChange(int(e.s), int(e.p))
		case evRain:
			r.rain()
		}
	}
	for _, s := range r.sites {
		s.touch(r.now)
		s.mark(r.now)
	}
	// Who came, or was to come, and was never sampled: the day ended with
	// no desk for them (a what-if took a site's last desks).
	for i := range r.parties {
		if x := &r.parties[i]; x.kind != kNoShow && x.state != stDone {
			r.sites[x.site].unsampled += int(x.size)
		}
	}
	return &Run{Seed: seed, outs: r.out, Moved: r.moved, Retimed: r.retimed, Refused: r.refused, turned: r.turned, sites: r.sites, prep: pr, end: r.now, parties: r.parties, cur: r.cur}
}

// draw makes the households of every group and schedules their arrivals.
func (r *runner) draw() {
	pr, p, rng := r.pr, &r.pr.p, r.rng
	people := 0
	for _, g := range pr.groups {
		people += g.people
	}
	r.parties = make([]party, 0, people/2+16)
	r.out = make([]outcome, 0, people/2+16)
	r.q.h = make([]event, 0, people/2+16)
	perWin := make([]int, len(pr.start.wins))
	first := make([]int, len(pr.start.wins))
	for gi, g := range pr.groups {
		if perWin[g.win] == 0 {
			first[g.win] = len(r.parties)
		}
		for left := g.people; left > 0; {
			size := 1
			if g.partyMean > 1 {
				size = 1 + poisson(rng, g.partyMean-1)
			}
			if p.PartyMax > 0 {
				size = min(size, p.PartyMax)
			}
			size = min(size, left)
			left -= size
			x := party{g: int32(gi), size: int32(size), win: int32(g.win), site: int32(pr.start.wins[g.win].site),
				u: rng.Float64(), speed: 1, walk: g.walk}
			switch u := rng.Float64(); {
			case u < p.NoShowShare:
				x.kind = kNoShow
			case u < p.NoShowShare+p.WalkinShare:
				x.kind = kWalkin
				x.win = -1
			}
			switch u := rng.Float64(); {
			case u < p.EarlyShare:
				x.off = -offset(rng, p.EarlyMean)
			case u < p.EarlyShare+p.LateShare:
				x.off = offset(rng, p.LateMean)
			}
			if p.SpeedCV > 0 {
				sig := math.Sqrt(math.Log(1 + p.SpeedCV*p.SpeedCV))
				x.speed = 1 / math.Exp(sig*rng.NormFloat64()-sig*sig/2)
			}
			r.parties = append(r.parties, x)
			perWin[g.win]++
		}
	}
	if p.Even {
		for wi, n := range perWin {
			for k := 0; k < n; k++ {
				r.parties[first[wi]+k].u = (float64(k) + 0.5) / float64(n)
			}
		}
	}
	for i := range r.parties {
		x := &r.parties[i]
		if x.kind == kNoShow {
			continue
		}
		r.q.push(event{t: r.target(x), kind: evArrive, p: int32(i), gen: x.gen})
	}
}

// target is when a party arrives at its site: its aim inside its window
// (or its site's day, for a walk-in) moved by its lateness, plus what its
// walking speed adds or saves on the plan's walking time.
func (r *runner) target(x *party) float64 {
	var aim float64
	if x.win < 0 {
		// A walk-in comes at any time its site has a window open.
		g := &r.pr.groups[x.g]
		left := x.u * g.openLen
		for _, iv := range g.open {
			if aim = iv[0] + left; left <= iv[1]-iv[0] {
				break
			}
			left -= iv[1] - iv[0]
		}
	} else {
		w := r.cur.wins[x.win]
		aim = w.start + x.u*(w.end-w.start) + x.off
	}
	return aim + x.walk*(x.speed-1)
}

func (r *runner) arrive(pi int32) {
	x := &r.parties[pi]
	if x.carried {
		r.joinLine(pi)
		return
	}
	if x.released {
		r.sites[x.site].reserved -= int(x.size)
		x.released = false
	}
	if x.win >= 0 {
		w := r.cur.wins[x.win]
		opens := w.start - float64(r.pr.p.Early)*60
		if r.now < opens {
			r.sites[x.site].tooEarly += int(x.size)
			x.state = stAside
			r.q.push(event{t: opens, kind: evCheckIn, p: pi, gen: x.gen})
			return
		}
		if r.now > w.end+float64(r.pr.p.Grace)*60 {
			// The queue refuses the ticket (TOO_LATE); the site books
			// the party again on the spot, as a walk-in.
			r.sites[x.site].tooLate += int(x.size)
		}
	}
	r.checkIn(pi)
}

// checkIn is checkin.lua's line guard: the party joins the line only if
// the line then holds no more people than its markers.
func (r *runner) checkIn(pi int32) {
	x := &r.parties[pi]
	s := r.sites[x.site]
	s.touch(r.now)
	if s.occ+int(x.size) > s.markers && s.occ > 0 {
		s.refusals++
		if !x.turned {
			x.turned = true
			x.turnedAt = r.now
			s.turnedBack += int(x.size)
			if x.win >= 0 {
				r.turned[r.cur.wins[x.win].index] += int(x.size)
			}
		}
		x.state = stHeld
		s.heldQ = append(s.heldQ, pi)
		s.held += int(x.size)
		s.mark(r.now)
		return
	}
	s.occ += int(x.size)
	x.counted = true
	x.state = stLine
	x.checkIn = r.now
	s.line = append(s.line, pi)
	s.mark(r.now)
	r.serve(int(x.site))
}

// serve sends the earliest checked-in parties to free desks.
func (r *runner) serve(si int) {
	s := r.sites[si]
	for s.busy < s.desks && s.lineHead < len(s.line) {
		pi := s.line[s.lineHead]
		s.lineHead++
		x := &r.parties[pi]
		if x.state != stLine || x.site != int32(si) {
			continue // moved away by the rain switch
		}
		s.touch(r.now)
		s.busy++
		x.state = stDesk
		t := 0.0
		for k := int32(0); k < x.size; k++ {
			t += r.serviceTime(r.service[si])
		}
		w := -1
		if x.win >= 0 {
			w = r.cur.wins[x.win].index
		}
		r.out = append(r.out, outcome{site: int32(si), window: int32(w), size: x.size, party: pi, checkIn: x.checkIn, wait: r.now - x.checkIn})
		if x.turned {
			r.out[len(r.out)-1].held = x.checkIn - x.turnedAt
		}
		x.oi = int32(len(r.out))
		r.q.push(event{t: r.now + t, kind: evDone, p: pi, s: int32(si)})
	}
	if s.lineHead > 1024 && s.lineHead*2 > len(s.line) {
		s.line = append(s.line[:0], s.line[s.lineHead:]...)
		s.lineHead = 0
	}
}

func (r *runner) serviceTime(rng *rand.Rand) float64 {
	cv, m := r.pr.p.ServiceCV, r.pr.mean
	switch {
	case cv == 0:
		return m
	case cv == 1:
		return m * rng.ExpFloat64()
	}
	k := 1 / (cv * cv)
	return gamma(rng, k) * m / k
}

func (r *runner) done(si int, pi int32) {
	x := &r.parties[pi]
	s := r.sites[si]
	s.touch(r.now)
	s.busy--
	if x.counted {
		s.occ -= int(x.size)
		x.counted = false
	}
	x.state = stDone
	if x.oi > 0 {
		r.out[x.oi-1].done = r.now
	}
	s.sampled += int(x.size)
	s.lastSampled = r.now
	s.mark(r.now)
	r.serve(si)
	r.release(si)
}

// release is the caller at the buildings: the first party held is sent
// when the line has room for it beside those already sent.
func (r *runner) release(si int) {
	s := r.sites[si]
	for s.heldHead < len(s.heldQ) {
		pi := s.heldQ[s.heldHead]
		x := &r.parties[pi]
		if x.state != stHeld || x.site != int32(si) {
			s.heldHead++
			continue
		}
		if s.occ+s.reserved+int(x.size) > s.markers && s.occ+s.reserved > 0 {
			return
		}
		s.heldHead++
		s.held -= int(x.size)
		s.reserved += int(x.size)
		x.released = true
		x.state = stAway
		r.q.push(event{t: r.now + x.walk*x.speed, kind: evArrive, p: pi, gen: x.gen})
	}
}

func (r *runner) desksChange(si, delta int) {
	s := r.sites[si]
	s.touch(r.now)
	s.down -= delta
	s.desks = max(0, s.base-s.down)
	s.segs = append(s.segs, seg{r.now, s.desks, r.cur})
	r.serve(si)
}

// rain moves the day onto the wet variant by the queue service's rule
// (package rainswitch): every ticket still to be sampled, in booking
// order, those in a line first, gets its wet window. People in a line
// stay in it, as switch.lua keeps them: at a site the wet variant keeps,
// in their place; from a site it closes, to the site the rule finds,
// whose line counts them from the switch and takes them, once they have
// walked there, before everyone who checked in after them (carry). A
// party at a desk finishes there. Held parties are let go, and everyone
// else goes to the new window's site, arriving as its drawn aim in the
// new window says, or as soon as it can walk there.
func (r *runner) rain() {
	pr := r.pr
	var tickets []rainswitch.Ticket
	var who []int32
	for i := range r.parties {
		x := &r.parties[i]
		if x.kind == kWalkin || x.state == stDone {
			continue
		}
		g := pr.groups[x.g]
		ow := r.cur.wins[x.win]
		tickets = append(tickets, rainswitch.Ticket{Building: g.building, Unit: g.unit, Party: int(x.size),
			OldStart: pr.at(ow.start), OldEnd: pr.at(ow.end), OldSite: pr.sites[ow.site], InLine: inLine(x)})
		who = append(who, int32(i))
	}
	picks, err := rainswitch.Reassign(pr.at(r.now), pr.target, pr.lists, tickets)
	if err != nil {
		var nr *rainswitch.NoRoomError
		if errors.As(err, &nr) {
			r.refused = fmt.Sprintf("a ticket of building %s found no wet window with room; the day stayed dry",
				pr.groups[r.parties[who[nr.Ticket]].g].building)
		}
		return
	}
	old := r.cur
	r.cur = pr.wet
	kept := make([]bool, len(r.sites)) // a site of the wet variant
	for _, tw := range pr.target {
		kept[pr.siteIdx[tw.Site]] = true
	}
	moved, retimed := 0, 0
	for si, s := range r.sites {
		s.touch(r.now)
		s.reserved, s.held = 0, 0
		s.heldQ, s.heldHead = s.heldQ[:0], 0
		s.base, s.markers = pr.wet.desks[si], pr.wet.markers[si]
		s.desks = max(0, s.base-s.down)
		s.open, s.oi = pr.wet.open[si], 0
		s.segs = append(s.segs, seg{r.now, s.desks, pr.wet})
		s.markersAt = append(s.markersAt, markAt{r.now, s.markers})
	}
	// A party at a desk of a site the wet plan closes finishes there, out
	// of any line: the site's markers are gone.
	for i := range r.parties {
		if x := &r.parties[i]; x.state == stDesk && !kept[x.site] && x.counted {
			r.sites[x.site].occ -= int(x.size)
			x.counted = false
		}
	}
	// The target windows are sorted as rainswitch wants; find each in
	// the wet variant's own order.
	for k, pi := range who {
		tw := pr.target[picks[k]]
		x := &r.parties[pi]
		if old.wins[x.win].start != pr.sec(tw.Start) {
			retimed++
		}
		moved++
		x.win = int32(pr.wet.byIndex[tw.Index])
		if inLine(x) {
			r.carry(pi, int32(pr.siteIdx[tw.Site]), pr.groups[x.g].walkWet)
		} else {
			r.follow(pi, int32(pr.siteIdx[tw.Site]), pr.groups[x.g].walkWet)
		}
	}
	for i := range r.parties {
		x := &r.parties[i]
		if x.kind == kWalkin && x.state != stDone {
			site, ok := pr.siteIdx[pr.wet.v.Home[pr.groups[x.g].building]]
			if !ok {
				site = int(x.site)
			}
			if inLine(x) {
				if kept[x.site] {
					site = int(x.site)
				}
				r.carry(int32(i), int32(site), pr.groups[x.g].walkWet)
			} else {
				r.follow(int32(i), int32(site), pr.groups[x.g].walkWet)
			}
		}
	}
	for si := range r.sites {
		r.serve(si)
		r.sites[si].mark(r.now)
	}
	r.moved, r.retimed = moved, retimed
}

// inLine is a party in a site's line by the queue's count: checked in,
// or called to a desk.
func inLine(x *party) bool { return x.state == stLine || x.state == stDesk }

// carry keeps a party in line through the rain switch, as switch.lua
// does: at a desk it finishes there; in line at site, it keeps its place;
// in line elsewhere it is counted in site's line from now and walks
// there, to join the line in the place its check-in time gives it
// (joinLine).
func (r *runner) carry(pi, site int32, walk float64) {
	x := &r.parties[pi]
	if x.state == stDesk || x.site == site {
		return
	}
	if x.counted {
		r.sites[x.site].occ -= int(x.size)
		r.sites[site].occ += int(x.size)
	}
	x.site, x.walk = site, walk
	x.gen++
	x.state = stAway
	x.carried = true
	r.q.push(event{t: r.now + walk*x.speed, kind: evArrive, p: pi, gen: x.gen})
}

// joinLine puts a party carried by the rain switch into its new site's
// line, after everyone in it who checked in before it and before those
// who checked in later (it is counted there already).
func (r *runner) joinLine(pi int32) {
	x := &r.parties[pi]
	x.carried = false
	s := r.sites[x.site]
	s.touch(r.now)
	x.state = stLine
	j := len(s.line)
	for j > s.lineHead {
		y := &r.parties[s.line[j-1]]
		if y.state == stLine && y.site == x.site && y.checkIn <= x.checkIn {
			break
		}
		j--
	}
	s.line = slices.Insert(s.line, j, pi)
	s.mark(r.now)
	r.serve(int(x.site))
}

// follow sends a party not yet sampled, and not in a line, to its new
// site.
func (r *runner) follow(pi, site int32, walk float64) {
	x := &r.parties[pi]
	// Not in a line (carry): at home or walking, aside before check-in
	// opens, or held at its building.
	here := x.state == stAside && x.site == site
	x.released = false
	x.site, x.walk = site, walk
	x.gen++
	x.state = stAway
	if x.kind == kNoShow {
		return
	}
	soonest := r.now + walk*x.speed
	if here {
		soonest = r.now
	}
	r.q.push(event{t: max(soonest, r.target(x)), kind: evArrive, p: pi, gen: x.gen})
}

func (pr *prep) loc() *time.Location {
	if pr.day.TZ != nil {
		return pr.day.TZ
	}
	return time.UTC
}

// touch brings a site's integrals up to t.
func (s *siteRun) touch(t float64) {
	dt := t - s.lastT
	if dt > 0 {
		s.busyInt += float64(s.busy) * dt
		// A desk is staffed while a window is open or work is left (a
		// desk going down finishes the sample in hand).
		desks := float64(max(s.desks, s.busy))
		if s.busy > 0 || s.occ > 0 {
			s.staffed += desks * dt
		} else {
			for s.oi < len(s.open) && s.open[s.oi][1] <= s.lastT {
				s.oi++
			}
			for k := s.oi; k < len(s.open) && s.open[k][0] < t; k++ {
				if o := math.Min(t, s.open[k][1]) - math.Max(s.lastT, s.open[k][0]); o > 0 {
					s.staffed += desks * o
				}
			}
		}
		if s.occ+s.held+s.reserved > s.markers {
			s.overT += dt
		}
		s.lastT = t
	}
}

// mark records the line and the demand (the line plus those held back
// for it) in the minute of t.
func (s *siteRun) mark(t float64) {
	m := int(t / 60)
	line, dem := int32(s.occ), int32(s.occ+s.held+s.reserved)
	for len(s.lineMin) <= m {
		s.lineMin = append(s.lineMin, s.lastLine)
		s.demMin = append(s.demMin, s.lastDem)
	}
	s.lineMin[m] = max(s.lineMin[m], line)
	s.demMin[m] = max(s.demMin[m], dem)
	s.lastLine, s.lastDem = line, dem
	s.maxLine = max(s.maxLine, int(line))
	s.maxDem = max(s.maxDem, int(dem))
}

// offset draws how early or late a party comes, in seconds: exponential
// of mean m minutes, cut at four times the mean (nobody comes hours off).
func offset(rng *rand.Rand, m Minutes) float64 {
	return math.Min(rng.ExpFloat64(), 4) * float64(m) * 60
}

// poisson draws a Poisson number of mean lambda (small: Knuth's method).
func poisson(rng *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// gamma draws a gamma variate of shape k and scale 1 (Marsaglia and
// Tsang; for k < 1 by boosting to k+1).
func gamma(rng *rand.Rand, k float64) float64 {
	if k < 1 {
		return gamma(rng, k+1) * math.Pow(rng.Float64(), 1/k)
	}
	d := k - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}
