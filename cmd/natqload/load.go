package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"natq/queue"
)

// config is natqload's flags, parsed.
type config struct {
	url, host, planFile, compound, staffToken string
	pprofURL, pprofOut, cpuProfile            string
	duration, timeout                         time.Duration
	concurrency, prebook, maxParty, firstRoom int
	rate                                      int
	listeners                                 int
	mix                                       mix
	check, allowRemote                        bool
	seed, requests                            int64
	watch                                     []watched
}

// A kind is one kind of request natqload sends.
type kind int

const (
	kindBook kind = iota
	kindRepeat
	kindTicket
	kindDesk // chooses the desk cycle; its requests are counted as the three below
	kindCheckIn
	kindCall
	kindSampled
	nKinds
)

var kindNames = [nKinds]string{"book", "repeat", "ticket", "desk", "checkin", "call", "sampled"}

// mix is the weight of each kind a worker may choose (book, repeat, ticket, desk).
type mix [kindDesk + 1]int

func (m mix) String() string {
	var parts []string
	for k, w := range m {
		if w > 0 {
			parts = append(parts, kindNames[k]+"="+strconv.Itoa(w))
		}
	}
	return strings.Join(parts, ",")
}

func parseMix(s string) (mix, error) {
	var m mix
	total := 0
	for _, part := range strings.Split(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(w)
		if !ok || err != nil || n < 0 {
			return m, usagef("--mix %q: want KIND=WEIGHT,... (weights 0 or more), not %q", s, part)
		}
		k := slices.Index(kindNames[:kindDesk+1], name)
		if k < 0 {
			return m, usagef("--mix %q: no kind %q (book, repeat, ticket, desk)", s, name)
		}
		m[k] = n
		total += n
	}
	if total == 0 {
		return m, usagef("--mix %q: every weight is 0", s)
	}
	return m, nil
}

// checkURL returns the host:port of a natq URL, refusing an address that
// is not loopback unless allowRemote: a load run aimed at someone's
// production server by a typo is a denial of service.
func checkURL(raw string, allowRemote bool) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return "", usagef("--url %q: want http://HOST:PORT", raw)
	}
	if u.Path != "" && u.Path != "/" {
		return "", usagef("--url %q: give natq's root, without a path", raw)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
	}
	if !allowRemote {
		ips, err := net.LookupIP(host)
		if err != nil {
			return "", usagef("--url %q: %v", raw, err)
		}
		for _, ip := range ips {
			if !ip.IsLoopback() {
				return "", usagef("--url %q: %s is not a loopback address (127.0.0.0/8, ::1); natqload refuses to load another machine unless --allow-remote", raw, ip)
			}
		}
	}
	return net.JoinHostPort(host, port), nil
}

// household is a flat's address in the plan, but for its room: a
// building's unit ("" when its windows name none), and the building's
// floors (0 when the plan does not say), which bound its room numbers.
type household struct {
	building, unit string
	levels         int
}

// households reads the plan's buildings and units, and returns them as
// slots: each unit as many times as the people its windows call (by 4, at
// least once), shuffled, so that bookings reach each unit in proportion to
// its size and the plan's capacity is used up evenly, as on the real
// morning, rather than small buildings filling first.
func households(path string, seed int64) ([]household, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	p, err := queue.LoadPlan(f)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	units := map[string]bool{} // buildings some group names a unit of
	for _, w := range p.Windows {
		for _, g := range w.Groups {
			if g.Unit != "" {
				units[g.Building] = true
			}
		}
	}
	people := map[household]int{}
	var order []household
	for _, w := range p.Windows {
		if w.Variant != p.Variants[0] {
			continue
		}
		for _, g := range w.Groups {
			h := household{g.Building, g.Unit, 0}
			if b := p.File.Building(g.Building); b != nil {
				h.levels = b.Levels
			}
			if g.Unit == "" && units[g.Building] {
				continue
			}
			if _, ok := people[h]; !ok {
				order = append(order, h)
			}
			people[h] += g.People
		}
	}
	var slots []household
	for _, h := range order {
		for range max(1, people[h]/4) {
			slots = append(slots, h)
		}
	}
	if len(slots) == 0 {
		return nil, "", fmt.Errorf("%s: the schedule calls no building", path)
	}
	rand.New(rand.NewSource(seed)).Shuffle(len(slots), func(i, j int) { slots[i], slots[j] = slots[j], slots[i] })
	return slots, p.Compound.ID, nil
}

// siteDesks reads how many desks each site of the plan has (the most in
// any variant, at least 1), as the queue counts them.
func siteDesks(path string) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := queue.LoadPlan(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	desks := map[string]int{}
	for _, s := range p.Sites {
		desks[s.ID] = max(desks[s.ID], s.Desks, 1)
	}
	return desks, nil
}

// ticket is a booking natqload got: what later requests need of it.
type ticket struct {
	token, site string
	household   int // the household's number (see runner.body)
	party       int
}

// runner sends the requests and keeps the tickets they got.
type runner struct {
	c      *config
	hs     []household
	client *fasthttp.HostClient
	base   string

	next atomic.Int64 // the next new household's number
	// rank[i] is slot i's place among the slots of its unit, copies how
	// many slots each unit has: household n of slot i is then the unit's
	// (n/len(hs))*copies + rank[i]-th household, distinct for every n.
	rank   []int
	copies map[household]int

	mu      sync.Mutex
	tickets []ticket // every ticket booked, for repeat and ticket
	seats   int      // seats of the new tickets natqload got
	fresh   chan ticket

	// desks holds each site's free desk numbers: a desk worker calls at a
	// desk of its own, as a marshal does, since a desk with an open call
	// is refused another (desk_busy).
	desks map[string]chan int
}

func newRunner(c *config, hs []household, desks map[string]int) *runner {
	r := &runner{c: c, hs: hs, base: strings.TrimRight(c.url, "/"), fresh: make(chan ticket, 1<<16), desks: map[string]chan int{},
		client: &fasthttp.HostClient{Addr: c.host, MaxConns: c.concurrency + 4, ReadTimeout: c.timeout,
			WriteTimeout: c.timeout, MaxIdleConnDuration: time.Minute, Name: "natqload"}}
	for site, n := range desks {
		r.desks[site] = make(chan int, n)
		for d := 1; d <= n; d++ {
			r.desks[site] <- d
		}
	}
	r.next.Store(int64(c.firstRoom - 1))
	r.rank, r.copies = make([]int, len(hs)), map[household]int{}
	for i, h := range hs {
		r.rank[i] = r.copies[h]
		r.copies[h]++
	}
	return r
}

// body is the booking of household n: the unit of slot n (round the
// slots), and a room of that unit no other n shares while the unit has
// rooms left (floor, then a two-digit door: 101 ... 199, 201 ...).
func (r *runner) body(n int64, party int) []byte { return r.bodyHolding(n, party, "") }

// bodyHolding is body with the household's ticket, as the phone that
// booked it asks again: natq answers a repeat only to a request that
// holds the ticket (held "" for none). Every body carries a phone's key,
// as the resident's page sends its own (one phone a household here).
func (r *runner) bodyHolding(n int64, party int, held string) []byte {
	i := n % int64(len(r.hs))
	h := r.hs[i]
	k := n/int64(len(r.hs))*int64(r.copies[h]) + int64(r.rank[i])
	floors := int64(h.levels)
	if floors <= 0 {
		floors = 60 // the queue's bound when the plan does not say
	}
	k %= floors * 99
	room := (1+k/99)*100 + 1 + k%99
	b, _ := json.Marshal(struct {
		queue.Household
		Ticket string `json:"ticket,omitempty"`
		Key    string `json:"key"`
	}{queue.Household{Building: h.building, Unit: h.unit, Room: strconv.FormatInt(room, 10), Party: party}, held,
		fmt.Sprintf("%032x", uint64(n)*0x9e3779b97f4a7c15)})
	return b
}

// keep keeps a booked ticket for repeat and ticket requests, and as a
// fresh one for the desk unless the desk booked it for itself.
func (r *runner) keep(t ticket, created, fresh bool) {
	r.mu.Lock()
	r.tickets = append(r.tickets, t)
	if created {
		r.seats += t.party
	}
	r.mu.Unlock()
	if fresh {
		select {
		case r.fresh <- t:
		default:
		}
	}
}

func (r *runner) seatsBooked() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seats
}

func (r *runner) pick(rng *rand.Rand) (ticket, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.tickets) == 0 {
		return ticket{}, false
	}
	return r.tickets[rng.Intn(len(r.tickets))], true
}

// worker is one request in flight: its own request, response, random
// source and tallies, so the hot loop shares nothing but the ticket pool.
type worker struct {
	r     *runner
	rng   *rand.Rand
	req   *fasthttp.Request
	resp  *fasthttp.Response
	tally [nKinds]tally
}

// tally is one kind's answers and latencies.
type tally struct {
	lat      []time.Duration
	answers  map[string]int // "201", "409 full", "error: ..."
	errs     []string       // the first transport errors, verbatim
	mismatch int            // repeat bookings answered with another ticket
}

func (t *tally) add(d time.Duration, answer string) {
	t.lat = append(t.lat, d)
	if t.answers == nil {
		t.answers = map[string]int{}
	}
	t.answers[answer]++
}

func (r *runner) newWorker(seed int64) *worker {
	return &worker{r: r, rng: rand.New(rand.NewSource(seed)), req: fasthttp.AcquireRequest(), resp: fasthttp.AcquireResponse()}
}

// do sends one request and records it under k; it returns the status (0
// for a transport error) and the body, valid until the next do.
func (w *worker) do(k kind, method, path string, body []byte, staff bool) (int, []byte) {
	req, resp := w.req, w.resp
	req.Reset()
	resp.Reset()
	req.Header.SetMethod(method)
	req.SetRequestURI(w.r.base + path)
	if body != nil {
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(body)
	}
	if staff {
		req.Header.Set("Authorization", "Bearer "+w.r.c.staffToken)
	}
	start := time.Now()
	err := w.r.client.DoTimeout(req, resp, w.r.c.timeout)
	d := time.Since(start)
	t := &w.tally[k]
	if err != nil {
		t.add(d, "error")
		if len(t.errs) < 3 {
			t.errs = append(t.errs, err.Error())
		}
		return 0, nil
	}
	status, b := resp.StatusCode(), resp.Body()
	answer := strconv.Itoa(status)
	if status >= 300 {
		if code := field(b, "code"); code != "" {
			answer += " " + code
		}
	}
	t.add(d, answer)
	return status, b
}

// field finds a string field of a JSON object by scanning, without
// decoding the body: natqload shares the machine with the server it
// measures, so its own work per request must stay small. The first
// occurrence wins, which for natq's answers is the top-level one.
func field(b []byte, name string) string {
	key := []byte(`"` + name + `":"`)
	i := bytes.Index(b, key)
	if i < 0 {
		return ""
	}
	rest := b[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

func (w *worker) party() int { return 1 + w.rng.Intn(w.r.c.maxParty) }

// book books a new household; the ticket goes to the desks if fresh. ok
// is false when no ticket came back, or when the household had one
// already (its rooms run out and start again): a desk checks in only a
// ticket booked for it, not one sampled before.
func (w *worker) book(fresh bool) (_ ticket, ok bool) {
	n := w.r.next.Add(1) - 1
	party := w.party()
	status, b := w.do(kindBook, "POST", "/api/v1/compounds/"+w.r.c.compound+"/bookings", w.r.body(n, party), false)
	if status != 200 && status != 201 {
		return ticket{}, false
	}
	t := ticket{token: field(b, "ticket"), site: field(b, "site"), household: int(n), party: party}
	if t.token == "" {
		return ticket{}, false
	}
	w.r.keep(t, status == 201, fresh && status == 201)
	return t, status == 201
}

// repeat books a household that has a ticket again, holding it (as the
// phone that booked it does): natq must answer with the same ticket.
func (w *worker) repeat() {
	t, ok := w.r.pick(w.rng)
	if !ok {
		w.book(true)
		return
	}
	status, b := w.do(kindRepeat, "POST", "/api/v1/compounds/"+w.r.c.compound+"/bookings", w.r.bodyHolding(int64(t.household), t.party, t.token), false)
	if status == 200 || status == 201 {
		if got := field(b, "ticket"); got != t.token {
			w.tally[kindRepeat].mismatch++
		}
	}
}

func (w *worker) readTicket() {
	t, ok := w.r.pick(w.rng)
	if !ok {
		w.book(true)
		return
	}
	w.do(kindTicket, "GET", "/api/v1/tickets/"+t.token, nil, false)
}

// desk checks a booked ticket in at its site, calls the site's next and
// marks the called ticket sampled, as a desk does all day. Each worker
// calls only after its own check-in, so a site's line is never called
// empty by natqload itself, and calls at a desk no other worker holds
// meanwhile (waiting for one off the clock when all the site's are taken).
func (w *worker) desk() {
	var t ticket
	select {
	case t = <-w.r.fresh:
	default:
		var ok bool
		if t, ok = w.book(false); !ok {
			return
		}
	}
	body, _ := json.Marshal(map[string]string{"ticket": t.token})
	if status, _ := w.do(kindCheckIn, "POST", "/api/v1/sites/"+t.site+"/checkins", body, true); status != 200 {
		return
	}
	var callBody []byte
	if pool := w.r.desks[t.site]; pool != nil {
		d := <-pool
		defer func() { pool <- d }()
		callBody, _ = json.Marshal(map[string]int{"desk": d})
	}
	status, b := w.do(kindCall, "POST", "/api/v1/sites/"+t.site+"/calls", callBody, true)
	if status == 409 && field(b, "code") == "desk_busy" {
		// The desk's open call (another run's, or a sampled request
		// that failed): finish it, as the marshal would.
		status = 200
	}
	if status != 200 {
		return
	}
	if called := field(b, "ticket"); called != "" {
		w.do(kindSampled, "POST", "/api/v1/tickets/"+called+"/sampled", nil, true)
	}
}

// prebook books n households before the clock starts.
func (r *runner) prebook(ctx context.Context, n int) error {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	var booked atomic.Int64
	for i := 0; i < r.c.concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := r.newWorker(r.c.seed*1000 + int64(i))
			for left.Add(-1) >= 0 && ctx.Err() == nil {
				if _, ok := w.book(true); ok {
					booked.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if booked.Load() == 0 {
		return fmt.Errorf("none of %d bookings before the run got a ticket: is natq serving %s from %s at %s?", n, r.c.compound, r.c.planFile, r.c.url)
	}
	return ctx.Err()
}

// result is a run's tallies, merged.
type result struct {
	watch          []watched
	elapsed        time.Duration
	kinds          [nKinds]tally
	repeatMismatch int
}

func (r *runner) run(ctx context.Context) *result {
	ctx, cancel := context.WithTimeout(ctx, r.c.duration)
	defer cancel()
	total := 0
	for _, w := range r.c.mix {
		total += w
	}
	var chosen atomic.Int64
	var tokens <-chan struct{}
	if r.c.rate > 0 {
		tokens = pace(ctx, r.c.rate, r.c.concurrency)
	}
	workers := make([]*worker, r.c.concurrency)
	var wg sync.WaitGroup
	startWatch(r.c.watch)
	start := time.Now()
	for i := range workers {
		w := r.newWorker(r.c.seed*1000 + 500 + int64(i))
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if tokens != nil {
					select {
					case <-tokens:
					case <-ctx.Done():
						return
					}
				}
				if r.c.requests > 0 && chosen.Add(1) > r.c.requests {
					return
				}
				x := w.rng.Intn(total)
				k := kind(0)
				for ; x >= r.c.mix[k]; k++ {
					x -= r.c.mix[k]
				}
				switch k {
				case kindBook:
					w.book(true)
				case kindRepeat:
					w.repeat()
				case kindTicket:
					w.readTicket()
				case kindDesk:
					w.desk()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopWatch(r.c.watch)
	res := &result{elapsed: elapsed, watch: r.c.watch}
	for _, w := range workers {
		for k := range w.tally {
			t, m := &w.tally[k], &res.kinds[k]
			m.lat = append(m.lat, t.lat...)
			if m.answers == nil {
				m.answers = map[string]int{}
			}
			for a, n := range t.answers {
				m.answers[a] += n
			}
			if len(m.errs) < 3 {
				m.errs = append(m.errs, t.errs...)
			}
			res.repeatMismatch += t.mismatch
		}
	}
	return res
}

// pace hands out rate tokens a second, one per choice of the mix, in
// steps of a millisecond. A token not taken within its step is dropped
// (up to burst are kept), so a server slower than the rate gets what it
// can take, and the answer rate shows how far it fell short. Latency is
// timed from each request's sending.
func pace(ctx context.Context, rate, burst int) <-chan struct{} {
	ch := make(chan struct{}, burst)
	go func() {
		const step = time.Millisecond
		t := time.NewTicker(step)
		defer t.Stop()
		start, given := time.Now(), int64(0)
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				due := int64(now.Sub(start).Seconds() * float64(rate))
				for ; given < due; given++ {
					select {
					case ch <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	return ch
}

// quantile is the q-quantile of sorted latencies (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

func (res *result) write(w io.Writer) {
	secs := res.elapsed.Seconds()
	n := 0
	for _, t := range res.kinds {
		n += len(t.lat)
	}
	fmt.Fprintf(w, "%d requests in %.2fs: %.0f requests/s\n", n, secs, float64(n)/secs)
	fmt.Fprintf(w, "%-8s %9s %10s %8s %8s %8s %8s  %s\n", "kind", "requests", "per s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "answers")
	for k, t := range res.kinds {
		if len(t.lat) == 0 {
			continue
		}
		lat := slices.Clone(t.lat)
		slices.Sort(lat)
		answers := make([]string, 0, len(t.answers))
		for a := range t.answers {
			answers = append(answers, a)
		}
		sort.Strings(answers)
		for i, a := range answers {
			answers[i] = fmt.Sprintf("%s: %d", a, t.answers[a])
		}
		fmt.Fprintf(w, "%-8s %9d %10.0f %8s %8s %8s %8s  %s\n", kindNames[k], len(lat), float64(len(lat))/secs,
			ms(quantile(lat, 0.5)), ms(quantile(lat, 0.99)), ms(quantile(lat, 0.999)), ms(lat[len(lat)-1]), strings.Join(answers, ", "))
		for _, e := range t.errs {
			fmt.Fprintf(w, "         error: %s\n", e)
		}
	}
	writeWatch(w, res.watch, res.elapsed, n)
	if res.repeatMismatch > 0 {
		fmt.Fprintf(w, "FAIL: %d repeat bookings were answered with another ticket than the household's\n", res.repeatMismatch)
	}
}

// capacityReport is what the check afterwards found.
type capacityReport struct {
	windows, over, overOnline int
	booked                    int
	lines                     []string
}

func (rep *capacityReport) write(w io.Writer, seats int) {
	fmt.Fprintf(w, "check: %d windows, %d people booked in them (%d seats of new tickets from natqload)\n", rep.windows, rep.booked, seats)
	for _, l := range rep.lines {
		fmt.Fprintln(w, "  "+l)
	}
	switch {
	case rep.over > 0:
		fmt.Fprintf(w, "FAIL: %d windows hold more people than their capacity\n", rep.over)
	case rep.overOnline > 0:
		fmt.Fprintf(w, "check: no window over capacity; %d over their online share (paper tickets may use it)\n", rep.overOnline)
	default:
		fmt.Fprintln(w, "check: no window over capacity")
	}
}

// checkCapacity reads the compound through the API and checks every
// window's booked people against its capacity.
func (r *runner) checkCapacity(ctx context.Context) (*capacityReport, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(r.base + "/api/v1/compounds/" + r.c.compound)
	if err := r.client.DoTimeout(req, resp, 30*time.Second); err != nil {
		return nil, err
	}
	if resp.StatusCode() != 200 {
		return nil, fmt.Errorf("GET /api/v1/compounds/%s: %d %.200s", r.c.compound, resp.StatusCode(), resp.Body())
	}
	var cs struct {
		Sites []struct {
			ID      string `json:"id"`
			Variant string `json:"variant"`
			Windows []struct {
				Index    int  `json:"index"`
				Capacity *int `json:"capacity"`
				Online   int  `json:"online"`
				Booked   *int `json:"booked"`
			} `json:"windows"`
		} `json:"sites"`
	}
	if err := json.Unmarshal(resp.Body(), &cs); err != nil {
		return nil, fmt.Errorf("GET /api/v1/compounds/%s: %w", r.c.compound, err)
	}
	rep := &capacityReport{}
	for _, s := range cs.Sites {
		for _, w := range s.Windows {
			if w.Capacity == nil || w.Booked == nil {
				return nil, fmt.Errorf("GET /api/v1/compounds/%s: site %s window %d has no capacity or booked", r.c.compound, s.ID, w.Index)
			}
			rep.windows++
			rep.booked += *w.Booked
			if *w.Booked > *w.Capacity {
				rep.over++
				rep.lines = append(rep.lines, fmt.Sprintf("OVER: site %s (%s) window %d: %d booked, capacity %d", s.ID, s.Variant, w.Index, *w.Booked, *w.Capacity))
			} else if *w.Booked > w.Online {
				rep.overOnline++
			}
		}
	}
	if rep.windows == 0 {
		return nil, fmt.Errorf("GET /api/v1/compounds/%s: no windows to check", r.c.compound)
	}
	return rep, ctx.Err()
}
