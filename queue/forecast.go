package queue

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/planner/sim"
)

// The forecast during the day (issue 15 part 4): package planner/sim's
// Forecast run forward from what the queue knows of a site now. Its inputs
// come from reads the service makes anyway:
//
//   - the line: Line's parties, those called first (by desk), then the
//     waiting in the order call.lua will call them;
//   - the desks' pace: sampled.lua adds each party sampled after a call,
//     and its call-to-sample time, to the window counters hash
//     ("pace:<site>:n" people, "pace:<site>:ms");
//   - the tickets still to come: per window of the site in the active
//     variant that check-in still accepts, its booked people less those
//     checked in, as parties of one (their party sizes are not kept per
//     window; a party of one per person spreads them over the desks a
//     little more evenly than they come).
//
// A forecast is cached per site and kept while the site's counters (line
// occupancy, calls, check-ins, the pace, the variant; not bookings) are
// as they were and it is younger than ForecastTTL: every tablet and
// resident page of a site shares one run of the model per change. Every
// script that changes them counts the change in the round's site change
// counters (natq:{c}:r:<R>:fv, site -> changes, "*" -> rain switches), so
// the cache's key is three values, which a ticket's read fetches with the
// ticket, in the same round trip.
//
// The model itself runs at most once a ForecastRecheck per site, and once
// for all the reads that find the counters changed at the same time (a
// site's tablets and display reread the line 120 ms after its events,
// staff.js): a line read within ForecastRecheck of the last run gets that
// run's turns.

// ForecastTTL is how long a site's forecast is kept while nothing at the
// site changes: time passing alone moves it (a slow desk shifts turns).
const ForecastTTL = 30 * time.Second

// ForecastRecheck is how often, at most, the model runs for a site (see
// above).
const ForecastRecheck = 100 * time.Millisecond

// ForecastFresh is how old a site's last forecast may be for a resident's
// read of a ticket to answer with it at once after the site changed,
// while the model runs again behind the answer (freshInstead): the page's
// own pace of rereads at a busy site (REREAD, resident.js), so that a page
// is at most one reread behind the model. At 2 s, the reads of sites the
// budget left unrun that long still waited: ticket reads' p99.9 in a
// morning rush was 116-132 ms, at 5 s 19-25 ms (BENCHMARKS.md).
const ForecastFresh = 5 * time.Second

// DefaultForecastShare is the share of the instance's cores (GOMAXPROCS)
// the model may use on average unless Options.ForecastShare says.
//
// A busy site's run costs milliseconds (BenchmarkForecastSite), and every
// desk change at a site makes its next read run the model again (at most
// once a ForecastRecheck). At a morning rush of many busy sites on one
// instance, the runs would take the cores the bookings and the desks
// need. Past the share, a read of a site that changed gets the site's
// last forecast (up to ForecastTTL old) instead of a new run: forecasts
// grow older under load, bookings and desk changes do not slow down. A
// site with no forecast kept runs the model whatever the budget says.
// The model also runs on at most half the cores at once (at least one):
// while it does, a changed site's last forecast stands as well.
const DefaultForecastShare = 0.2

// modelBudget bounds the model's time: a bucket of model seconds that
// fills at rate a second up to max, from which each run takes what it
// took. A run may start while the bucket is not empty. Its clock is the
// machine's (now: time.Now), not the service's: it measures work done.
type modelBudget struct {
	mu        sync.Mutex
	rate, max float64 // model seconds a second; the bucket's size
	have      float64 // model seconds left; below 0 once runs overdrew it
	at        time.Time
	now       func() time.Time
}

// newModelBudget is a budget of share of cores cores (share <= 0: none),
// holding up to two seconds of it, full.
func newModelBudget(share float64, cores int) *modelBudget {
	if share <= 0 {
		return nil
	}
	b := &modelBudget{rate: share * float64(cores), now: time.Now}
	b.max = 2 * b.rate
	b.have, b.at = b.max, b.now()
	return b
}

// allows says whether a run may start now; a nil budget always allows.
func (b *modelBudget) allows() bool {
	if b == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fill()
	return b.have > 0
}

// fill adds what the time since the last fill earned; b.mu held.
func (b *modelBudget) fill() {
	now := b.now()
	if d := now.Sub(b.at).Seconds(); d > 0 {
		b.have = min(b.max, b.have+d*b.rate)
	}
	b.at = now
}

// start is a run beginning; the function it returns takes the run's time
// from the budget when the run ends.
func (b *modelBudget) start() (done func()) {
	if b == nil {
		return func() {}
	}
	t0 := b.now()
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.fill()
		b.have -= b.now().Sub(t0).Seconds()
	}
}

// Forecast is a party's or a window's forecast turn.
type Forecast struct {
	Made    time.Time `json:"made"`  // when the model ran (its site's SiteForecast.At)
	At      time.Time `json:"at"`    // a desk should take it at about this time (the median of the runs)
	Early   time.Time `json:"early"` // the runs' tenth percentile
	Late    time.Time `json:"late"`  // and their ninetieth
	WaitMin int       `json:"wait_min"`
	// Method says in one line, Chinese then English, how it is computed.
	Method string `json:"method,omitempty"`
}

// SiteForecast is a site's forecast as its tablet shows it.
type SiteForecast struct {
	At       time.Time `json:"at"`        // when the model ran
	Rate     float64   `json:"rate"`      // samples per desk per hour it uses
	PlanRate float64   `json:"plan_rate"` // the plan's
	Measured int       `json:"measured"`  // people sampled today whose desk time it measured
	// Clears is when the last party in line now should be at a desk.
	Clears  *time.Time       `json:"clears_at,omitempty"`
	Windows []WindowForecast `json:"windows"` // the windows still to come, by start
	Method  string           `json:"method"`
}

// WindowForecast is the turn of a party of one arriving in a window.
type WindowForecast struct {
	Index  int   `json:"index"`
	Window Span  `json:"window"`
	Coming int   `json:"coming"` // people booked, not yet checked in
	Turn   *Turn `json:"turn,omitempty"`
}

// Turn is a forecast turn without the method.
type Turn struct {
	At      time.Time `json:"at"`
	Early   time.Time `json:"early"`
	Late    time.Time `json:"late"`
	WaitMin int       `json:"wait_min"`
}

// siteForecast is a cached forecast with the turns by ticket id.
type siteForecast struct {
	fp      string
	variant string // the site's active variant when it was made
	f       *SiteForecast
	line    map[uint64]sim.Turn
	win     map[int]sim.Turn
}

type forecastCache struct {
	mu     sync.Mutex
	m      map[string]*siteForecast // compound|round|site
	flight map[string]*flight       // key|fingerprint -> the read under way
}

// flight is one site's line read and forecast under way: a site event
// sends every phone of the site to read its ticket at once, and one of
// them reads the line for all.
type flight struct {
	done chan struct{}
	f    *siteForecast
	err  error
}

// once returns the forecast of key cached for fp, else runs fn, or waits
// for the run already under way.
func (c *forecastCache) once(key, fp string, now time.Time, fn func() (*siteForecast, error)) (*siteForecast, error) {
	c.mu.Lock()
	if f := c.cached(key, fp, now); f != nil {
		c.mu.Unlock()
		return f, nil
	}
	if c.flight == nil {
		c.flight = map[string]*flight{}
	}
	if fl := c.flight[key+"|"+fp]; fl != nil {
		c.mu.Unlock()
		<-fl.done
		return fl.f, fl.err
	}
	fl := &flight{done: make(chan struct{})}
	c.flight[key+"|"+fp] = fl
	c.mu.Unlock()
	fl.f, fl.err = fn()
	c.mu.Lock()
	delete(c.flight, key+"|"+fp)
	c.mu.Unlock()
	close(fl.done)
	return fl.f, fl.err
}

// flying says whether a read of key for fp is under way (once).
func (c *forecastCache) flying(key, fp string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flight[key+"|"+fp] != nil
}

// ForecastParams are the model's assumptions during the day: sim's
// defaults, the service's check-in allowances, 50 runs from seed 1 (a
// busy site's forecast costs a few milliseconds: BenchmarkForecastSite).
func (s *Service) ForecastParams() sim.Params {
	p := sim.DefaultParams()
	p.Runs, p.Seed = 50, 1
	p.Early, p.Grace = sim.Minutes(s.opts.Early.Minutes()), sim.Minutes(s.opts.Grace.Minutes())
	return p
}

// forecastReads are the counters a site's forecast depends on, read in a
// pipeline the caller runs.
type forecastReads struct {
	variant, occ, calln *redis.StringCmd
	win, changes        *redis.SliceCmd
	fields              []string
}

// paceFields are a site's pace counters in the window counters hash.
func paceFields(site string) []string { return []string{"pace:" + site + ":n", "pace:" + site + ":ms"} }

// queueForecastReads adds to pipe the reads of site's counters; variant,
// occ and calln may be given when the caller reads them already.
func (s *Service) queueForecastReads(ctx context.Context, pipe redis.Pipeliner, p *Plan, site string, r *forecastReads) *forecastReads {
	k := keysOf(p.Compound.ID)
	if r == nil {
		r = &forecastReads{}
	}
	if r.variant == nil {
		r.variant = pipe.HGet(ctx, k.r(p.Date, "state"), "variant")
	}
	if r.occ == nil {
		r.occ = pipe.HGet(ctx, k.r(p.Date, "occ"), site)
	}
	if r.calln == nil {
		r.calln = pipe.HGet(ctx, k.r(p.Date, "calln"), site)
	}
	r.fields = paceFields(site)
	for _, w := range p.Windows {
		if w.Site == site {
			i := strconv.Itoa(w.Index)
			r.fields = append(r.fields, i+":booked", i+":in")
		}
	}
	r.win = pipe.HMGet(ctx, k.r(p.Date, "win"), r.fields...)
	r.changes = pipe.HMGet(ctx, k.r(p.Date, "fv"), site, "*")
	return r
}

// counters returns the window and pace counters read, by field.
func (r *forecastReads) counters() map[string]int {
	m := map[string]int{}
	for i, v := range r.win.Val() {
		if v != nil {
			m[r.fields[i]], _ = strconv.Atoi(v.(string))
		}
	}
	return m
}

// fingerprint is what the cached forecast must match: the variant and
// the site's and the round's change counts (see above). Bookings are left
// out (anyone may book, and a rush of them must not rerun the model on
// every read): the people to come are as old as the forecast, at most
// ForecastTTL.
func (r *forecastReads) fingerprint() string {
	ch := r.changes.Val()
	str := func(i int) string {
		if i < len(ch) && ch[i] != nil {
			return ch[i].(string)
		}
		return "0"
	}
	return forecastKey(r.variant.Val(), str(0), str(1))
}

// forecastKey is a site's forecast's fingerprint: the round's variant,
// the site's change count and the round's.
func forecastKey(variant, site, round string) string { return variant + "|" + site + "|" + round }

// cached is the forecast kept for key if it is fp's and fresh; c.mu held.
func (c *forecastCache) cached(key, fp string, now time.Time) *siteForecast {
	f := c.m[key]
	if f == nil || f.fp != fp || now.Sub(f.f.At) >= ForecastTTL || now.Before(f.f.At) {
		return nil
	}
	return f
}

// confirmed is cached, with c.mu taken.
func (c *forecastCache) confirmed(key, fp string, now time.Time) *siteForecast {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cached(key, fp, now)
}

// forecastLine returns the forecast for a site's line as Line read it
// (l, with the counters r), from the cache when nothing changed there.
func (s *Service) forecastLine(p *Plan, l *SiteLine, r *forecastReads) *siteForecast {
	rate := float64(p.File.Params.Rate)
	if rate <= 0 {
		return nil
	}
	key := p.Compound.ID + "|" + p.Date + "|" + l.Site
	fp := r.fingerprint()
	now := s.now()
	if f := s.fc.confirmed(key, fp, now); f != nil {
		return f
	}
	if f := s.fc.ran(key, r.variant.Val(), now); f != nil {
		return f // at most one run of the model a site each ForecastRecheck
	}
	if f := s.keptInstead(key, "model|"+key, fp, r.variant.Val(), now); f != nil {
		return f
	}
	// The site's tablets and display read the line at once after a
	// change: one of them runs the model for all.
	f, _ := s.fc.once("model|"+key, fp, now, func() (*siteForecast, error) {
		if f := s.fc.confirmed(key, fp, now); f != nil {
			return f, nil // the run that ended a moment ago
		}
		return s.runForecast(p, l, r, key, fp, rate, now), nil
	})
	return f
}

// keptInstead is the site's last forecast for the variant, younger than
// ForecastTTL, when the model should not run now: it has used its share
// of the cores (Options.ForecastShare), or it is running for other sites
// on as many cores as it may hold at once (s.models: half of them, at
// least one; on two cores or more, requests always have one). The read
// that would run the model gets it instead (counted in Metrics.Forecasts
// as "kept"); nil: run, or join the site's read under way (flight, for
// fp: the tablets reading at once after a change share its new run).
func (s *Service) keptInstead(key, flight, fp, variant string, now time.Time) *siteForecast {
	if s.modelFree() {
		return nil
	}
	// After the cores' check: a run of this site holding one is in flight
	// by then.
	if s.fc.flying(flight, fp) {
		return nil
	}
	f := s.fc.kept(key, variant, now)
	if f != nil {
		s.forecastKept.Inc()
	}
	return f
}

// modelFree says whether the model may run now: within its share of the
// cores, with a core of the ones it may hold at once free.
func (s *Service) modelFree() bool { return s.fb.allows() && len(s.models) < cap(s.models) }

// kept is the forecast kept for key if it is younger than ForecastTTL,
// for the variant, whatever changed since; c.mu not held.
func (c *forecastCache) kept(key, variant string, now time.Time) *siteForecast {
	return c.younger(key, variant, ForecastTTL, now)
}

// ran is the forecast kept for key if the model made it less than
// ForecastRecheck ago, for the variant; c.mu not held.
func (c *forecastCache) ran(key, variant string, now time.Time) *siteForecast {
	return c.younger(key, variant, ForecastRecheck, now)
}

// younger is the forecast kept for key if the model made it less than
// age ago, for the variant; c.mu not held.
func (c *forecastCache) younger(key, variant string, age time.Duration, now time.Time) *siteForecast {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.m[key]
	if f == nil || f.variant != variant || now.Sub(f.f.At) >= age || now.Before(f.f.At) {
		return nil
	}
	return f
}

// runForecast runs the model for a site's line and counters and keeps
// the result as key's, for fingerprint fp; nil when the model fails.
func (s *Service) runForecast(p *Plan, l *SiteLine, r *forecastReads, key, fp string, rate float64, now time.Time) *siteForecast {
	in := s.siteNow(p, l, r.counters(), now)
	sf, err := s.model(in.now, rate)
	if err != nil {
		return nil
	}
	f := &siteForecast{fp: fp, variant: r.variant.Val(), line: map[uint64]sim.Turn{}, win: map[int]sim.Turn{},
		f: &SiteForecast{At: now.In(p.TZ), Rate: round1(sf.Rate), PlanRate: rate, Measured: sf.Measured, Method: sf.Method, Windows: []WindowForecast{}}}
	for _, t := range sf.Line {
		id, _ := strconv.ParseUint(t.Ticket, 10, 64)
		f.line[id] = t
		// A party called already is at a desk (its turn was its call, in
		// the past): the line clears when the last still waiting is
		// called; with none waiting, Clears stays nil.
		if !t.At.IsZero() && !t.At.Before(in.now.Now) {
			x := t.At.In(p.TZ)
			f.f.Clears = &x
		}
	}
	for j, w := range in.windows {
		wf := WindowForecast{Index: w.Index, Window: Span{w.Start.In(p.TZ), w.End.In(p.TZ)}, Coming: in.coming[j]}
		if k := in.first[j]; k >= 0 && !sf.Coming[k].At.IsZero() {
			t := sf.Coming[k]
			f.win[w.Index] = t
			x := turnOf(t, p.TZ)
			wf.Turn = &x
		}
		f.f.Windows = append(f.f.Windows, wf)
	}
	s.fc.mu.Lock()
	s.fc.m[key] = f
	s.fc.mu.Unlock()
	return f
}

// model runs sim.Forecast on one of the cores the model may hold at once
// (s.models, see keptInstead), waiting for one, and takes its time from
// the model's budget.
func (s *Service) model(now sim.SiteNow, rate float64) (*sim.SiteForecast, error) {
	s.models <- struct{}{}
	defer func() { <-s.models }()
	defer s.fb.start()()
	s.forecastRun.Inc()
	return sim.Forecast(now, rate, s.ForecastParams())
}

func round1(x float64) float64 { return float64(int(x*10+0.5)) / 10 }

func turnOf(t sim.Turn, loc *time.Location) Turn {
	return Turn{At: t.At.In(loc), Early: t.Early.In(loc), Late: t.Late.In(loc), WaitMin: int((t.Wait + 30*time.Second) / time.Minute)}
}

// forecastInputs is a site's state for sim.Forecast and which of its
// coming entries stands for each window.
type forecastInputs struct {
	now     sim.SiteNow
	windows []Window
	coming  []int // people to come, per window
	first   []int // the index in now.Coming of the window's first party, -1 when none
}

// siteNow builds sim.Forecast's input from a site's line and counters.
func (s *Service) siteNow(p *Plan, l *SiteLine, c map[string]int, now time.Time) forecastInputs {
	in := forecastInputs{now: sim.SiteNow{Now: now, Desks: l.Desks}}
	if n, ms := c["pace:"+l.Site+":n"], c["pace:"+l.Site+":ms"]; n > 0 && ms > 0 {
		// The pace counters are the sums of the day's samples: one
		// Sampled of n people taking ms in all measures the same mean.
		at := now.Add(-time.Duration(ms) * time.Millisecond)
		in.now.Samples = []sim.Sampled{{Party: n, CalledAt: at, At: now}}
	}
	add := func(e LineEntry) {
		x := sim.InLine{Ticket: strconv.FormatUint(e.ID, 10), Party: max(e.Party, 1), CheckIn: e.CheckedIn}
		if e.CalledAt != nil && e.State == "called" {
			x.CalledAt = *e.CalledAt
		}
		in.now.Line = append(in.now.Line, x)
	}
	for _, e := range l.Called {
		add(e)
	}
	for _, e := range l.Waiting {
		add(e)
	}
	for _, e := range l.more {
		add(e)
	}
	for _, w := range p.Windows {
		if w.Site != l.Site || w.Variant != l.Variant || !now.Before(w.End.Add(s.opts.Grace)) {
			continue
		}
		i := strconv.Itoa(w.Index)
		n := max(0, c[i+":booked"]-c[i+":in"])
		in.windows = append(in.windows, w)
		in.coming = append(in.coming, n)
		first := -1
		if n > 0 {
			first = len(in.now.Coming)
		}
		for j := 0; j < n; j++ {
			in.now.Coming = append(in.now.Coming, sim.Booked{Ticket: "w" + i, Party: 1, Start: w.Start, End: w.End})
		}
		in.first = append(in.first, first)
	}
	return in
}

// ticketForecast adds its forecast to a ticket checked in or booked: its
// site's forecast keys come with the ticket's read (sk), and the site's
// line is read only when the cached forecast is out of date.
func (s *Service) ticketForecast(ctx context.Context, t *TicketView, sk siteKeys) {
	if t.State != "checked_in" && t.State != "booked" {
		return
	}
	p, err := s.current(t.Compound)
	if err != nil || p.Date != t.Round || p.File.Params.Rate <= 0 {
		return
	}
	if sk.variant != t.Variant {
		return
	}
	key, fp := p.Compound.ID+"|"+p.Date+"|"+t.Site, sk.fp
	now := s.now()
	f := s.fc.confirmed(key, fp, now)
	if f == nil {
		// The site changed: the model's run of less than ForecastRecheck
		// ago stands, without reading the line again, and so does its
		// last when the model is over its budget or busy (keptInstead).
		f = s.fc.ran(key, sk.variant, now)
		if f == nil {
			f = s.freshInstead(p, t, key, fp, sk.variant, now)
		}
		if f == nil {
			f = s.keptInstead(key, key, fp, sk.variant, now)
		}
	}
	if f == nil {
		f, err = s.siteForecastOnce(ctx, p, t.Site, key, fp, now)
		if err != nil || f == nil {
			return
		}
	}
	x, ok := f.turn(t)
	if !ok {
		return
	}
	tn := turnOf(x, p.TZ)
	if now := s.now(); t.State == "checked_in" {
		tn.WaitMin = int((max(0, tn.At.Sub(now)) + 30*time.Second) / time.Minute)
	}
	t.Forecast = &Forecast{Made: f.f.At, At: tn.At, Early: tn.Early, Late: tn.Late, WaitMin: tn.WaitMin, Method: f.f.Method}
}

// turn is ticket t's turn in f: a checked-in party's own, a booked one's
// its window's; false when f has none for it (another variant's forecast,
// or a party that checked in since it was made).
func (f *siteForecast) turn(t *TicketView) (sim.Turn, bool) {
	if f.variant != t.Variant {
		return sim.Turn{}, false
	}
	var x sim.Turn
	var ok bool
	if t.State == "checked_in" {
		x, ok = f.line[t.ID]
	} else {
		x, ok = f.win[t.WindowIdx]
	}
	return x, ok && !x.At.IsZero()
}

// freshInstead is the site's last forecast for ticket t's read when its
// site changed since, if the model made it less than ForecastFresh ago
// and it gives t a turn: the read answers with it at once, and the model
// runs again for the site behind the answer (refresh). In a morning rush
// a busy site changes several times a second, and each read that found
// it changed waited for a run of the model (tens of milliseconds there,
// behind the other sites' runs): residents' reads waited up to half a
// second. A read of a site whose last forecast is older (a quiet site:
// its run takes a few milliseconds), or without a turn for t (it checked
// in since), still waits for the run, and its answer is of now. Counted
// as kept (Metrics.Forecasts).
func (s *Service) freshInstead(p *Plan, t *TicketView, key, fp, variant string, now time.Time) *siteForecast {
	f := s.fc.younger(key, variant, ForecastFresh, now)
	if f == nil {
		return nil
	}
	if _, ok := f.turn(t); !ok {
		return nil
	}
	s.forecastKept.Inc()
	s.refresh(p, t.Site, key, fp, now)
	return f
}

// refreshTimeout bounds a refresh's reads of the store.
const refreshTimeout = 10 * time.Second

// refresh reads site's line and runs the model for it behind a read that
// answered with the site's last forecast (freshInstead), once for all the
// reads that find it changed alike (the flight of key for fp, which a
// read that must wait joins), and only while the model is within its
// share of the cores and has a core free (keptInstead): over them, the
// last forecast stands as it would for any read.
func (s *Service) refresh(p *Plan, site, key, fp string, now time.Time) {
	if !s.modelFree() || s.fc.flying(key, fp) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
		defer cancel()
		s.siteForecastOnce(ctx, p, site, key, fp, now)
	}()
}

// siteForecastOnce reads site's line, and with it its forecast, once for
// all the ticket reads that find the site changed alike (the flight of
// key for fp).
func (s *Service) siteForecastOnce(ctx context.Context, p *Plan, site, key, fp string, now time.Time) (*siteForecast, error) {
	return s.fc.once(key, fp, now, func() (*siteForecast, error) {
		_, f, err := s.line(ctx, p, site)
		return f, err
	})
}
