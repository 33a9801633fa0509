package queue

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"natq/planner/errs"
	"natq/planner/planfile"
	"natq/qr"
)

var (
	//go:embed open.lua
	openLua string
	//go:embed book.lua
	bookLua string
	//go:embed cancel.lua
	cancelLua string
	//go:embed checkin.lua
	checkinLua string
	//go:embed call.lua
	callLua string
	//go:embed noshow.lua
	noshowLua string
	//go:embed sampled.lua
	sampledLua string
	//go:embed switch.lua
	switchLua string
	//go:embed repeat.lua
	repeatLua string
	//go:embed home.lua
	homeLua string
	//go:embed unhome.lua
	unhomeLua string
	//go:embed prelude.lua
	preludeLua string

	scripts = map[string]*redis.Script{
		"open": script(openLua), "book": script(bookLua),
		"cancel": script(cancelLua), "checkin": script(checkinLua),
		"call": script(callLua), "noshow": script(noshowLua),
		"sampled": script(sampledLua), "switch": script(switchLua),
		"repeat": script(repeatLua), "home": script(homeLua), "unhome": script(unhomeLua),
	}
)

// records are the scripts that take their arguments as one record per
// call and answer a list of one reply per record (book.lua, and the desk's
// check-in, call and sampled), so that the
// batcher may join calls waiting for one round trip into one run.
var records = map[string]bool{"book": true, "checkin": true, "call": true, "sampled": true}

// script wraps a script with the shared prelude (prelude.lua) before it,
// the definitions it uses (preludeFor), and registers its variant for a
// sharded store (pubsub.go).
func script(body string) *redis.Script {
	src := preludeFor(preludeLua, body) + "\n" + body
	sc := redis.NewScript(src)
	shardedOf[sc] = redis.NewScript(shardedSource(src))
	return sc
}

// Options are the service's rules for the day.
type Options struct {
	Now               func() time.Time // the clock passed into every script
	WalkinShare       float64          // share of each window kept from online booking
	Grace             time.Duration    // check-in allowed this long after a window ends
	Early             time.Duration    // check-in allowed this long before a window starts
	CallsBeforeNoShow int              // calls before a ticket may become a no-show
	TubeSize          int              // samples pooled in one tube
	BaseURL           string           // the ticket page is BaseURL + "/t/" + token
	Metrics           *Metrics         // nil: unregistered instruments
	BookingLimit      BookingLimit     // new households per client address (BookOnline)
	// LineShown is how many of a site's waiting parties a read of its
	// line lists (Line), in the order they will be called: the rest are
	// counted, so that a line of hundreds costs a read what a line of
	// LineShown does. 0: DefaultLineShown.
	LineShown int
	// ForecastShare is the share of the instance's cores (GOMAXPROCS) the
	// forecast model may use on average (forecast.go): past it, a read of
	// a site that changed gets the site's last forecast instead of a new
	// run. 0: DefaultForecastShare; below 0: no bound.
	ForecastShare float64
}

// DefaultLineShown is the waiting parties a line read lists unless
// Options.LineShown says.
const DefaultLineShown = 50

// DefaultOptions are the rules natq serve starts with.
func DefaultOptions() Options {
	return Options{Now: time.Now, WalkinShare: 0.10, Grace: 15 * time.Minute, Early: 10 * time.Minute,
		CallsBeforeNoShow: 3, TubeSize: 10, BaseURL: "http://localhost:8080", LineShown: DefaultLineShown,
		ForecastShare: DefaultForecastShare}
}

// Service is the queue service. It keeps its state in Redis and holds only
// the plans it loaded, so several Services may share one Redis.
type Service struct {
	rdb    redis.UniversalClient
	b      *batcher // the scripts' round trips (batch.go)
	signer *qr.Signer
	opts   Options
	m      *Metrics
	hub    *hub
	shard  shardState // whether the store has sharded pub/sub (pubsub.go)

	scriptTime map[string]prometheus.Observer // m.Script by script name (read only)
	lim        limiter
	share      string // Options.WalkinShare, as book.lua reads it

	mu        sync.RWMutex
	compounds map[string]map[string]*Plan // compound -> round -> plan

	fc forecastCache
	fb *modelBudget // the model's share of the cores; nil: unbounded
	// models holds a token a model run under way: at most half the
	// cores at once, at least one (keptInstead in forecast.go).
	models chan struct{}
	// forecastRun and forecastKept count the model's runs and the reads
	// answered with a kept forecast instead (keptInstead,
	// Metrics.Forecasts).
	forecastRun, forecastKept prometheus.Counter
	// tokens are the staff tokens' hashes StaffOf saw lately.
	tokens tokenHashes
}

// New returns a Service on rdb that signs tickets with signer.
func New(rdb redis.UniversalClient, signer *qr.Signer, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.CallsBeforeNoShow < 1 {
		opts.CallsBeforeNoShow = 1
	}
	if opts.TubeSize < 1 {
		opts.TubeSize = 10
	}
	if opts.LineShown <= 0 {
		opts.LineShown = DefaultLineShown
	}
	if opts.ForecastShare == 0 {
		opts.ForecastShare = DefaultForecastShare
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	m := opts.Metrics
	if m == nil {
		m = NewMetrics(nil)
	}
	s := &Service{rdb: rdb, b: &batcher{rdb: rdb}, signer: signer, opts: opts, m: m, compounds: map[string]map[string]*Plan{},
		fc: forecastCache{m: map[string]*siteForecast{}}, share: strconv.FormatFloat(opts.WalkinShare, 'g', -1, 64)}
	s.hub = newHub(rdb, s.expand, s.sharded)
	cores := runtime.GOMAXPROCS(0)
	s.fb = newModelBudget(opts.ForecastShare, cores)
	s.models = make(chan struct{}, max(1, cores/2))
	s.forecastRun, s.forecastKept = m.Forecasts.WithLabelValues("run"), m.Forecasts.WithLabelValues("kept")
	// Each script's latency histogram, found once: a labelled lookup per
	// request hashes the label again.
	s.scriptTime = make(map[string]prometheus.Observer, len(scripts))
	for name := range scripts {
		s.scriptTime[name] = m.Script.WithLabelValues(name)
	}
	return s
}

// Metrics returns the service's instruments, for the HTTP layer's own
// refusals.
func (s *Service) Metrics() *Metrics { return s.m }

// Options returns the rules the service runs with.
func (s *Service) Options() Options { return s.opts }

// Ping reports whether the store answers.
func (s *Service) Ping(ctx context.Context) error { return storeErr(s.rdb.Ping(ctx).Err()) }

// ckeys are one compound's key names; rk adds the current round's.
type ckeys struct{ p string }

func keysOf(compound string) ckeys { return ckeys{"natq:{" + compound + "}"} }

func (k ckeys) rounds() string           { return k.p + ":rounds" }
func (k ckeys) seq() string              { return k.p + ":seq" }
func (k ckeys) tk() string               { return k.p + ":t:" } // a ticket's key is tk() + id
func (k ckeys) ticket(id string) string  { return k.p + ":t:" + id }
func (k ckeys) legacyTk() string         { return k.p + ":tk" } // every ticket's fields, before the hash per ticket
func (k ckeys) staff() string            { return k.p + ":staff" }
func (k ckeys) r(round, s string) string { return k.p + ":r:" + round + ":" + s }
func (k ckeys) ticketCh(id string) string {
	return k.p + ":ev:t:" + id
}
func (k ckeys) siteCh(site string) string { return k.p + ":ev:s:" + site }

// bookCh is a site's channel of new bookings and parties' new sizes
// (book_channel in prelude.lua), which only listeners that hear bookings
// watch.
func (k ckeys) bookCh(site string) string { return k.p + ":bk:s:" + site }

func (s *Service) now() time.Time { return s.opts.Now() }

// run runs one script, timing it and mapping store failures.
func (s *Service) run(ctx context.Context, name string, keys []string, args ...any) (any, error) {
	t := time.Now()
	v, err := s.b.run(ctx, s.scriptOn(name), keys, args, records[name])
	s.scriptTime[name].Observe(time.Since(t).Seconds())
	if err != nil {
		var re redis.Error
		if errors.As(err, &re) && !errors.Is(err, redis.Nil) {
			msg := strings.TrimPrefix(err.Error(), "ERR ")
			if notServing(msg) {
				return nil, unavailable(err)
			}
			if code, _, _ := strings.Cut(msg, " "); !isCode(code) && s.rdb.Ping(ctx).Err() != nil {
				// Not one of the scripts' replies, and the store has gone:
				// a store stopped while the script ran.
				return nil, unavailable(err)
			}
			return nil, &scriptReply{msg}
		}
		return nil, storeErr(err)
	}
	return v, nil
}

// isCode reports whether s looks like a script's own reply code.
func isCode(s string) bool {
	for _, r := range s {
		if (r < 'A' || r > 'Z') && r != '_' {
			return false
		}
	}
	return s != ""
}

// scriptReply is a script's error reply: "CODE detail".
type scriptReply struct{ msg string }

func (r *scriptReply) Error() string { return "queue: script: " + r.msg }

func (r *scriptReply) code() (string, string) {
	c, d, _ := strings.Cut(r.msg, " ")
	return c, d
}

// OpenRound opens the testing round of p's compound and date, and keeps p
// as that round's plan; the latest round of a compound is its current one.
// Opening a round that is open already (another instance, a restart)
// changes nothing in the store.
func (s *Service) OpenRound(ctx context.Context, p *Plan) error {
	day, err := time.Parse("2006-01-02", p.Date)
	if err != nil {
		return planErrorf("date %s", p.Date)
	}
	k := keysOf(p.Compound.ID)
	first := p.Variants[0]
	args := append([]any{p.Date, day.Unix() / 86400, first, s.now().UnixMilli(), p.Fingerprint(), s.signer.Fingerprint()}, p.bookingWindows()...)
	if _, err := s.run(ctx, "open", []string{k.rounds(), k.r(p.Date, "state"), k.r(p.Date, "bw"), k.r(p.Date, "win"), k.seq()}, args...); err != nil {
		var sr *scriptReply
		if errors.As(err, &sr) {
			switch code, fp := sr.code(); code {
			case "OTHERPLAN":
				return planErrorf("the round %s of %s is open with another plan (schedule %s, this one %s): "+
					"every instance must load the same plan file, and a changed plan needs another date", p.Date, p.Compound.ID, fp, p.Fingerprint())
			case "OTHERSECRET":
				return errs.Invalidf("the round %s of %s is open on this store with another NATQ_SECRET: every instance "+
					"of a compound must sign tickets with the same secret, or the tickets and QR codes one issues are "+
					"\"not found\" on the others. Start this one with the other instances' NATQ_SECRET", p.Date, p.Compound.ID)
			case "OLDLAYOUT":
				return planErrorf("the round %s of %s was opened by an older natq, which kept its tickets in another layout "+
					"(one hash, %s): this natq cannot serve it. Plan the day under another date, or purge the round "+
					"(natq round purge --compound %s --date %s) once it is over", p.Date, p.Compound.ID, k.legacyTk(), p.Compound.ID, p.Date)
			}
		}
		return err
	}
	// The round's time zone, for staff tokens issued where no plan is
	// loaded (natq staff add), which end with the round's day.
	if p.TZ != nil {
		if err := s.rdb.HSet(ctx, k.r(p.Date, "state"), "tz", p.TZ.String()).Err(); err != nil {
			return storeErr(err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.compounds[p.Compound.ID] == nil {
		s.compounds[p.Compound.ID] = map[string]*Plan{}
	}
	s.compounds[p.Compound.ID][p.Date] = p
	return nil
}

// CheckLatest refuses plans whose newest of a compound is for an earlier
// day than a round the store already has, before any is opened: an
// instance started with yesterday's plan file next to instances serving
// today's would tell its residents that the day's windows are over.
// Loading both days' plans is fine (the newest is the current round).
func (s *Service) CheckLatest(ctx context.Context, plans []*Plan) error {
	newest := map[string]string{}
	for _, p := range plans {
		newest[p.Compound.ID] = max(newest[p.Compound.ID], p.Date)
	}
	for _, c := range slices.Sorted(maps.Keys(newest)) {
		latest, _, err := s.latestRound(ctx, c)
		if err != nil {
			return err
		}
		if latest > newest[c] {
			return errs.Invalidf("the store already has a later round of %s (%s) than this plan's (%s): another instance "+
				"serves that day, and this one would tell its residents their windows are over. Load the plan of %s "+
				"(with this one too, to serve both days)", c, latest, newest[c], latest)
		}
	}
	return nil
}

// current returns a compound's current round's plan.
func (s *Service) current(compound string) (*Plan, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var best *Plan
	for _, p := range s.compounds[compound] {
		if best == nil || p.Date > best.Date {
			best = p
		}
	}
	if best == nil {
		return nil, ErrNoCompound
	}
	return best, nil
}

// CompoundIDs returns the loaded compounds, sorted.
func (s *Service) CompoundIDs() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]string, 0, len(s.compounds))
	for id := range s.compounds {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Plan returns the current round's plan of a compound.
func (s *Service) Plan(compound string) (*Plan, error) { return s.current(compound) }

// Household is who books: one flat, and how many of its people come.
type Household struct {
	Building string `json:"building"`
	Unit     string `json:"unit"`
	Room     string `json:"room"`
	Party    int    `json:"party"`
	// Students is a household's students booked for the plan's students'
	// period (after school), apart from the rest of the household: a
	// ticket of their own, whose party is the students.
	Students bool `json:"students,omitempty"`
}

// key is the household's field in the round's household index: its
// students' ticket is apart from the rest of the household's.
func (h Household) key() string {
	k := h.Building + "|" + h.Unit + "|" + h.Room
	if h.Students {
		k += "|students"
	}
	return k
}

// Span is a window's start and end, absolute.
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Booking is a ticket as the resident first gets it.
type Booking struct {
	Ticket    string    `json:"ticket"`
	ID        uint64    `json:"id"` // the short number staff read out (票 14)
	Site      string    `json:"site"`
	SiteName  string    `json:"site_name,omitempty"`
	Window    Span      `json:"window"`
	Party     int       `json:"party"`
	URL       string    `json:"url"`
	Household Household `json:"household"`
	// PartyChanged is true when booking again changed the party.
	PartyChanged bool `json:"party_changed,omitempty"`
}

func (s *Service) validate(p *Plan, h *Household) error {
	h.Building = strings.TrimSpace(h.Building)
	if h.Building == "" {
		return BadField("building", "缺少楼号", "missing")
	}
	if b, _ := p.knows(h.Building, ""); !b || len(h.Building) > 64 {
		if p.building(h.Building) != nil {
			// A sealed building: its households are sampled at home.
			return BadField("building", "这栋楼今天上门采样，不在采样点预约：请在家等候采样人员", fmt.Sprintf("building %q is sampled door to door today: its households wait at home, they book no window", h.Building))
		}
		return noBuilding(h.Building, "this compound's schedule")
	}
	b := p.building(h.Building)
	if b == nil {
		b = &planfile.Building{ID: h.Building}
	}
	if h.Students && !p.students {
		return BadField("students", "本方案没有学生专场：学生请和家人一起预约", "this plan has no students' period: book the students with their household")
	}
	return checkHousehold(p, b, h)
}

// checkHousehold normalises and checks a household's unit, room and party
// against its building b: validate's checks once the building is known.
func checkHousehold(p *Plan, b *planfile.Building, h *Household) error {
	var err error
	if h.Unit, err = checkUnit(p, b, h.Unit); err != nil {
		return err
	}
	if h.Room, err = checkRoom(b, h.Room); err != nil {
		return err
	}
	if most := maxParty(b); h.Party < 1 || h.Party > most {
		return BadField("party", fmt.Sprintf("人数应为 1 到 %d（一户）", most), fmt.Sprintf("must be 1 to %d people (one household)", most))
	}
	return nil
}

// householdTicket is the id of household h's ticket of p's round (a
// validated household), 0 when it has none.
func (s *Service) householdTicket(ctx context.Context, p *Plan, h Household) (uint64, error) {
	v, err := s.rdb.HGet(ctx, keysOf(p.Compound.ID).r(p.Date, "hh"), h.key()).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, storeErr(err)
	}
	id, _ := strconv.ParseUint(v, 10, 64)
	return id, nil
}

// online is how many seats of a window online booking may fill; book.lua
// computes the same, floor(capacity * (1 - share) + 1e-9), with the
// product rounded before the sum (the conversion keeps Go from fusing
// them).
func (s *Service) online(capacity int) int {
	return int(math.Floor(float64(float64(capacity)*(1-s.opts.WalkinShare)) + 1e-9))
}

// Book gives household h a ticket in the earliest window of its building
// with room for its party; created is false when it had one already (and
// b is that ticket: Book answers as staff are, BookOnline).
func (s *Service) Book(ctx context.Context, compound string, h Household) (b *Booking, created bool, err error) {
	return s.book(ctx, compound, h, "online", "", anyHolder, "")
}

// ChangeParty changes the party of the ticket token names, when it is
// still only booked and its window has room (as booking its household
// again with another party does): the token is the credential, as for
// Cancel. ErrFinal when the ticket is no longer its household's (cancelled,
// a no-show).
func (s *Service) ChangeParty(ctx context.Context, token string, party int) (*Booking, error) {
	c, id, err := s.verify(token)
	if err != nil {
		return nil, err
	}
	// The ticket's household as booked, its students' ticket told by its
	// household key (as coverage tells it), whichever window it is in now.
	v, err := s.rdb.HMGet(ctx, keysOf(c).ticket(strconv.FormatUint(id, 10)), "b", "u", "room", "hh").Result()
	if err != nil {
		return nil, storeErr(err)
	}
	b, _ := v[0].(string)
	u, _ := v[1].(string)
	room, _ := v[2].(string)
	hh, _ := v[3].(string)
	if b == "" || hh == "" {
		return nil, ErrNotFound
	}
	h := Household{Building: b, Unit: u, Room: room, Party: party, Students: strings.HasSuffix(hh, "|students")}
	bk, _, err := s.book(ctx, c, h, "online", "", "="+strconv.FormatUint(id, 10), "")
	return bk, err
}

// anyHolder is book's holder for a caller who may be answered with a
// household's ticket whoever asks (staff, paper, the service itself).
const anyHolder = "*"

// book books h from origin; for client address addr's budget when addr is
// not "" (BookOnline). A household that has a ticket already is answered
// with it when holder is anyHolder or the ticket's id, or key is the hash
// its booking phone's key left on it (keyHash), else refused with
// ErrBooked; holder "=<id>" changes only ticket id (book.lua).
func (s *Service) book(ctx context.Context, compound string, h Household, origin, addr, holder, key string) (*Booking, bool, error) {
	p, err := s.current(compound)
	if err != nil {
		return nil, false, err
	}
	if err := s.validate(p, &h); err != nil {
		return nil, false, err
	}
	share := "0" // paper tickets may use the whole capacity
	if origin == "online" {
		share = s.share
	}
	now := s.now()
	keys, lim := p.bookKeys, limit{}
	if addr != "" {
		if lim = s.limitFor(addr, now); lim.spec != "" {
			keys = p.keysIn(lim.w)
		}
	}
	const candArg = 9 // the record's candidate key, in book.lua's order
	args := []any{now.UnixMilli(), h.key(), p.Date, h.Building, h.Unit, h.Room, h.Party, origin, share,
		p.candKey(h.Building, h.Unit, h.Students), lim.field, lim.spec, holder, key}
	v, err := s.run(ctx, "book", keys, args...)
	late := err != nil && origin == "paper" && !h.Students && isReply(err, "ENDED")
	if late {
		// A household at the desk (or given a card) after its own windows:
		// the next window of its building's sites with room, whichever
		// buildings it calls (Plan.lateCand). Its students keep to their period.
		args[candArg] = p.lateCand(h.Building)
		v, err = s.run(ctx, "book", keys, args...)
	}
	if err != nil {
		var sr *scriptReply
		if errors.As(err, &sr) {
			switch c, _ := sr.code(); c {
			case "FULL":
				s.m.Bookings.WithLabelValues(compound, "full").Inc()
				return nil, false, ErrFull
			case "ENDED":
				s.m.Bookings.WithLabelValues(compound, "ended").Inc()
				if late {
					return nil, false, ErrDayOver
				}
				return nil, false, ErrWindowsOver
			case "LIMITED":
				s.m.Refusals.WithLabelValues("rate_limited").Inc()
				return nil, false, &limited{secs: int(lim.ends.Sub(now).Seconds()) + 1}
			case "LIMITSTORE":
				s.limitFailed(compound, err)
				return nil, false, storeErr(err)
			}
		}
		return nil, false, s.refusal(err)
	}
	// The script's reply is the whole answer (book.lua): nothing is read
	// back, and the script published the event.
	raw, _ := v.(string)
	res := strings.Split(raw, "\t")
	if len(res) != 8 {
		return nil, false, storeErr(fmt.Errorf("queue: book: a reply that is not a booking: %.80q", raw))
	}
	id, err := strconv.ParseUint(res[0], 10, 64)
	if err != nil {
		return nil, false, storeErr(fmt.Errorf("queue: book: a reply that is not a booking: %.80q", raw))
	}
	if res[7] == "1" {
		s.limitFailed(compound, errors.New("queue: book: the booking budgets hash refused the count"))
	}
	ms := func(x string) time.Time { n, _ := strconv.ParseInt(x, 10, 64); return time.UnixMilli(n).In(p.TZ) }
	created := res[1] == "1"
	changed := res[2] == "1"
	switch {
	case created:
		s.m.Bookings.WithLabelValues(compound, "new").Inc()
	case changed:
		s.m.Bookings.WithLabelValues(compound, "party").Inc()
	default:
		s.m.Bookings.WithLabelValues(compound, "repeat").Inc()
	}
	token := s.signer.Sign(compound, id)
	b := &Booking{Ticket: token, ID: id, Site: res[4], Window: Span{ms(res[5]), ms(res[6])},
		Party: h.Party, URL: s.opts.BaseURL + "/t/" + token, Household: h, PartyChanged: changed}
	if site := p.site(res[3], b.Site); site != nil {
		b.SiteName = site.Name
	}
	return b, created, nil
}

// isReply reports whether err is a script's error reply of code c.
func isReply(err error, c string) bool {
	var sr *scriptReply
	if !errors.As(err, &sr) {
		return false
	}
	code, _ := sr.code()
	return code == c
}

// TicketView is a ticket as residents and staff see it.
type TicketView struct {
	Ticket    string     `json:"ticket"`
	ID        uint64     `json:"id"`
	Compound  string     `json:"compound"`
	Round     string     `json:"round"`
	State     string     `json:"state"`
	Household Household  `json:"household"`
	Party     int        `json:"party"`
	Origin    string     `json:"origin"`
	Variant   string     `json:"variant"`
	Site      string     `json:"site"`
	SiteName  string     `json:"site_name,omitempty"`
	Window    Span       `json:"window"`
	WindowIdx int        `json:"window_index"`
	Ahead     int        `json:"ahead"` // people ahead of it in its site's line
	Calls     int        `json:"calls"`
	Tube      string     `json:"tube,omitempty"`
	Students  bool       `json:"students,omitempty"` // its window is the students' period's
	BookedAt  time.Time  `json:"booked_at"`
	CheckedIn *time.Time `json:"checked_in_at,omitempty"`
	CalledAt  *time.Time `json:"called_at,omitempty"`
	Desk      int        `json:"desk,omitempty"` // the desk it was last called to
	SampledAt *time.Time `json:"sampled_at,omitempty"`
	URL       string     `json:"url"`
	// Forecast is the party's turn as the model forecasts it, for a
	// ticket booked or checked in, on the resident's read (Ticket) only.
	Forecast *Forecast `json:"forecast,omitempty"`
	// Version counts the ticket's published changes (tell in prelude.lua): a page
	// shows the state of the highest version it has seen.
	Version uint64 `json:"version"`
}

// ticketFields are the fields a ticket view is read from; book.lua's
// events carry them in this order (ticket_names in prelude.lua).
var ticketFields = ticketFieldNames[:]

var ticketFieldNames = [...]string{
	tfSt: "st", tfR: "r", tfB: "b", tfU: "u", tfRoom: "room", tfParty: "party", tfOrigin: "origin",
	tfV: "v", tfW: "w", tfSite: "site", tfWs: "ws", tfWe: "we", tfCi: "ci", tfSa: "sa",
	tfCalls: "calls", tfTube: "tube", tfAt: "at", tfCalled: "called", tfDesk: "desk", tfVer: "ver",
}

// tfSt ... tfVer are the places of ticketFields' fields in it: a view reads
// its values by them (a map from the names cost a fifth of a view).
const (
	tfSt = iota
	tfR
	tfB
	tfU
	tfRoom
	tfParty
	tfOrigin
	tfV
	tfW
	tfSite
	tfWs
	tfWe
	tfCi
	tfSa
	tfCalls
	tfTube
	tfAt
	tfCalled
	tfDesk
	tfVer
)

// ticketVals are a ticket's ticketFields values, in that order ("" for a
// field not set): read in place from an HMGET's reply (valsOf) or from a
// compact event (parseRawEvent), without a map or an interface each.
type ticketVals [len(ticketFieldNames)]string

// A compact event marks the fields not set in a uint32 (rawEvent.unset).
var _ [32 - len(ticketVals{})]struct{}

// valsOf is an HMGET of ticketFields as ticketVals.
func valsOf(vs []any) (t ticketVals) {
	for i := range min(len(vs), len(t)) {
		t[i], _ = vs[i].(string)
	}
	return t
}

// ticket reads ticket id of compound, with the people ahead of it: one
// round trip (readTicket).
func (s *Service) ticket(ctx context.Context, compound string, id uint64) (*TicketView, error) {
	t, _, err := s.readTicket(ctx, compound, id, signed{})
	return t, err
}

// siteKeys is what a ticket's read tells of its site's forecast:
// the round's variant and the forecast's key (forecastKey); variant is ""
// for a ticket of another round than the current one.
type siteKeys struct{ variant, fp string }

// readTicket reads a ticket with the people ahead of it, and its site's
// forecast keys, in one round trip (a pipeline, shared with other reads
// and scripts waiting for one (batch.go): the ticket, and the
// current round's line occupancy, variant and site change counts, every
// site's, so that nothing waits for the ticket's site); a checked-in
// ticket's people ahead take a second. ErrNotFound when it does not
// exist.
func (s *Service) readTicket(ctx context.Context, compound string, id uint64, known signed) (*TicketView, siteKeys, error) {
	p, err := s.current(compound)
	if err != nil {
		return nil, siteKeys{}, err
	}
	k := keysOf(compound)
	var vals *redis.SliceCmd
	var occ, changes *redis.MapStringStringCmd
	var variant *redis.StringCmd
	s.b.pipelined(ctx, func(pipe redis.Pipeliner) {
		vals = pipe.HMGet(ctx, k.ticket(strconv.FormatUint(id, 10)), ticketFields...)
		occ = pipe.HGetAll(ctx, k.r(p.Date, "occ"))
		variant = pipe.HGet(ctx, k.r(p.Date, "state"), "variant")
		changes = pipe.HGetAll(ctx, k.r(p.Date, "fv"))
	})
	for _, c := range []redis.Cmder{vals, occ, variant, changes} {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return nil, siteKeys{}, storeErr(err)
		}
	}
	vs := valsOf(vals.Val())
	t := s.view(p, compound, id, &vs, known)
	if t == nil {
		return nil, siteKeys{}, ErrNotFound
	}
	if t.Round != p.Date {
		// Another round's ticket: its own round's line.
		return t, siteKeys{}, s.aheadIn(ctx, k, t, nil)
	}
	ch := changes.Val()
	count := func(f string) string {
		if v, ok := ch[f]; ok {
			return v
		}
		return "0"
	}
	sk := siteKeys{variant: variant.Val(), fp: forecastKey(variant.Val(), count(t.Site), count("*"))}
	switch t.State {
	case "booked":
		t.Ahead, _ = strconv.Atoi(occ.Val()[t.Site])
	case "checked_in":
		if err := s.aheadIn(ctx, k, t, occ.Val()); err != nil {
			return nil, siteKeys{}, err
		}
	}
	return t, sk, nil
}

// aheadIn counts the people ahead of a ticket in its round's line: the
// line's members before it carry their parties (line_member in
// prelude.lua). occ is the round's line occupancy when the caller read it
// (nil: not read): where it counts the site's parties kept one a person
// (its "#site"; ahead_of in prelude.lua) and the line has as many, the
// people ahead are one count of those persons, whatever the line's length.
func (s *Service) aheadIn(ctx context.Context, k ckeys, t *TicketView, occ map[string]string) error {
	switch t.State {
	case "checked_in":
		lo, hi := "["+t.Site+"|", "["+t.Site+"|~"
		before := fmt.Sprintf("(%s|%015d|%012d|", t.Site, t.CheckedIn.UnixMilli(), t.ID)
		if kept, ok := occ["#"+t.Site]; ok {
			var parties, people *redis.IntCmd
			s.b.pipelined(ctx, func(pipe redis.Pipeliner) {
				parties = pipe.ZLexCount(ctx, k.r(t.Round, "line"), lo, hi)
				people = pipe.ZLexCount(ctx, k.r(t.Round, "ppl"), lo, before)
			})
			if err := errors.Join(parties.Err(), people.Err()); err != nil {
				return storeErr(err)
			}
			if strconv.FormatInt(parties.Val(), 10) == kept {
				t.Ahead = int(people.Val())
				return nil
			}
			// Out of date (an older instance changed the line): count
			// the members, as for a short line; the next check-in at the
			// site keeps its persons anew.
		}
		ahead, err := s.rdb.ZRangeByLex(ctx, k.r(t.Round, "line"), &redis.ZRangeBy{Min: lo, Max: before}).Result()
		if err != nil {
			return storeErr(err)
		}
		t.Ahead = 0
		for _, m := range ahead {
			_, party := lineMember(m)
			t.Ahead += party
		}
	case "booked":
		n, err := s.rdb.HGet(ctx, k.r(t.Round, "occ"), t.Site).Int()
		if err != nil && !errors.Is(err, redis.Nil) {
			return storeErr(err)
		}
		t.Ahead = n
	}
	return nil
}

// toldReply is the ticket view of a change script's reply: the compact
// event it published (tell_values in prelude.lua), which holds the
// ticket's values, the people in its site's line and ahead of it.
func (s *Service) toldReply(p *Plan, compound string, v any, known signed) (*TicketView, error) {
	raw, _ := v.(string)
	e, ok := parseRawEvent(raw)
	id, err := strconv.ParseUint(e.id, 10, 64)
	if !ok || err != nil {
		return nil, storeErr(fmt.Errorf("queue: a change's reply is not its event: %.80q", raw))
	}
	t := s.view(p, compound, id, &e.vals, known)
	if t == nil {
		return nil, storeErr(fmt.Errorf("queue: a change's event holds no ticket: %.80q", raw))
	}
	t.Ahead = e.ahead
	return t, nil
}

// tickets reads tickets in one round trip, without the people ahead;
// ErrNotFound when one does not exist.
func (s *Service) tickets(ctx context.Context, compound string, ids []uint64) ([]*TicketView, error) {
	k := keysOf(compound)
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, k.ticket(strconv.FormatUint(id, 10)), ticketFields...)
	}
	if len(ids) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, storeErr(err)
		}
	}
	p, _ := s.current(compound)
	out := make([]*TicketView, len(ids))
	for i, c := range cmds {
		vs := valsOf(c.Val())
		if out[i] = s.view(p, compound, ids[i], &vs, signed{}); out[i] == nil {
			return nil, ErrNotFound
		}
	}
	return out, nil
}

// signed is a ticket's token that the caller has verified (the
// request's own), which a view of that ticket shows instead of signing it
// again (a token is one HMAC: a desk's check-in and a resident's read
// verified it already); the zero value, or another ticket's, is signed
// anew.
type signed struct {
	id    uint64
	token string
}

// view builds a ticket's view from its fields, in ticketFields order,
// with known as its token when it is this ticket's; nil when there is no
// such ticket.
func (s *Service) view(p *Plan, compound string, id uint64, vals *ticketVals, known signed) *TicketView {
	// The fields by place, read in place: a map of them was most of what
	// a view cost, and every ticket read and state change makes one.
	if vals[tfSt] == "" {
		return nil
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	ms := func(s string) time.Time { n, _ := strconv.ParseInt(s, 10, 64); return time.UnixMilli(n) }
	token := known.token
	if known.id != id || token == "" {
		token = s.signer.Sign(compound, id)
	}
	t := &TicketView{Ticket: token, ID: id, Compound: compound, Round: vals[tfR], State: vals[tfSt],
		Household: Household{Building: vals[tfB], Unit: vals[tfU], Room: vals[tfRoom], Party: atoi(vals[tfParty])},
		Party:     atoi(vals[tfParty]), Origin: vals[tfOrigin], Variant: vals[tfV], Site: vals[tfSite],
		Window: Span{ms(vals[tfWs]), ms(vals[tfWe])}, WindowIdx: atoi(vals[tfW]), Calls: atoi(vals[tfCalls]),
		Tube: vals[tfTube], BookedAt: ms(vals[tfAt]), URL: s.opts.BaseURL + "/t/" + token}
	t.Version, _ = strconv.ParseUint(vals[tfVer], 10, 64)
	if p != nil {
		if site := p.site(t.Variant, t.Site); site != nil {
			t.SiteName = site.Name
		}
		if w, ok := p.window(t.WindowIdx); ok && w.Variant == t.Variant && w.Site == t.Site {
			t.Students = w.Students
		}
		loc := p.TZ
		t.Window.Start, t.Window.End, t.BookedAt = t.Window.Start.In(loc), t.Window.End.In(loc), t.BookedAt.In(loc)
	}
	if vals[tfCi] != "" && t.State != "booked" {
		x := ms(vals[tfCi])
		t.CheckedIn = &x
	}
	if vals[tfSa] != "" {
		x := ms(vals[tfSa])
		t.SampledAt = &x
	}
	if vals[tfCalled] != "" && t.State != "booked" {
		x := ms(vals[tfCalled])
		t.CalledAt = &x
		t.Desk = atoi(vals[tfDesk])
	}
	if p != nil {
		for _, x := range []*time.Time{t.CheckedIn, t.CalledAt, t.SampledAt} {
			if x != nil {
				*x = x.In(p.TZ)
			}
		}
	}
	return t
}

// verify checks a ticket token's signature: no store is asked before it
// passes.
func (s *Service) verify(token string) (string, uint64, error) {
	c, id, err := s.signer.Verify(token)
	if err != nil {
		s.m.Refusals.WithLabelValues("forged").Inc()
		return "", 0, ErrNotFound
	}
	if _, err := s.current(c); err != nil {
		return "", 0, ErrNotFound
	}
	return c, id, nil
}

// Ticket returns the ticket a token names; ErrNotFound for a forged one.
func (s *Service) Ticket(ctx context.Context, token string) (*TicketView, error) {
	c, id, err := s.verify(token)
	if err != nil {
		return nil, err
	}
	t, sk, err := s.readTicket(ctx, c, id, signed{id, token})
	if err != nil {
		return nil, err
	}
	s.ticketForecast(ctx, t, sk)
	return t, nil
}

// Cancel cancels a ticket and frees its seats.
func (s *Service) Cancel(ctx context.Context, token string) (*TicketView, error) {
	c, id, err := s.verify(token)
	if err != nil {
		return nil, err
	}
	p, err := s.current(c)
	if err != nil {
		return nil, err
	}
	k := keysOf(c)
	v, err := s.run(ctx, "cancel", []string{k.tk(), k.r(p.Date, "hh"), k.r(p.Date, "win"), k.r(p.Date, "line"), k.r(p.Date, "occ"),
		k.r(p.Date, "fv"), k.r(p.Date, "ppl")}, id, p.Date, s.now().UnixMilli())
	if err != nil {
		return nil, s.refusal(err)
	}
	return s.toldReply(p, c, v, signed{id, token})
}

// CancelHousehold cancels a household's ticket of the current round for a
// coordinator, who may not hold the ticket itself (a paper ticket, a
// resident on the phone). The household's party is ignored.
func (s *Service) CancelHousehold(ctx context.Context, st *Staff, compound string, h Household) (*TicketView, error) {
	if err := may(st, compound, RoleCoordinator); err != nil {
		return nil, err
	}
	p, err := s.current(compound)
	if err != nil {
		return nil, err
	}
	h.Party = 1
	if err := s.validate(p, &h); err != nil {
		return nil, err
	}
	id, err := s.householdTicket(ctx, p, h)
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, ErrNotFound
	}
	return s.Cancel(ctx, s.signer.Sign(compound, id))
}

// refusal maps a script's error reply to the service's errors, counting it.
func (s *Service) refusal(err error) error {
	var sr *scriptReply
	if !errors.As(err, &sr) {
		return err
	}
	code, detail := sr.code()
	var e *Error
	switch code {
	case "UNAUTHORIZED": // a desk script's staff check (staff_check in prelude.lua)
		return ErrUnauthorized
	case "EXPIRED":
		return ErrExpired
	case "FORBIDDEN":
		return ErrForbidden
	case "NOTICKET":
		e = ErrNotFound
	case "OLDROUND":
		e = ErrOldRound
		if detail != "" {
			e = withDetail(ErrOldRound, "（"+detail+" 的票，不是今天的）", " (a ticket of "+detail+", not of today)")
		}
	case "BOOKED":
		e = ErrBooked
	case "GONE":
		e = ErrFinal
	case "PARTY_FULL":
		e = withDetail(ErrPartyFull, "，该时段最多可改为 "+detail+" 人", "; the window can take a party of "+detail+" at most")
	case "PARTY_LOCKED":
		zh := stateZh(detail)
		if detail == "booked" { // booked, its window over
			zh = "时段已过"
		}
		e = withDetail(ErrPartyLocked, "（"+zh+"）", " ("+detail+")")
	case "DESK_BUSY":
		e = withDetail(ErrDeskBusy, "（票 "+detail+"）", " (ticket "+detail+")")
	case "ALREADY_SAMPLED":
		e = ErrAlreadySampled
	case "CANCELLED":
		e = ErrCancelled
	case "NO_SHOW":
		e = ErrNoShow
	case "LINE_FULL":
		e = withDetail(ErrLineFull, "（队中 "+detail+" 人）", " ("+detail+" people in line)")
	case "EMPTY":
		e = ErrLineEmpty
	case "NOT_CALLED":
		e = ErrNotCalled
	case "TUBE_FULL":
		e = withDetail(ErrTubeFull, "（管中已有 "+detail+" 份）", " ("+detail+" samples in it)")
	case "FINAL":
		e = withDetail(ErrFinal, "（"+stateZh(detail)+"）", " ("+detail+")")
	case "NO_ROOM":
		e = withDetail(ErrNoRoom, "（票 "+detail+"）", " (ticket "+detail+")")
	case "NOROUND":
		e = ErrNoCompound
	case "IN_LINE":
		e = withDetail(ErrInLine, "（"+stateZh(detail)+"）", " ("+detail+")")
	case "NOT_HOME":
		e = withDetail(ErrNotHome, "（"+stateZh(detail)+"）", " ("+detail+")")
	case "TAKEN_BACK":
		e = &Error{Code: ErrNotHome.Code, Message: "这条上门采样记录已撤销", MessageEn: "this home sample was taken back already"}
		if detail == "booked" {
			e.Message += "，这户的原预约已恢复"
			e.MessageEn += "; the household's booking is back"
		}
	default:
		return err
	}
	s.m.Refusals.WithLabelValues(string(e.Code)).Inc()
	return e
}

// TicketURL returns the page URL a ticket token's QR code carries, after
// checking its signature only (no store is asked).
func (s *Service) TicketURL(token string) (string, error) {
	if _, _, err := s.verify(token); err != nil {
		return "", err
	}
	return s.opts.BaseURL + "/t/" + token, nil
}
