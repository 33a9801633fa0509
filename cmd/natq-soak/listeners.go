package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"natq/qr"
	"natq/queue"
	"natq/queue/server"
)

// The listeners run (-listeners N) holds N event streams open on one natq
// instance, as a testing morning has them, publishes real changes through
// the API and measures how soon each listener hears of each change.
//
// The instance is a child process (this program, re-executed with
// childEnv set) that serves the contest compound's plan the way `natq
// serve` does (server.New, the file limit's caps, one Redis client), on a
// fixed clock, so that natq's memory is measured apart from the client's.
//
// The mix, per site of the plan: one display and one tablet per desk on
// the site's stream; the rest are residents' pages, each of which holds
// two streams (resident.js): its ticket's and its site's. So of 10,000
// streams on the contest compound (6 sites, 30 desks), 36 are staff and
// 9,964 are 4,982 residents' pages.
//
// The changes are a desk's day at every site, in turn: a household books
// (its ticket's stream has no listener; the site's has), a listening
// resident checks in, the desk calls the next (that resident) and marks
// them sampled. Each change is two events (the ticket's and the site's).

// childEnv, when set, makes natq-soak the instance: "PLAN|ADDR|STATSADDR".
const childEnv = "NATQ_SOAK_LISTENERS_CHILD"

// listenersSecret signs the child's tickets; the parent issues a staff
// token on the same Redis with it.
const listenersSecret = "natq-soak-secret-0123456789"

// listenersDay is the fixed date the plan is made for and the child's
// clock stands on (06:00 there, before the first window).
var listenersDay = time.Date(2026, 12, 2, 6, 0, 0, 0, time.FixedZone("CST", 8*3600))

type listenersConfig struct {
	n       int           // streams
	addrs   int           // client addresses (127.0.0.2 on)
	rate    int           // changes per second
	dur     time.Duration // of the changes
	drop    int           // streams whose clients vanish, for the dropped-client check
	workdir string        // "" for a temporary one
}

// serveChild is the instance of a listeners run: it never returns.
func serveChild(spec string) {
	parts := strings.Split(spec, "|")
	if err := runChild(parts[0], parts[1], parts[2]); err != nil {
		fmt.Fprintln(os.Stderr, "natq-soak child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func runChild(planPath, addr, statsAddr string) error {
	ctx := context.Background()
	f, err := os.Open(planPath)
	if err != nil {
		return err
	}
	p, err := queue.LoadPlan(f)
	f.Close()
	if err != nil {
		return err
	}
	store, err := queue.OpenStore(ctx, queue.StoreConfigFromEnv(os.Getenv))
	if err != nil {
		return err
	}
	defer store.Close()
	signer, _ := qr.NewSigner([]byte(listenersSecret))
	o := queue.DefaultOptions()
	o.Now = func() time.Time { return listenersDay }
	o.Early, o.Grace = 48*time.Hour, 48*time.Hour
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector())
	o.Metrics = queue.NewMetrics(reg)
	svc := queue.New(store.Client, signer, o)
	if err := svc.OpenRound(ctx, p); err != nil {
		return err
	}
	// As natq serve does: connections and streams below the file limit.
	var rl syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	rl.Cur = rl.Max
	syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	opts := server.Options{Registry: reg}
	opts.MaxConns = max(int(rl.Cur)-256, 64)
	opts.MaxStreams = opts.MaxConns * 3 / 4
	app := server.New(svc, opts)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	sl, err := net.Listen("tcp", statsAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(selfStats(svc.Listeners()))
	})
	// Profiles of the instance: go tool pprof http://STATSADDR/debug/pprof/profile
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go http.Serve(sl, mux)
	return app.Listener(server.Listener(ln, nil))
}

// procStats is what a process holds: the child's, read by itself.
type procStats struct {
	RSSKB      int64   `json:"rss_kb"`
	HeapInuse  uint64  `json:"heap_inuse"`
	StackInuse uint64  `json:"stack_inuse"`
	Sys        uint64  `json:"sys"`
	Goroutines int     `json:"goroutines"`
	FDs        int     `json:"fds"`
	Listeners  int     `json:"listeners"`
	CPU        float64 `json:"cpu_s"` // user + system, since start
}

func selfStats(listeners int) procStats {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fds, _ := os.ReadDir("/proc/self/fd")
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return procStats{RSSKB: rssKB("self"), HeapInuse: m.HeapInuse, StackInuse: m.StackInuse, Sys: m.Sys,
		Goroutines: runtime.NumGoroutine(), FDs: len(fds), Listeners: listeners, CPU: cpuOf(ru)}
}

func cpuOf(ru syscall.Rusage) float64 {
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func rssKB(pid string) int64 {
	b, _ := os.ReadFile("/proc/" + pid + "/status")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// listenerStream is one client's event stream.
type listenerStream struct {
	path    string
	channel string // "t:<id>" or "s:<site>"
	// bookings: a site's stream that hears its bookings (?bookings=1, a
	// tablet's); a phone's and the display's do not.
	bookings bool
	local    net.IP
	conn     net.Conn
	stalled  atomic.Bool // stops reading (the dropped-client check)

	mu  sync.Mutex
	got map[evKey]time.Time // first arrival of each event
	err error               // why the stream ended, when it did
}

// evKey names a change: the ticket and the event's type (each ticket of
// the run is booked, checked in, called and sampled once).
type evKey struct {
	id  uint64
	typ string
}

type resident struct {
	id    uint64
	token string
	site  string
}

// open connects from s.local and reads the response's head and the
// stream's first comment: the listener is registered when it returns.
func (s *listenerStream) open(addr string) error {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: s.local}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return err
	}
	s.conn = c
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: natq\r\nAccept: text/event-stream\r\n\r\n", s.path)
	br := bufio.NewReaderSize(c, 2048)
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return err
	}
	if resp.StatusCode != 200 {
		c.Close()
		return fmt.Errorf("%s: %s", s.path, resp.Status)
	}
	lr := bufio.NewReaderSize(resp.Body, 2048)
	if _, err := lr.ReadSlice('\n'); err != nil { // "retry: <2000 to 4999>"
		c.Close()
		return err
	}
	c.SetReadDeadline(time.Time{})
	s.got = map[evKey]time.Time{}
	go s.read(lr)
	return nil
}

// read records each event's first arrival until the stream ends.
func (s *listenerStream) read(r *bufio.Reader) {
	var ev struct {
		Type     string `json:"type"`
		TicketID uint64 `json:"ticket_id"`
		Ticket   *struct {
			ID uint64 `json:"id"`
		} `json:"ticket"`
	}
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			return
		}
		now := time.Now()
		data, ok := strings.CutPrefix(string(line), "data: ")
		if !ok {
			continue
		}
		ev.Type, ev.TicketID, ev.Ticket = "", 0, nil
		if json.Unmarshal([]byte(data), &ev) != nil {
			continue
		}
		id := ev.TicketID
		if ev.Ticket != nil {
			id = ev.Ticket.ID
		}
		k := evKey{id, ev.Type}
		s.mu.Lock()
		if _, seen := s.got[k]; !seen {
			s.got[k] = now
		}
		s.mu.Unlock()
		for s.stalled.Load() {
			time.Sleep(time.Second)
		}
	}
}

// change is one state change made through the API and when it was
// answered.
type change struct {
	key      evKey
	site     string
	answered time.Time
}

func listenersRun(cfg listenersConfig) error {
	ctx := context.Background()
	dir := cfg.workdir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "natq-listeners-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	plan := filepath.Join(dir, "contest.plan.geojson")
	if out, err := exec.Command("go", "run", "./cmd/natq", "plan", "testdata/contest.geojson", "-o", plan, "--desks", "30",
		"--date", listenersDay.Format("2006-01-02"), "--tz", "Asia/Shanghai").CombinedOutput(); err != nil {
		return fmt.Errorf("natq plan: %v: %s", err, out)
	}
	compound, buildings, err := planBuildings(plan)
	if err != nil {
		return err
	}
	f, err := os.Open(plan)
	if err != nil {
		return err
	}
	qp, err := queue.LoadPlan(f)
	f.Close()
	if err != nil {
		return err
	}
	var sites []string
	desks := map[string]int{}
	ndesks := 0
	for _, s := range qp.Sites {
		if s.Variant == "dry" && s.Desks > 0 {
			sites = append(sites, s.ID)
			desks[s.ID] = s.Desks
			ndesks += s.Desks
		}
	}
	redisAddr, stopRedis, err := startRedis(dir)
	if err != nil {
		return err
	}
	defer stopRedis()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()

	// The instance.
	port, err := freePort()
	if err != nil {
		return err
	}
	sport, err := freePort()
	if err != nil {
		return err
	}
	natqAddr := fmt.Sprintf("127.0.0.1:%d", port)
	statsURL := fmt.Sprintf("http://127.0.0.1:%d/", sport)
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(exe)
	child.Env = append(os.Environ(), "REDIS_URL=redis://"+redisAddr,
		childEnv+"="+plan+"|"+natqAddr+"|"+fmt.Sprintf("127.0.0.1:%d", sport))
	child.Stdout, child.Stderr = io.Discard, os.Stderr
	child.SysProcAttr = childAttr()
	fmt.Printf("natq-soak: the instance serves on %s; its figures and profiles on %s (debug/pprof/)\n", natqAddr, statsURL)
	if err := child.Start(); err != nil {
		return err
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	stats := func() (procStats, error) {
		var st procStats
		r, err := hc.Get(statsURL)
		if err != nil {
			return st, err
		}
		defer r.Body.Close()
		return st, json.NewDecoder(r.Body).Decode(&st)
	}
	for i := 0; ; i++ {
		if r, err := hc.Get("http://" + natqAddr + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				break
			}
		}
		if i == 400 {
			return fmt.Errorf("the instance on %s did not become ready", natqAddr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	signer, _ := qr.NewSigner([]byte(listenersSecret))
	// On the child's clock: a staff token ends with the round, and on the
	// wall clock the round of listenersDay has ended from 3 December 2026.
	so := queue.DefaultOptions()
	so.Now = func() time.Time { return listenersDay }
	staffSvc := queue.New(rdb, signer, so)
	staffTok, err := staffSvc.AddStaff(ctx, compound, "natq-soak", queue.RoleMarshal)
	if err != nil {
		return err
	}
	base := "http://" + natqAddr
	call := func(method, path, body string, staff bool) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if staff {
			req.Header.Set("Authorization", "Bearer "+staffTok)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	// Households, each once: building, level and room from a counter.
	var hhSeq atomic.Int64
	book := func() (resident, error) {
		for tries := 0; tries < 50; tries++ {
			n := int(hhSeq.Add(1))
			b := buildings[n%len(buildings)]
			k := n / len(buildings)
			room := fmt.Sprintf("%d%02d", 1+k%b.levels, 1+k/b.levels)
			body := fmt.Sprintf(`{"building":%q,"unit":%q,"room":%q,"party":1}`, b.id, b.unit, room)
			code, m := call("POST", "/api/v1/compounds/"+compound+"/bookings", body, false)
			if code == 201 {
				tok, _ := m["ticket"].(string)
				id, _ := m["id"].(float64)
				site, _ := m["site"].(string)
				return resident{uint64(id), tok, site}, nil
			}
			if code != 200 && code != 409 && code != 400 {
				return resident{}, fmt.Errorf("booking: %d %v", code, m)
			}
		}
		return resident{}, errors.New("booking: no seat for 50 households in a row")
	}

	// The mix.
	staffStreams := 0
	for _, s := range sites {
		staffStreams += 1 + desks[s]
	}
	if cfg.n < staffStreams+2 {
		return fmt.Errorf("-listeners %d: at least %d (the sites' displays and tablets, and a resident)", cfg.n, staffStreams+2)
	}
	nres := (cfg.n - staffStreams) / 2
	perAddr := (cfg.n + cfg.addrs - 1) / cfg.addrs
	if perAddr > server.DefaultMaxStreamsPerAddress {
		return fmt.Errorf("-addrs %d: %d streams an address is over the per-address cap %d", cfg.addrs, perAddr, server.DefaultMaxStreamsPerAddress)
	}
	if cfg.addrs > 250*250 {
		return fmt.Errorf("-addrs %d: too many", cfg.addrs)
	}
	t0 := time.Now()
	residents := make([]resident, nres)
	{
		var wg sync.WaitGroup
		var bErr atomic.Value
		var next atomic.Int64
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1)) - 1; i < nres; i = int(next.Add(1)) - 1 {
					r, err := book()
					if err != nil {
						bErr.Store(err)
						return
					}
					residents[i] = r
				}
			}()
		}
		wg.Wait()
		if e, _ := bErr.Load().(error); e != nil {
			return e
		}
	}
	fmt.Printf("natq-soak: %s, %d dry sites, %d desks; %d residents booked in %v\n", compound, len(sites), ndesks, nres, time.Since(t0).Round(time.Millisecond))
	var streams []*listenerStream
	for _, s := range sites {
		// The site's display, and a tablet a desk with its bookings.
		streams = append(streams, &listenerStream{path: "/api/v1/sites/" + s + "/events", channel: "s:" + s})
		for i := 0; i < desks[s]; i++ {
			streams = append(streams, &listenerStream{path: "/api/v1/sites/" + s + "/events?bookings=1", channel: "s:" + s, bookings: true})
		}
	}
	for _, r := range residents {
		streams = append(streams,
			&listenerStream{path: "/api/v1/tickets/" + r.token + "/events", channel: "t:" + strconv.FormatUint(r.id, 10)},
			&listenerStream{path: "/api/v1/sites/" + r.site + "/events", channel: "s:" + r.site})
	}
	// A page's two streams come from one address; addresses in turn.
	for i, s := range streams {
		a := 1 + i/perAddr
		s.local = net.IPv4(127, 0, byte(a/254), byte(1+a%254))
	}
	listenersByChannel := map[string][]*listenerStream{}
	for _, s := range streams {
		listenersByChannel[s.channel] = append(listenersByChannel[s.channel], s)
	}
	// hearing are the listeners a change's event is for: its ticket's
	// streams and its site's, of those that hear bookings for a booking.
	hearing := func(ch change) []*listenerStream {
		ls := slices.Clone(listenersByChannel["t:"+strconv.FormatUint(ch.key.id, 10)])
		for _, s := range listenersByChannel["s:"+ch.site] {
			if s.bookings || ch.key.typ != "booked" {
				ls = append(ls, s)
			}
		}
		return ls
	}

	before, err := stats()
	if err != nil {
		return err
	}
	var ruBefore syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ruBefore)
	clientsBefore := redisClients(ctx, rdb)
	t1 := time.Now()
	{
		sem := make(chan struct{}, 128)
		var wg sync.WaitGroup
		var failed atomic.Int64
		var firstErr atomic.Value
		for _, s := range streams {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				if err := s.open(natqAddr); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}()
		}
		wg.Wait()
		if n := failed.Load(); n > 0 {
			return fmt.Errorf("%d of %d streams did not open, the first: %v", n, len(streams), firstErr.Load())
		}
	}
	opened := time.Since(t1)
	open, err := stats()
	if err != nil {
		return err
	}
	clientsOpen := redisClients(ctx, rdb)
	if open.Listeners != len(streams) {
		return fmt.Errorf("%d streams open, the instance holds %d listeners", len(streams), open.Listeners)
	}
	var ruOpen syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ruOpen)

	// The changes: every site in turn, one change each tick.
	var changes []change
	var cmu sync.Mutex
	record := func(k evKey, site string) {
		cmu.Lock()
		changes = append(changes, change{k, site, time.Now()})
		cmu.Unlock()
	}
	bySite := map[string][]resident{}
	for _, r := range residents {
		bySite[r.site] = append(bySite[r.site], r)
	}
	var cycleErr error
	cycles := max(1, cfg.rate*int(cfg.dur/time.Millisecond)/1000/4)
	tick := time.NewTicker(time.Second / time.Duration(max(cfg.rate, 1)))
	step := func() { <-tick.C }
	t2 := time.Now()
	for c := 0; c < cycles && cycleErr == nil; c++ {
		site := sites[c%len(sites)]
		q := bySite[site]
		if len(q) == 0 {
			continue
		}
		r := q[0]
		bySite[site] = q[1:]
		step()
		nb, err := book()
		if err != nil {
			cycleErr = err
			break
		}
		record(evKey{nb.id, "booked"}, nb.site)
		step()
		if code, m := call("POST", "/api/v1/sites/"+site+"/checkins", fmt.Sprintf(`{"ticket":%q}`, r.token), true); code != 200 {
			cycleErr = fmt.Errorf("check-in at %s: %d %v", site, code, m)
			break
		}
		record(evKey{r.id, "checked_in"}, site)
		step()
		code, m := call("POST", "/api/v1/sites/"+site+"/calls", `{"desk":1}`, true)
		if code != 200 {
			cycleErr = fmt.Errorf("call at %s: %d %v", site, code, m)
			break
		}
		idf, _ := m["id"].(float64)
		tok, _ := m["ticket"].(string)
		record(evKey{uint64(idf), "called"}, site)
		step()
		if code, m := call("POST", "/api/v1/tickets/"+tok+"/sampled", "", true); code != 200 {
			cycleErr = fmt.Errorf("sampled at %s: %d %v", site, code, m)
			break
		}
		record(evKey{uint64(idf), "sampled"}, site)
	}
	tick.Stop()
	published := time.Since(t2)
	if cycleErr != nil {
		return cycleErr
	}
	// The last events: until every listener has each one, or 30 s (a
	// bound; what is still missing then is counted as missed).
	missing := func() int {
		n := 0
		for _, ch := range changes {
			for _, s := range hearing(ch) {
				s.mu.Lock()
				if _, ok := s.got[ch.key]; !ok {
					n++
				}
				s.mu.Unlock()
			}
		}
		return n
	}
	for t := time.Now(); missing() > 0 && time.Since(t) < 30*time.Second; {
		time.Sleep(100 * time.Millisecond)
	}
	var ruUpd syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ruUpd)
	during, err := stats()
	if err != nil {
		return err
	}

	// Each change's listeners: its ticket's stream and its site's.
	var lat []time.Duration
	var expected, missed, early int
	for _, ch := range changes {
		for _, s := range hearing(ch) {
			expected++
			s.mu.Lock()
			at, ok := s.got[ch.key]
			s.mu.Unlock()
			if !ok {
				missed++
				continue
			}
			d := at.Sub(ch.answered)
			if d < 0 {
				early++
				d = 0
			}
			lat = append(lat, d)
		}
	}
	ended := 0
	for _, s := range streams {
		s.mu.Lock()
		if s.err != nil {
			ended++
		}
		s.mu.Unlock()
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	within := sort.Search(len(lat), func(i int) bool { return lat[i] > time.Second })

	// Dropped clients: half reset their connections (RST), half vanish:
	// their sockets are closed in repair mode (TCP_REPAIR, as CRIU does),
	// so that nothing is sent, neither FIN nor RST, as when a phone is
	// switched off; the instance hears of it only when it next writes.
	var resetFreed, vanishFreed time.Duration
	var vanished int
	dropped := min(cfg.drop, len(streams)/2)
	waitListeners := func(want int, what string) (time.Duration, error) {
		t := time.Now()
		for {
			st, err := stats()
			if err != nil {
				return 0, err
			}
			if st.Listeners <= want {
				return time.Since(t), nil
			}
			if time.Since(t) > 2*time.Minute {
				return 0, fmt.Errorf("%s: after %v the instance still holds %d of them", what, time.Since(t).Round(time.Second), st.Listeners-want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if dropped > 0 {
		reset := streams[len(streams)-dropped : len(streams)-dropped/2]
		gone := streams[len(streams)-dropped/2:]
		for _, s := range reset {
			if tc, ok := s.conn.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			s.conn.Close()
		}
		if resetFreed, err = waitListeners(len(streams)-len(reset), fmt.Sprintf("%d clients reset their connections", len(reset))); err != nil {
			return err
		}
		for _, s := range gone {
			if silentClose(s.conn) {
				vanished++
			}
		}
		if vanishFreed, err = waitListeners(len(streams)-dropped, fmt.Sprintf("%d clients vanished", len(gone))); err != nil {
			return err
		}
		streams = streams[:len(streams)-dropped]
	}

	// Close every stream (FIN, as a page that is left) and wait for the
	// instance to free them.
	t3 := time.Now()
	for _, s := range streams {
		s.conn.Close()
	}
	var after procStats
	var freed, idle time.Duration
	for {
		if after, err = stats(); err != nil {
			return err
		}
		if after.Listeners == 0 && freed == 0 {
			freed = time.Since(t3)
		}
		// fasthttp keeps a connection's worker goroutine, idle, for 10 s.
		if freed > 0 && after.Goroutines <= before.Goroutines+5 {
			idle = time.Since(t3)
			break
		}
		if time.Since(t3) > 60*time.Second {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if after, err = stats(); err != nil {
		return err
	}
	clientsAfter := redisClients(ctx, rdb)

	n := len(streams) + dropped
	mb := func(b uint64) float64 { return float64(b) / (1 << 20) }
	per := func(a, b float64) float64 { return (b - a) / float64(n) }
	la, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("natq-soak: %d event streams (%d residents' pages x2, %d displays and tablets) from %d addresses (<= %d each), opened in %v\n",
		n, nres, staffStreams, cfg.addrs, perAddr, opened.Round(time.Millisecond))
	fmt.Printf("%-24s %12s %12s %12s %12s\n", "natq instance", "before", "streams open", "after updates", "all closed")
	fmt.Printf("%-24s %12.1f %12.1f %12.1f %12.1f   per stream %.1f KB\n", "RSS (MB)", float64(before.RSSKB)/1024, float64(open.RSSKB)/1024, float64(during.RSSKB)/1024, float64(after.RSSKB)/1024, per(float64(before.RSSKB), float64(open.RSSKB)))
	fmt.Printf("%-24s %12.1f %12.1f %12.1f %12.1f   per stream %.1f KB\n", "heap in use (MB)", mb(before.HeapInuse), mb(open.HeapInuse), mb(during.HeapInuse), mb(after.HeapInuse), per(float64(before.HeapInuse), float64(open.HeapInuse))/1024)
	fmt.Printf("%-24s %12.1f %12.1f %12.1f %12.1f   per stream %.1f KB\n", "stacks (MB)", mb(before.StackInuse), mb(open.StackInuse), mb(during.StackInuse), mb(after.StackInuse), per(float64(before.StackInuse), float64(open.StackInuse))/1024)
	fmt.Printf("%-24s %12d %12d %12d %12d   per stream %.2f\n", "goroutines", before.Goroutines, open.Goroutines, during.Goroutines, after.Goroutines, per(float64(before.Goroutines), float64(open.Goroutines)))
	fmt.Printf("%-24s %12d %12d %12d %12d\n", "file descriptors", before.FDs, open.FDs, during.FDs, after.FDs)
	fmt.Printf("%-24s %12d %12d %12s %12d\n", "listeners", before.Listeners, open.Listeners, "", after.Listeners)
	fmt.Printf("%-24s %12d %12d %12s %12d\n", "Redis clients", clientsBefore, clientsOpen, "", clientsAfter)
	fmt.Printf("updates: %d changes (book, check-in, call, sampled at each site in turn) in %v (%.0f/s), %d deliveries expected\n",
		len(changes), published.Round(time.Millisecond), float64(len(changes))/published.Seconds(), expected)
	fmt.Printf("answer -> arrival: p50 %v  p99 %v  p99.9 %v  max %v; within 1 s %.3f%%; before the answer %d; missed %d; streams ended early %d\n",
		q(0.5).Round(time.Microsecond), q(0.99).Round(time.Microsecond), q(0.999).Round(time.Microsecond), q(1).Round(time.Microsecond),
		100*float64(within)/float64(max(expected, 1)), early, missed, ended)
	fmt.Printf("CPU: the instance %.2f s while the streams opened, %.2f s during the updates; this client %.2f s and %.2f s\n",
		open.CPU-before.CPU, during.CPU-open.CPU, cpuOf(ruOpen)-cpuOf(ruBefore), cpuOf(ruUpd)-cpuOf(ruOpen))
	if dropped > 0 {
		fmt.Printf("dropped clients: %d reset their connections: freed in %v; %d vanished (closed silently: %d): freed in %v (the heartbeat is every 15 s)\n",
			dropped-dropped/2, resetFreed.Round(time.Millisecond), dropped/2, vanished, vanishFreed.Round(time.Millisecond))
	}
	fmt.Printf("closing the other %d: listeners freed in %v, goroutines back in %v; load average %s", len(streams), freed.Round(time.Millisecond), idle.Round(time.Millisecond), la)
	var bad []string
	if missed > 0 {
		bad = append(bad, fmt.Sprintf("%d deliveries missed", missed))
	}
	if ended > dropped {
		bad = append(bad, fmt.Sprintf("%d streams ended before the close", ended-dropped))
	}
	if after.Listeners != 0 {
		bad = append(bad, fmt.Sprintf("%d listeners left after the close", after.Listeners))
	}
	// The instance's own goroutines and files come and go a little (the
	// stats connection, keep-alive connections of the API calls, idle
	// since); a stream's are gone.
	if after.Goroutines > before.Goroutines+10 {
		bad = append(bad, fmt.Sprintf("goroutines %d before, %d after", before.Goroutines, after.Goroutines))
	}
	// A file more is a Redis connection more (the pool grew).
	if after.FDs > before.FDs+max(clientsAfter-clientsBefore, 0)+10 {
		bad = append(bad, fmt.Sprintf("file descriptors %d before, %d after", before.FDs, after.FDs))
	}
	// The streams share one subscription: opening them may grow the
	// pool of Redis connections (each opening reads its ticket), up to the
	// pool's bound, not a connection a stream.
	if clientsOpen > clientsBefore+redisPoolBound || clientsAfter > clientsOpen {
		bad = append(bad, fmt.Sprintf("Redis clients %d before, %d open, %d after", clientsBefore, clientsOpen, clientsAfter))
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// redisPoolBound is the most connections an instance opens to a Redis
// node: its main pool's bound (queue.MaxRedisConns), go-redis's pipeline
// pool of 10, and the subscription. A connection a stream would be
// thousands.
const redisPoolBound = queue.MaxRedisConns + 10 + 1

// silentClose closes conn without a FIN or a RST (TCP_REPAIR needs
// CAP_NET_ADMIN); false when it could only close it plainly.
func silentClose(conn net.Conn) bool {
	ok := false
	if sc, is := conn.(syscall.Conn); is {
		if rc, err := sc.SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) {
				ok = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpRepair, 1) == nil
			})
		}
	}
	conn.Close()
	return ok
}

// tcpRepair is TCP_REPAIR (linux/tcp.h).
const tcpRepair = 19

func redisClients(ctx context.Context, rdb *redis.Client) int {
	info, _ := rdb.Info(ctx, "clients").Result()
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "connected_clients:"); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
