package queue_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/planner/errs"
	"natq/qr"
	"natq/queue"
	"natq/queue/queuetest"
)

// TestService runs the whole suite against a real redis-server and the
// embedded store.
func TestService(t *testing.T) {
	queuetest.Suite(t, suite)
}

var suite = []queuetest.Case{
	{"BookAndRepeat", testBookAndRepeat},
	{"BookBadInput", testBookBadInput},
	{"WalkinShare", testWalkinShare},
	{"Concurrent500", testConcurrent500},
	{"ConcurrentMixedParties", testConcurrentMixed},
	{"ConcurrentTwoInstances", testConcurrentTwoInstances},
	{"Forgery", testForgery},
	{"Staff", testStaff},
	{"CheckInRefusals", testCheckInRefusals},
	{"LineFull", testLineFull},
	{"CallNoShowSampled", testCallNoShowSampled},
	{"Cancel", testCancel},
	{"RainSwitch", testRainSwitch},
	{"Coverage", testCoverage},
	{"PreBook", testPreBook},
	{"PreBookStudents", testPreBookStudents},
	{"StoreStopped", testStoreStopped},
	{"StreamsAcrossRestart", testStreamsAcrossRestart},
	{"DisplayToken", testDisplayToken},
	{"DisplayPairing", testDisplayPairing},
	{"LineDesksOfVariant", testLineDesksOfVariant},
	{"RainSeatsLineNow", testRainSeatsLineNow},
	{"RainToTheSamePlan", testRainToTheSamePlan},
	{"OtherSecret", testOtherSecret},
	{"OldPlanNextToToday", testOldPlanNextToToday},
	{"TicketByNumber", testTicketByNumber},
	{"AtDesk", testAtDesk},
	{"AfterTheWindows", testAfterTheWindows},
	{"SampledAtHome", testSampledAtHome},
	{"UndoHomeSampleGivesBookingBack", testUndoHomeSampleGivesBookingBack},
	{"SampledAtTheDesksSite", testSampledAtTheDesksSite},
	{"StudentsPeriod", testStudentsPeriod},
	{"Events", testEvents},
	{"RainSwitchContest", testRainSwitchContest},
	{"DeskCallsOne", testDeskCallsOne},
	{"MissMovesOn", testMissMovesOn},
	{"RainKeepsLine", testRainKeepsLine},
	{"SecondScan", testSecondScan},
	{"Rooms", testRooms},
	{"PartyChange", testPartyChange},
	{"Forecast", testForecast},
	{"ForecastCalledOnly", testForecastCalledOnly},
	{"ForecastBudget", testForecastBudget},
	{"ForecastFresh", testForecastFresh},
	{"SeatsGivenBack", testSeatsGivenBack},
	{"RainSwitchGivesBack", testRainSwitchGivesBack},
	{"EndedWindowOffered", testEndedWindowOffered},
	{"BudgetCountsTickets", testBudgetCountsTickets},
	{"LongLine", testLongLine},
}

var ctx = context.Background()

// room is the i-th room of a six-floor building: 101 to 199, then 201...
func room(i int) string { return fmt.Sprintf("%d%02d", 1+i/99, 1+i%99) }

func hh(b, u, room string, party int) queue.Household {
	return queue.Household{Building: b, Unit: u, Room: room, Party: party}
}

// checkInvariants checks the store against the tickets: every window's
// booked count is the sum of its live tickets' parties and within the
// plan's capacity, its checked-in count the sum of those that checked
// in, every live household has one ticket.
func checkInvariants(t *testing.T, c redis.UniversalClient, p *queue.Plan) {
	t.Helper()
	k := "natq:{" + p.Compound.ID + "}"
	win, err := c.HGetAll(ctx, k+":r:"+p.Date+":win").Result()
	if err != nil {
		t.Fatal(err)
	}
	// Every ticket the compound's sequence gave, whichever round holds
	// it: the round's are those whose round field names it.
	last, err := c.Get(ctx, k+":seq").Int()
	if err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	sum := map[string]int{}
	in := map[string]int{} // the parties of live tickets checked in, by window
	live := map[string]string{}
	for i := 1; i <= last; i++ {
		id := strconv.Itoa(i)
		v, _ := c.HMGet(ctx, k+":t:"+id, "st", "w", "party", "hh", "r", "ci").Result()
		if r, _ := v[4].(string); r != p.Date {
			continue
		}
		st, w, party := v[0].(string), v[1].(string), v[2].(string)
		n, _ := strconv.Atoi(party)
		if st != "cancelled" && st != "no_show" {
			sum[w] += n
			if ci, _ := v[5].(string); ci != "" {
				in[w] += n
			}
			if other, ok := live[v[3].(string)]; ok {
				t.Errorf("household %s has live tickets %s and %s", v[3], other, id)
			}
			live[v[3].(string)] = id
		}
	}
	for _, w := range p.Windows {
		i := strconv.Itoa(w.Index)
		got, _ := strconv.Atoi(win[i+":booked"])
		if got != sum[i] {
			t.Errorf("window %d: booked counter %d, tickets hold %d", w.Index, got, sum[i])
		}
		if got > w.Capacity {
			t.Errorf("window %d: booked %d > capacity %d", w.Index, got, w.Capacity)
		}
		// The window's checked-in count (the forecast's people still to
		// come are booked minus it): the live tickets that checked in.
		if n, _ := strconv.Atoi(win[i+":in"]); n != in[i] {
			t.Errorf("window %d: checked-in counter %d, checked-in tickets hold %d", w.Index, n, in[i])
		}
	}
	idx, _ := c.HGetAll(ctx, k+":r:"+p.Date+":hh").Result()
	if len(idx) != len(live) {
		t.Errorf("household index has %d entries, %d live tickets", len(idx), len(live))
	}
}

func testBookAndRepeat(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, _ := queuetest.Service(t, c, nil)
	b, created, err := s.Book(ctx, "c1", hh("b2", "1", "301", 3))
	if err != nil || !created {
		t.Fatalf("Book = %v, %v, %v", b, created, err)
	}
	if b.Site != "s2" || !b.Window.Start.Equal(queuetest.At(7, 0)) || b.Party != 3 || b.URL != "https://natq.test/t/"+b.Ticket {
		t.Errorf("Book = %+v, want s2 at 07:00 for 3", b)
	}
	again, created, err := s.Book(ctx, "c1", hh(" b2", "1", "301 ", 3))
	if err != nil || created || again.Ticket != b.Ticket || again.PartyChanged {
		t.Errorf("Book again = %v, %v, %v, want the same ticket, not created", again, created, err)
	}
	u2, _, err := s.Book(ctx, "c1", hh("b2", "2", "301", 1))
	if err != nil || !u2.Window.Start.Equal(queuetest.At(7, 15)) {
		t.Errorf("Book(unit 2) = %+v, %v, want the 07:15 window of unit 2", u2, err)
	}
	tv, err := s.Ticket(ctx, b.Ticket)
	if err != nil || tv.State != "booked" || tv.Household.Room != "301" || tv.SiteName != "会所门廊" {
		t.Errorf("Ticket = %+v, %v", tv, err)
	}
	if _, _, err := s.Book(ctx, "nope", hh("b2", "1", "101", 1)); !errors.Is(err, queue.ErrNoCompound) {
		t.Errorf("Book(unknown compound) = %v, want ErrNoCompound", err)
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

func testBookBadInput(t *testing.T, st queuetest.Store) {
	s, _ := queuetest.Service(t, st.Client(t), nil)
	for _, c := range []struct {
		h     queue.Household
		field string
	}{
		{hh("", "1", "101", 1), "building"},
		{hh("b9", "1", "101", 1), "building"},
		{hh("b2", "9", "101", 1), "unit"},
		{hh("b2", "", "101", 1), "unit"},
		{hh("b1", "1", "", 1), "room"},
		{hh("b1", "1", "1|2", 1), "room"},
		{hh("b1", "1", "101", 0), "party"},
		{hh("b1", "1", "101", 9), "party"},
	} {
		_, _, err := s.Book(ctx, "c1", c.h)
		var e *queue.Error
		if !errors.As(err, &e) || e.Code != "bad_input" || e.Field != c.field {
			t.Errorf("Book(%+v) = %v, want bad_input naming %q", c.h, err, c.field)
		}
	}
}

func testWalkinShare(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, _ := queuetest.Service(t, c, nil) // default 10%: 37 -> 33 online
	n := 0
	for i := 0; ; i++ {
		_, _, err := s.Book(ctx, "c1", hh("b4", "", room(i), 1))
		if errors.Is(err, queue.ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 33 {
		t.Errorf("online seats in a window of 37 with 10%% kept = %d, want 33", n)
	}
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	res, err := s.PreBook(ctx, coord, "c1", strings.NewReader("building,unit,room,party\nb4,,501,3\nb4,,502,1\nb4,,503,1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Error != nil || res[1].Error != nil || res[2].Error == nil || res[2].Error.Code != "full" {
		t.Errorf("PreBook into the walk-in share = %+v, want rows 1-2 booked (to 37) and row 3 full", res)
	}
	cs, _ := s.Compound(ctx, "c1")
	for _, site := range cs.Sites {
		for _, w := range site.Windows {
			if w.Index == 5 && (w.Booked != 37 || w.Capacity != 37 || w.Online != 33) {
				t.Errorf("window 5 = %+v, want capacity 37, online 33, booked 37", w)
			}
		}
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

// book500 books 500 households of b4 concurrently on the services, in
// turn, and checks that exactly the window's seats were given.
func book500(t *testing.T, c redis.UniversalClient, svcs []*queue.Service, party func(i int) int) {
	singles := party(1) == 1 && party(2) == 1
	var wg sync.WaitGroup
	type result struct {
		b   *queue.Booking
		err error
		p   int
	}
	res := make([]result, 500)
	start := make(chan struct{})
	for i := range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p := party(i)
			b, _, err := svcs[i%len(svcs)].Book(ctx, "c1", hh("b4", "", room(i), p))
			res[i] = result{b, err, p}
		}()
	}
	close(start)
	wg.Wait()
	seats, full := 0, 0
	tickets := map[string]bool{}
	var refused []int
	for i, r := range res {
		switch {
		case r.err == nil:
			if tickets[r.b.Ticket] {
				t.Errorf("ticket %s given twice", r.b.Ticket)
			}
			tickets[r.b.Ticket] = true
			seats += r.p
		case errors.Is(r.err, queue.ErrFull):
			full++
			refused = append(refused, r.p)
		default:
			t.Errorf("household %d: %v", i, r.err)
		}
	}
	if seats > 37 {
		t.Errorf("%d seats booked in windows holding 37", seats)
	}
	for _, p := range refused {
		if p <= 37-seats {
			t.Errorf("a party of %d was refused while %d seats were free", p, 37-seats)
		}
	}
	if singles && (seats != 37 || full != 463) {
		t.Errorf("booked %d seats, %d full; want exactly 37 and 463 full", seats, full)
	}
	t.Logf("%d tickets, %d seats, %d refused as full", len(tickets), seats, full)
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

func noShare(o *queue.Options) { o.WalkinShare = 0 }

func testConcurrent500(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, _ := queuetest.Service(t, c, noShare)
	book500(t, c, []*queue.Service{s}, func(int) int { return 1 })
}

func testConcurrentMixed(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, _ := queuetest.Service(t, c, noShare)
	book500(t, c, []*queue.Service{s}, func(i int) int { return 1 + i*7%5 })
}

func testConcurrentTwoInstances(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	c2 := redis.NewClient(&redis.Options{Addr: st.Addr(c), PoolSize: 64})
	defer c2.Close()
	s1, _ := queuetest.Service(t, c, noShare)
	s2, _ := queuetest.Service(t, c2, noShare)
	book500(t, c, []*queue.Service{s1, s2}, func(int) int { return 1 })
}

// commandCounter counts the commands a client sends.
type commandCounter struct{ n atomic.Int64 }

func (h *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(int64(len(cmds))); return next(ctx, cmds) }
}

// Forged reports a table of altered, truncated and random tickets made from
// a good one.
func Forged(good string) map[string]string {
	other, _ := qr.NewSigner([]byte("some-other-secret-0123456789"))
	flip := []byte(good)
	flip[len(flip)-2] ^= 0x01
	dot := strings.LastIndexByte(good, '.')
	id := good[strings.LastIndexByte(good[:dot], '.')+1 : dot]
	next, _ := strconv.ParseUint(id, 36, 64)
	return map[string]string{
		"empty":          "",
		"truncated":      good[:len(good)-3],
		"one char less":  good[:len(good)-1],
		"no mac":         good[:dot],
		"flipped bit":    string(flip),
		"next id":        strings.Replace(good, "."+id+".", "."+strconv.FormatUint(next+1, 36)+".", 1),
		"other compound": "c2" + good[2:],
		"other secret":   other.Sign("c1", next),
		"random":         "Zm9yZ2VkLXRpY2tldC1yYW5kb20",
		"garbage":        "../../etc/passwd",
		"appended":       good + "A",
	}
}

func testForgery(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, _ := queuetest.Service(t, c, nil)
	b, _, err := s.Book(ctx, "c1", hh("b1", "", "101", 1))
	if err != nil {
		t.Fatal(err)
	}
	marshal := staff(t, s, "c1", queue.RoleMarshal)
	hook := &commandCounter{}
	c.AddHook(hook)
	for name, tok := range Forged(b.Ticket) {
		t.Run(name, func(t *testing.T) {
			before := hook.n.Load()
			if _, err := s.Ticket(ctx, tok); !errors.Is(err, queue.ErrNotFound) {
				t.Errorf("Ticket(%q) = %v, want ErrNotFound", tok, err)
			}
			if _, err := s.Cancel(ctx, tok); !errors.Is(err, queue.ErrNotFound) {
				t.Errorf("Cancel(%q) = %v, want ErrNotFound", tok, err)
			}
			if _, err := s.Sampled(ctx, marshal, tok, ""); !errors.Is(err, queue.ErrNotFound) {
				t.Errorf("Sampled(%q) = %v, want ErrNotFound", tok, err)
			}
			if _, err := s.WatchTicket(ctx, tok); !errors.Is(err, queue.ErrNotFound) {
				t.Errorf("WatchTicket(%q) = %v, want ErrNotFound", tok, err)
			}
			if n := hook.n.Load() - before; n != 0 {
				t.Errorf("forged ticket %q sent %d commands to the store, want 0", tok, n)
			}
		})
	}
	if tv, err := s.Ticket(ctx, b.Ticket); err != nil || tv.State != "booked" {
		t.Errorf("Ticket(good) = %v, %v", tv, err)
	}
}

func staff(t *testing.T, s *queue.Service, compound, role string) *queue.Staff {
	t.Helper()
	return staffNamed(t, s, compound, "张三", role)
}

// staffNamed is staff with a name of its own.
func staffNamed(t *testing.T, s *queue.Service, compound, name, role string) *queue.Staff {
	t.Helper()
	tok, err := s.AddStaff(ctx, compound, name, role)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Authenticate(ctx, tok)
	if err != nil || st.Compound != compound || st.Role != role {
		t.Fatalf("Authenticate(%q) = %+v, %v", tok, st, err)
	}
	return st
}

func testStaff(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, _ := queuetest.Service(t, c, nil)
	tok, err := s.AddStaff(ctx, "c1", "李四", queue.RoleCoordinator)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := c.HGetAll(ctx, "natq:{c1}:staff").Result()
	for k, v := range all {
		if strings.Contains(k+v, tok[3:]) {
			t.Errorf("store keeps the token itself: %s=%s", k, v)
		}
	}
	for _, bad := range []string{"", "c1", "c1.", tok + "x", "c2" + tok[2:], "c1.AAAA"} {
		if _, err := s.Authenticate(ctx, bad); !errors.Is(err, queue.ErrUnauthorized) {
			t.Errorf("Authenticate(%q) = %v, want ErrUnauthorized", bad, err)
		}
	}
	for _, c := range []struct{ compound, name, role, field string }{
		{"c 1", "a", "marshal", "compound"}, {"c1", "", "marshal", "name"}, {"c1", "a", "boss", "role"},
	} {
		_, err := s.AddStaff(ctx, c.compound, c.name, c.role)
		var e *queue.Error
		if !errors.As(err, &e) || e.Field != c.field {
			t.Errorf("AddStaff(%q, %q, %q) = %v, want bad input naming %s", c.compound, c.name, c.role, err, c.field)
		}
	}
	marshal := staff(t, s, "c1", queue.RoleMarshal)
	other := staff(t, s, "c2", queue.RoleCoordinator)
	if _, err := s.SwitchVariant(ctx, marshal, "c1", "wet"); !errors.Is(err, queue.ErrForbidden) {
		t.Errorf("SwitchVariant(marshal) = %v, want ErrForbidden", err)
	}
	if _, err := s.SwitchVariant(ctx, other, "c1", "wet"); !errors.Is(err, queue.ErrForbidden) {
		t.Errorf("SwitchVariant(other compound) = %v, want ErrForbidden", err)
	}
	if _, err := s.SwitchVariant(ctx, nil, "c1", "wet"); !errors.Is(err, queue.ErrUnauthorized) {
		t.Errorf("SwitchVariant(nobody) = %v, want ErrUnauthorized", err)
	}
	if _, err := s.CheckIn(ctx, staff(t, s, "c2", queue.RoleMarshal), "s1", "x"); err == nil {
		t.Errorf("CheckIn(other compound's marshal, forged) = nil")
	}
}

// bookAt books one household and returns its token.
// display is the staff member of a display token m issues for site.
func display(t *testing.T, s *queue.Service, m *queue.Staff, site string) *queue.Staff {
	t.Helper()
	d, err := s.AddDisplay(ctx, m, site)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Authenticate(ctx, d.Token)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func bookAt(t *testing.T, s *queue.Service, h queue.Household) string {
	t.Helper()
	b, _, err := s.Book(ctx, "c1", h)
	if err != nil {
		t.Fatalf("Book(%+v): %v", h, err)
	}
	return b.Ticket
}

func wantCode(t *testing.T, what string, err error, code errs.Code) {
	t.Helper()
	var e *queue.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("%s = %v, want %s", what, err, code)
	}
}

func testCheckInRefusals(t *testing.T, st queuetest.Store) {
	s, clk := queuetest.Service(t, st.Client(t), nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	tok := bookAt(t, s, hh("b1", "", "101", 2)) // s1 07:00-07:15
	_, err := s.CheckIn(ctx, m, "s1", tok)
	wantCode(t, "CheckIn at 06:00", err, "too_early")
	// It says when to come back: the marshal has someone in front of her.
	var qe *queue.Error
	if !errors.As(err, &qe) || !strings.Contains(qe.Message, "时段 07:00–07:15，06:50 起可签到") || !strings.Contains(qe.MessageEn, "check-in opens at 06:50") {
		t.Errorf("CheckIn at 06:00 = %v; want the window and when check-in opens, 06:50", err)
	}
	clk.Set(queuetest.At(6, 55))
	_, err = s.CheckIn(ctx, m, "s2", tok)
	wantCode(t, "CheckIn at the wrong site", err, "wrong_site")
	if err != nil && !strings.Contains(err.Error(), "s1") {
		t.Errorf("wrong_site = %v, want it to name s1", err)
	}
	_, err = s.CheckIn(ctx, m, "zz", tok)
	wantCode(t, "CheckIn at no site", err, "no_site")
	_, err = s.CheckIn(ctx, staff(t, s, "c2", queue.RoleMarshal), "s1", tok)
	wantCode(t, "CheckIn by another compound's marshal", err, "forbidden")
	tv, err := s.CheckIn(ctx, m, "s1", tok)
	if err != nil || tv.State != "checked_in" || tv.Ahead != 0 {
		t.Fatalf("CheckIn = %+v, %v", tv, err)
	}
	_, err = s.CheckIn(ctx, m, "s1", tok)
	wantCode(t, "CheckIn again", err, "already_checked_in")
	late := bookAt(t, s, hh("b1", "", "102", 1))
	clk.Set(queuetest.At(7, 31))
	_, err = s.CheckIn(ctx, m, "s1", late)
	wantCode(t, "CheckIn after window+grace", err, "too_late")
	if !errors.As(err, &qe) || !strings.Contains(qe.Message, "时段 07:00–07:15，签到到 07:30 为止") {
		t.Errorf("CheckIn at 07:31 = %v; want the window and when check-in closed, 07:30", err)
	}
	if _, err := s.Sampled(ctx, m, tok, ""); err != nil {
		t.Fatal(err)
	}
	_, err = s.CheckIn(ctx, m, "s1", tok)
	wantCode(t, "CheckIn after sampling", err, "already_sampled")
}

func testLineFull(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, noShare)
	m := staff(t, s, "c1", queue.RoleMarshal)
	// s1's line holds 40; b1 books 37 + 37 over two windows.
	var toks []string
	for i := 0; i < 10; i++ {
		toks = append(toks, bookAt(t, s, hh("b1", "", room(i), 4)))
	}
	clk.Set(queuetest.At(7, 14))
	in := 0
	for _, tok := range toks {
		tv, err := s.CheckIn(ctx, m, "s1", tok)
		if err != nil {
			wantCode(t, "CheckIn past the line", err, "line_full")
			if !strings.Contains(err.(*queue.Error).Message, "楼") {
				t.Errorf("line_full message %q does not tell to hold arrivals at the building", err.(*queue.Error).Message)
			}
			continue
		}
		in += tv.Party
	}
	if in != 40 {
		t.Errorf("people admitted to a 40-marker line = %d, want 40", in)
	}
	cs, _ := s.Compound(ctx, "c1")
	for _, site := range cs.Sites {
		if site.ID == "s1" && site.Variant == "dry" && site.InLine != 40 {
			t.Errorf("s1 in line = %d, want 40", site.InLine)
		}
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

func testCallNoShowSampled(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	a := bookAt(t, s, hh("b1", "", "101", 2))
	b := bookAt(t, s, hh("b1", "", "102", 3))
	d := bookAt(t, s, hh("b1", "", "103", 6))
	clk.Set(queuetest.At(7, 1))
	for _, tok := range []string{b, a, d} {
		if _, err := s.CheckIn(ctx, m, "s1", tok); err != nil {
			t.Fatal(err)
		}
		clk.Set(clk.Now().Add(time.Second))
	}
	if tv, _ := s.Ticket(ctx, d); tv.Ahead != 5 {
		t.Errorf("people ahead of the third = %d, want 5", tv.Ahead)
	}
	// b came first: called first; it does not answer three times. Each
	// miss calls the next at once; b comes back after them.
	tv, err := s.CallNext(ctx, m, "s1", 1)
	if err != nil || tv.Ticket != b || tv.Calls != 1 || tv.Desk != 1 {
		t.Fatalf("CallNext = %+v, %v, want b at desk 1", tv, err)
	}
	r, err := s.NoShow(ctx, m, b)
	if err != nil || r.NoShow || r.Next == nil || r.Next.Ticket != a {
		t.Fatalf("NoShow(b) #1 = %+v, %v, want a called next", r, err)
	}
	if _, err := s.Requeue(ctx, m, a); err != nil {
		t.Fatal(err)
	}
	// a is queued back in its place, its call not counted: b (missed,
	// someone called since) comes first by check-in.
	for i := 2; i <= 3; i++ {
		tv, err := s.CallNext(ctx, m, "s1", 1)
		if err != nil || tv.Ticket != b || tv.Calls != i {
			t.Fatalf("CallNext #%d = %+v, %v, want b called %d times", i, tv, err, i)
		}
		r, err := s.NoShow(ctx, m, b)
		if err != nil || r.NoShow != (i == 3) {
			t.Fatalf("NoShow #%d = %+v, %v", i, r, err)
		}
		if r.Next == nil || r.Next.Ticket != a {
			t.Fatalf("NoShow #%d called %+v next, want a", i, r.Next)
		}
		if i == 2 {
			if _, err := s.Requeue(ctx, m, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	if tv, _ := s.Ticket(ctx, b); tv.State != "no_show" {
		t.Errorf("b = %s, want no_show", tv.State)
	}
	if tv, _ := s.Ticket(ctx, a); tv.State != "called" || tv.Calls != 1 {
		t.Errorf("a = %s after %d calls, want called once (requeues do not count)", tv.State, tv.Calls)
	}
	_, err = s.NoShow(ctx, m, d)
	wantCode(t, "NoShow before a call", err, "not_called")
	// Each refusal says what was asked: not "cannot be marked missed" for
	// a repeat call or a put-back.
	for what, do := range map[string]func() error{
		"marked missed": func() error { _, err := s.NoShow(ctx, m, d); return err },
		"called again":  func() error { _, err := s.RepeatCall(ctx, m, d); return err },
		"in its place":  func() error { _, err := s.Requeue(ctx, m, d); return err },
	} {
		if err := do(); errs.CodeOf(err) != "not_called" || !strings.Contains(err.Error(), what) {
			t.Errorf("before a call, refused with %v; want not_called saying %q", err, what)
		}
	}
	if _, err := s.Requeue(ctx, m, a); err != nil {
		t.Fatal(err)
	}
	tv, err = s.CallNext(ctx, m, "s1", 1)
	if err != nil || tv.Ticket != a {
		t.Fatalf("CallNext = %v, %v, want a", tv, err)
	}
	if tv, err = s.Sampled(ctx, m, a, "T001"); err != nil || tv.State != "sampled" || tv.Tube != "T001" || tv.SampledAt == nil {
		t.Fatalf("Sampled = %+v, %v", tv, err)
	}
	_, err = s.Sampled(ctx, m, a, "T001")
	wantCode(t, "Sampled twice", err, "already_sampled")
	_, err = s.Sampled(ctx, m, d, "T001") // 2 + 6 = 8 fits
	if err != nil {
		t.Fatal(err)
	}
	e := bookAt(t, s, hh("b1", "", "104", 3))
	_, err = s.Sampled(ctx, m, e, "T001") // 8 + 3 > 10
	wantCode(t, "Sampled into a full tube", err, "tube_full")
	tube, err := s.Tube(ctx, m, "c1", "T001")
	if err != nil || len(tube) != 2 {
		t.Errorf("Tube(T001) = %d tickets, %v, want 2", len(tube), err)
	}
	_, err = s.CallNext(ctx, m, "s1", 1)
	wantCode(t, "CallNext on an empty line", err, "line_empty")
	cs, _ := s.Compound(ctx, "c1")
	for _, site := range cs.Sites {
		if site.ID == "s1" && site.Variant == "dry" {
			// b, a no-show, left the window's booked and checked-in
			// counts alike: checked in never exceeds booked.
			if site.InLine != 0 || site.Windows[0].Sampled != 8 || site.Windows[0].CheckedIn != 8 {
				t.Errorf("s1 = %+v, want empty line, 8 sampled, 8 checked in", site)
			}
		}
	}
	checkKeys(t, c)
	// b's household may book again after its no-show.
	if again, created, err := s.Book(ctx, "c1", hh("b1", "", "102", 3)); err != nil || !created || again.Ticket == b {
		t.Errorf("Book after no-show = %v, %v, %v, want a new ticket", again, created, err)
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

func testCancel(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, _ := queuetest.Service(t, c, noShare)
	var toks []string
	for i := 0; i < 37; i++ {
		toks = append(toks, bookAt(t, s, hh("b4", "", room(i), 1)))
	}
	if _, _, err := s.Book(ctx, "c1", hh("b4", "", "601", 1)); !errors.Is(err, queue.ErrFull) {
		t.Fatalf("Book into a full window = %v, want ErrFull", err)
	}
	tv, err := s.Cancel(ctx, toks[5])
	if err != nil || tv.State != "cancelled" {
		t.Fatalf("Cancel = %+v, %v", tv, err)
	}
	_, err = s.Cancel(ctx, toks[5])
	wantCode(t, "Cancel twice", err, "final")
	if _, created, err := s.Book(ctx, "c1", hh("b4", "", "601", 1)); err != nil || !created {
		t.Errorf("Book after a cancel = %v, %v, want the freed seat", created, err)
	}
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	tv, err = s.CancelHousehold(ctx, coord, "c1", hh("b4", "", room(7), 0))
	if err != nil || tv.Ticket != toks[7] || tv.State != "cancelled" {
		t.Errorf("CancelHousehold = %+v, %v, want ticket 7 cancelled", tv, err)
	}
	_, err = s.CancelHousehold(ctx, coord, "c1", hh("b4", "", room(7), 0))
	wantCode(t, "CancelHousehold again", err, "not_found")
	_, err = s.CancelHousehold(ctx, staff(t, s, "c1", queue.RoleMarshal), "c1", hh("b4", "", room(8), 0))
	wantCode(t, "CancelHousehold(marshal)", err, "forbidden")
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

func testRainSwitch(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, noShare)
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	m := staff(t, s, "c1", queue.RoleMarshal)
	var order []string
	for i := 0; i < 30; i++ { // b1: 74 seats dry (37+37), wet 25+25+30
		tok := bookAt(t, s, hh("b1", "", room(i), 1+i%4))
		order = append(order, tok)
	}
	for i := 0; i < 8; i++ {
		order = append(order, bookAt(t, s, hh("b2", fmt.Sprint(1+i%2), room(i), 2)))
	}
	order = append(order, bookAt(t, s, hh("b3", "", "101", 4)), bookAt(t, s, hh("b4", "", "101", 1)))
	clk.Set(queuetest.At(6, 58))
	if _, err := s.CheckIn(ctx, m, "s1", order[0]); err != nil {
		t.Fatal(err)
	}
	watch, err := s.WatchTicket(ctx, order[1])
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.SwitchVariant(ctx, coord, "c1", "wet")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Moved) != len(order) {
		t.Errorf("moved %d tickets, want %d", len(res.Moved), len(order))
	}
	p := queuetest.Plan(t, "c1.plan.geojson")
	used := map[int]int{}
	last := map[string]time.Time{}
	for i, tok := range order {
		tv, err := s.Ticket(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		want := "booked"
		if i == 0 {
			want = "checked_in" // in line at s1, which the rain plan drops: moved, still in line
		}
		if tv.Variant != "wet" || tv.State != want {
			t.Errorf("ticket %d = %s %s, want %s in wet", i, tv.Variant, tv.State, want)
		}
		var w *queue.Window
		for j := range p.Windows {
			if p.Windows[j].Index == tv.WindowIdx {
				w = &p.Windows[j]
			}
		}
		if w == nil || w.Variant != "wet" || w.Site != tv.Site || !w.Start.Equal(tv.Window.Start) {
			t.Fatalf("ticket %d in window %d (%v), not a wet window of its site", i, tv.WindowIdx, w)
		}
		used[w.Index] += tv.Party
		if tv.Window.Start.Before(last[tv.Household.Building]) {
			t.Errorf("ticket %d (%s) at %v, before an earlier booking's %v: order lost", i, tv.Household.Building, tv.Window.Start, last[tv.Household.Building])
		}
		last[tv.Household.Building] = tv.Window.Start
	}
	for _, w := range p.Windows {
		if used[w.Index] > w.Capacity {
			t.Errorf("wet window %d holds %d > capacity %d", w.Index, used[w.Index], w.Capacity)
		}
	}
	select {
	case ev := <-watch:
		if !strings.Contains(string(ev), `"moved"`) {
			t.Errorf("holder told %s, want a moved event", ev)
		}
	case <-time.After(time.Second):
		t.Errorf("holder not told of the move within a second")
	}
	if again, err := s.SwitchVariant(ctx, coord, "c1", "wet"); err != nil || len(again.Moved) != 0 {
		t.Errorf("SwitchVariant(wet) again = %v, %v, want nothing moved", again, err)
	}
	if v, _ := s.Variant(ctx, "c1"); v != "wet" {
		t.Errorf("Variant = %s, want wet", v)
	}
	b, _, err := s.Book(ctx, "c1", hh("b1", "", "601", 1))
	if err != nil || b.Site != "s2" {
		t.Errorf("Book after the switch = %+v, %v, want a wet window at s2", b, err)
	}
	checkInvariants(t, c, p)
	// Back to dry: everyone fits again.
	if _, err := s.SwitchVariant(ctx, coord, "c1", "dry"); err != nil {
		t.Errorf("SwitchVariant(dry) = %v", err)
	}
	checkInvariants(t, c, p)
	_, err = s.SwitchVariant(ctx, coord, "c1", "snow")
	wantCode(t, "SwitchVariant(snow)", err, "bad_input")
}

func testCoverage(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	a := bookAt(t, s, hh("b1", "", "101", 2))
	bookAt(t, s, hh("b1", "", "102", 3))
	clk.Set(queuetest.At(7, 0))
	if _, err := s.Sampled(ctx, coord, a, ""); err != nil {
		t.Fatal(err)
	}
	cov, err := s.Coverage(ctx, coord, "c1")
	if err != nil {
		t.Fatal(err)
	}
	b1 := cov.Buildings[0]
	if b1.Building != "b1" || b1.Expected != 80 || b1.Booked != 5 || b1.Sampled != 2 || b1.SampledHouseholds != 1 || b1.UnbookedHouseholds != 28 {
		t.Errorf("coverage b1 = %+v", b1)
	}
	if len(cov.NotSampled) != 1 || cov.NotSampled[0].Room != "102" {
		t.Errorf("not sampled = %+v, want room 102", cov.NotSampled)
	}
	// The next round: the figures of this one are shown beside it.
	if err := s.OpenRound(ctx, queuetest.Plan(t, "c1-next.plan.geojson")); err != nil {
		t.Fatal(err)
	}
	cov, err = s.Coverage(ctx, coord, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if cov.Round != "2026-12-03" || cov.Previous != "2026-12-01" || cov.Buildings[0].Previous == nil || cov.Buildings[0].Previous.Sampled != 2 || cov.Buildings[0].Booked != 0 {
		t.Errorf("coverage next round = %+v (previous %+v)", cov, cov.Buildings[0].Previous)
	}
	// Who came last time and has not booked: 101 (sampled), not 102 (booked, never sampled).
	if len(cov.Missed) != 1 || cov.Missed[0] != hh("b1", "", "101", 2) {
		t.Errorf("missed since the last round = %+v, want b1 101 (2 people)", cov.Missed)
	}
	if _, _, err := s.Book(ctx, "c1", hh("b1", "", "101", 2)); err != nil {
		t.Fatal(err)
	}
	if cov, err = s.Coverage(ctx, coord, "c1"); err != nil || len(cov.Missed) != 0 {
		t.Errorf("missed once 101 booked again = %+v, %v; want none", cov.Missed, err)
	}
	_, err = s.Coverage(ctx, staff(t, s, "c1", queue.RoleMarshal), "c1")
	wantCode(t, "Coverage(marshal)", err, "forbidden")
}

func testPreBook(t *testing.T, st queuetest.Store) {
	s, _ := queuetest.Service(t, st.Client(t), nil)
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	res, err := s.PreBook(ctx, coord, "c1", strings.NewReader("b1,,101,1,王奶奶\nb2,2,502,2\n"))
	if err != nil || len(res) != 2 || res[0].Booking == nil || res[0].Name != "王奶奶" || !res[0].Created {
		t.Fatalf("PreBook = %+v, %v", res, err)
	}
	again, err := s.PreBook(ctx, coord, "c1", strings.NewReader("b1,,101,1,王奶奶\nb2,2,502,2\n"))
	if err != nil || again[0].Booking.Ticket != res[0].Booking.Ticket || again[0].Created {
		t.Errorf("PreBook again = %+v, %v, want the same tickets", again, err)
	}
	// A header a coordinator wrote in Chinese, blank lines from a
	// spreadsheet, and the same household once more: booked once.
	zh, err := s.PreBook(ctx, coord, "c1", strings.NewReader("\ufeff楼号,单元,房号,人数,姓名,学生\n,,,,,\nb1,,101,1,王奶奶,否\n\n"))
	if err != nil || len(zh) != 1 || zh[0].Booking == nil || zh[0].Booking.Ticket != res[0].Booking.Ticket {
		t.Errorf("PreBook with a Chinese header = %+v, %v, want row 3 with the same ticket", zh, err)
	}
	// The building as a spreadsheet names it: its name or number, in
	// full-width digits, with 号楼 or 栋: the same household.
	named, err := s.PreBook(ctx, coord, "c1", strings.NewReader("１号楼,,101,1\n1栋,,101,1\n 1 ,,101,1\n1栋,,101室,1人\nb1,,１０１,１ 口\n"))
	if err != nil || len(named) != 5 {
		t.Fatalf("PreBook by the building's name = %+v, %v", named, err)
	}
	for _, r := range named {
		if r.Booking == nil || r.Booking.Ticket != res[0].Booking.Ticket || r.Household.Building != "b1" {
			t.Errorf("row %d by the building's name = %+v, want b1's ticket %s", r.Row, r, res[0].Booking.Ticket)
		}
	}
	// A refusal names the row in Chinese too, once.
	if _, err := s.PreBook(ctx, coord, "c1", strings.NewReader("b1,,101,1\n9号楼,,101,1\n")); errs.As(err).Field != "row 2 building" ||
		!strings.HasPrefix(errs.As(err).Message, "第 2 行：") || strings.Count(errs.As(err).Message, "building") > 0 || !strings.Contains(errs.As(err).MessageEn, `"9号楼"`) {
		t.Errorf("PreBook of 9号楼 = %#v, want row 2's building refused, said once", errs.As(err))
	}
	big := strings.Repeat("b1,,101,1\n", queue.MaxPreBookRows) + "b1,,102,1\n"
	if _, err := s.PreBook(ctx, coord, "c1", strings.NewReader(big)); err == nil || !strings.Contains(err.Error(), "at most 2000") {
		t.Errorf("PreBook of %d rows = %v, want refused before any is booked", queue.MaxPreBookRows+1, err)
	}
	// Printing cards takes fewer rows a request: the 501st is refused,
	// and none is booked.
	cards := strings.Repeat("b1,,101,1\n", queue.MaxCardsPerPrint) + "b1,,102,1\n"
	if _, err := s.PreBookCards(ctx, coord, "c1", strings.NewReader(cards)); errs.As(err) == nil || errs.As(err).Field != "row 501" || !strings.Contains(err.Error(), "no household was booked") {
		t.Errorf("PreBookCards of %d rows = %v, want row 501 refused before any is booked", queue.MaxCardsPerPrint+1, err)
	}
	if v, err := s.TicketByNumber(ctx, coord, "c1", res[1].Booking.ID+1); err == nil {
		t.Errorf("a refused request booked ticket %d: %+v", res[1].Booking.ID+1, v)
	}
	if ok, err := s.PreBookCards(ctx, coord, "c1", strings.NewReader(strings.Repeat("b1,,101,1\n", queue.MaxCardsPerPrint))); err != nil || len(ok) != queue.MaxCardsPerPrint || ok[0].Booking.Ticket != res[0].Booking.Ticket {
		t.Errorf("PreBookCards of %d rows = %d rows, %v; want them all, the same ticket", queue.MaxCardsPerPrint, len(ok), err)
	}
	for csv, field := range map[string]string{
		"b1,,101\n":               "row 1",
		"b1,,101,1\nb9,,1,1":      "row 2 building",
		"b1,,101,x\n":             "row 1 party",
		"":                        "csv",
		"b1,,101,1,,maybe\n":      "row 1 students",
		"b1,,101,1,王,学生\n":        "row 1 students", // c1 has no students' period
		"building\nb1,,101,1,,\n": "",
	} {
		_, err := s.PreBook(ctx, coord, "c1", strings.NewReader(csv))
		var e *queue.Error
		if field == "" {
			if err != nil {
				t.Errorf("PreBook(%q) = %v, want booked", csv, err)
			}
			continue
		}
		if !errors.As(err, &e) || e.Field != field {
			t.Errorf("PreBook(%q) = %v, want bad input naming %q", csv, err, field)
		}
	}
	// A file saved in GBK (钱七), as Excel and WPS save CSV on Chinese
	// Windows, or in UTF-16, is refused as a whole, saying how to save it:
	// its names would be garbled on the cards (and a GBK name crashed
	// their printing).
	for _, bad := range []string{"b1,,103,1,王奶奶\nb1,,104,1,\xc7\xae\xc6\xdf\n", "\xff\xfeb\x001\x00"} {
		_, err := s.PreBook(ctx, coord, "c1", strings.NewReader(bad))
		var qe *queue.Error
		if !errors.As(err, &qe) || qe.Field != "csv" || !strings.Contains(qe.Message, "CSV UTF-8") {
			t.Errorf("PreBook of a file not in UTF-8 = %v; want it refused, saying to save it as CSV UTF-8", err)
		}
	}
	if r, err := s.PreBook(ctx, coord, "c1", strings.NewReader("b1,,103,1\n")); err != nil || len(r) != 1 || !r[0].Created {
		t.Errorf("booking the refused file's first row afterwards = %+v, %v; want it new (nothing of the file was booked)", r, err)
	} else if _, err := s.Cancel(ctx, r[0].Booking.Ticket); err != nil {
		t.Fatal(err)
	}
}

// testPreBookStudents: a grandmother without a phone, and her grandson
// who is at school until the afternoon, pre-booked on paper from one
// coordinator's list: two tickets, the boy's in the students' period, and
// the ticket CSV the cards are printed from says which is his.
func testPreBookStudents(t *testing.T, st queuetest.Store) {
	s, _ := queuetest.Service(t, st.Client(t), noShare)
	p := queuetest.Plan(t, "c3-students.plan.geojson")
	if err := s.OpenRound(ctx, p); err != nil {
		t.Fatal(err)
	}
	coord := staff(t, s, "c3", queue.RoleCoordinator)
	res, err := s.PreBook(ctx, coord, "c3", strings.NewReader("b1,,301,1,王秀英\nb1,,301,1,王小明,学生\n"))
	if err != nil || len(res) != 2 || res[0].Booking == nil || res[1].Booking == nil {
		t.Fatalf("PreBook = %+v, %v", res, err)
	}
	gran, boy := res[0].Booking, res[1].Booking
	if gran.ID == boy.ID || !res[1].Household.Students || res[0].Household.Students || boy.Window.Start.Format("15:04") != "16:30" {
		t.Errorf("pre-booked %d at %s and %d (students %v) at %s; want two tickets, the students' at 16:30",
			gran.ID, gran.Window.Start.Format("15:04"), boy.ID, res[1].Household.Students, boy.Window.Start.Format("15:04"))
	}
	if tv, err := s.Ticket(ctx, boy.Ticket); err != nil || !tv.Students || tv.Origin != "paper" {
		t.Errorf("the boy's ticket = %+v, %v; want a paper students' ticket", tv, err)
	}
	f, ts, err := s.PreBookingTickets("c3", res)
	if err != nil || f != p.File || len(ts) != 2 || ts[0].Students || !ts[1].Students || ts[1].Number != boy.ID || ts[1].Name != "王小明" {
		t.Errorf("PreBookingTickets = %+v, %v; want the two, the second the students'", ts, err)
	}
}

// testStreamsAcrossRestart: Redis restarts under two instances while a
// site's tablet watches on the second. What was published while the
// second had no subscription is lost, so once go-redis has it subscribed
// again the tablet is told to read its state afresh ("resync"); then the
// next change reaches it as before.
func testStreamsAcrossRestart(t *testing.T, st queuetest.Store) {
	c, stop, start := st.Stoppable(t)
	a, _ := queuetest.Service(t, c, noShare)
	b, _ := queuetest.Service(t, c, noShare)
	w, err := b.WatchSite(ctx, "c1~s1")
	if err != nil {
		t.Fatal(err)
	}
	next := func(what string) string {
		t.Helper()
		select {
		case ev, ok := <-w:
			if !ok {
				t.Fatalf("%s: the tablet's stream ended", what)
			}
			return string(ev)
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: nothing reached the tablet within 15 s", what)
		}
		return ""
	}
	bookAt(t, a, hh("b1", "", "101", 1))
	if ev := next("the first booking"); !strings.Contains(ev, `"type":"booked"`) {
		t.Fatalf("the tablet got %s, want the booking", ev)
	}
	stop()
	start()
	for ev := next("after the restart"); ev != `{"type":"resync"}`; ev = next("after the restart") {
		if !strings.Contains(ev, `"type":"booked"`) {
			t.Fatalf("the tablet got %s after the restart, want a resync", ev)
		}
	}
	bookAt(t, a, hh("b1", "", "102", 1))
	if ev := next("the booking after the restart"); !strings.Contains(ev, `"type":"booked"`) || !strings.Contains(ev, `"ticket_id":2,`) {
		t.Errorf("after the resync the tablet got %s, want the booking of ticket 2", ev)
	}
}

// testDisplayToken: a marshal issues s1's display a token of its own. It
// reads s1's line and says who it is; it checks in, calls, samples,
// books and issues nothing, in the desk's scripts as in Go; it is listed
// and revoked as staff. A site has at most six live display tokens.
func testDisplayToken(t *testing.T, st queuetest.Store) {
	s, clk := queuetest.Service(t, st.Client(t), nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	d, err := s.AddDisplay(ctx, m, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Site != "s1" || d.Name != "叫号屏 s1 北广场" || !strings.HasPrefix(d.URL, "https://natq.test/display/c1/s1#t=c1.") || !d.Until.After(clk.Now()) {
		t.Errorf("AddDisplay = %+v; want s1's, its link with the token after #t=, ending after now", d)
	}
	disp, err := s.Authenticate(ctx, d.Token)
	if err != nil || disp.Role != queue.RoleDisplay || disp.Name != d.Name {
		t.Fatalf("Authenticate(display token) = %+v, %v", disp, err)
	}
	if l, err := s.Line(ctx, disp, "s1"); err != nil || l.Site != "s1" {
		t.Errorf("the display reading s1's line = %+v, %v", l, err)
	}
	// It reads its own site's line only: its token, copied from the
	// screen's link, shows no other site's waiting list. A display named
	// otherwise (natq staff add --role display, a lobby's screen) reads
	// any of the compound.
	_, err = s.Line(ctx, disp, "s2")
	wantCode(t, "s1's display reading s2's line", err, errs.Forbidden)
	if e := (*queue.Error)(nil); errors.As(err, &e) && !strings.Contains(e.Message, "s1") {
		t.Errorf("the refusal says %q; want it to name s1", e.Message)
	}
	// Nor any ticket's token, with which whoever photographs the screen's
	// link could cancel the people waiting.
	inLine := bookAt(t, s, hh("b1", "", "109", 1))
	clk.Set(queuetest.At(7, 0))
	if _, err := s.CheckIn(ctx, m, "s1", inLine); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Line(ctx, disp, "s1"); err != nil || len(l.Waiting) != 1 || l.Waiting[0].Ticket != "" || l.Waiting[0].ID == 0 {
		t.Errorf("the display's line = %+v, %v; want the one waiting, by number, with no token", l, err)
	}
	if l, err := s.Line(ctx, m, "s1"); err != nil || len(l.Waiting) != 1 || l.Waiting[0].Ticket != inLine {
		t.Errorf("the marshal's line = %+v, %v; want the one waiting with her token", l, err)
	}
	lobby := staffNamed(t, s, "c1", "大厅屏", queue.RoleDisplay)
	for _, site := range []string{"s1", "s2"} {
		if l, err := s.Line(ctx, lobby, site); err != nil || l.Site != site {
			t.Errorf("the lobby's display reading %s's line = %+v, %v", site, l, err)
		}
	}
	tok := bookAt(t, s, hh("b1", "", "101", 1))
	clk.Set(queuetest.At(7, 1))
	unchecked, err := s.StaffOf(d.Token)
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []*queue.Staff{disp, unchecked} {
		_, err := s.CheckIn(ctx, who, "s1", tok)
		wantCode(t, "a display's check-in", err, errs.Forbidden)
		_, err = s.CallNext(ctx, who, "s1", 1)
		wantCode(t, "a display's call", err, errs.Forbidden)
		_, err = s.Sampled(ctx, who, tok, "")
		wantCode(t, "a display's sample", err, errs.Forbidden)
	}
	_, err = s.AddDisplay(ctx, disp, "s1")
	wantCode(t, "a display issuing a display", err, errs.Forbidden)
	_, err = s.SwitchVariant(ctx, disp, "c1", "wet")
	wantCode(t, "a display's rain switch", err, errs.Forbidden)
	_, _, err = s.BookOnline(ctx, "c1", hh("b1", "", "102", 1), "203.0.113.9", disp, queue.Held{})
	wantCode(t, "a display booking as staff", err, errs.Forbidden)
	if tv, err := s.CheckIn(ctx, m, "s1", tok); err != nil || tv.State != "checked_in" {
		t.Errorf("the marshal's check-in after the display's = %+v, %v", tv, err)
	}
	// Six a site; the seventh is refused until one is revoked.
	for i := 2; i <= 6; i++ {
		if _, err := s.AddDisplay(ctx, coord, "c1~s1"); err != nil {
			t.Fatalf("display token %d: %v", i, err)
		}
	}
	_, err = s.AddDisplay(ctx, m, "s1")
	wantCode(t, "a seventh display token", err, errs.TooManyDisplays)
	if _, err := s.AddDisplay(ctx, m, "s2"); err != nil {
		t.Errorf("s2's first display token: %v", err)
	}
	_, err = s.AddDisplay(ctx, m, "nope")
	wantCode(t, "a display of no site", err, errs.NoSite)
	list, err := s.ListStaff(ctx, coord, "c1")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, x := range list {
		if x.Name == d.Name && x.Role == queue.RoleDisplay {
			n++
		}
	}
	if n != 6 {
		t.Errorf("the staff list has %d of s1's display tokens, want 6", n)
	}
	if k, err := s.RevokeStaff(ctx, coord, "c1", d.Name); err != nil || k != 6 {
		t.Fatalf("revoking s1's displays = %d, %v", k, err)
	}
	if _, err := s.Authenticate(ctx, d.Token); !errors.Is(err, queue.ErrUnauthorized) {
		t.Errorf("a revoked display token = %v, want unauthorized", err)
	}
	if _, err := s.AddDisplay(ctx, m, "s1"); err != nil {
		t.Errorf("a display token once the others are revoked: %v", err)
	}
}

// testDisplayPairing: a display without a camera shows a code; a marshal
// types it, written as people write six digits, for a site; the
// display's next poll, and only that one, takes a display token for it.
// A code is used once, ends after 10 minutes by the service's clock (the
// embedded store's TTLs do not run), and is no use to anyone but staff
// of its compound; one address holds a few pairings at once, a compound
// a few dozen.
func testDisplayPairing(t *testing.T, st queuetest.Store) {
	s, clk := queuetest.Service(t, st.Client(t), nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	const tv = "203.0.113.7"
	pr, err := s.StartPairing(ctx, "c1~s1", tv)
	if err != nil {
		t.Fatal(err)
	}
	if len(pr.Code) != 6 || strings.Trim(pr.Code, "0123456789") != "" || len(pr.Secret) < 32 || pr.Site != "s1" ||
		!pr.Expires.Equal(clk.Now().Add(10*time.Minute)) {
		t.Fatalf("StartPairing = %+v; want 6 digits, a secret, s1, ending in 10 minutes", pr)
	}
	if ps, err := s.PollPairing(ctx, "c1~s1", pr.Secret); err != nil || ps.State != "waiting" || ps.Display != nil {
		t.Fatalf("the poll before the code is typed = %+v, %v; want waiting", ps, err)
	}
	_, err = s.PollPairing(ctx, "c1~s1", pr.Secret+"x")
	wantCode(t, "a poll with another secret", err, errs.NotFound)
	for _, bad := range []string{"12345", "1234567", "12a456", "一二三四五六"} {
		_, err := s.PairDisplay(ctx, m, "s2", bad)
		wantCode(t, "pairing code "+bad, err, errs.Invalid)
	}
	_, err = s.PairDisplay(ctx, display(t, s, m, "s1"), "s2", pr.Code)
	wantCode(t, "a display pairing a display", err, errs.Forbidden)
	_, err = s.PairDisplay(ctx, nil, "s2", pr.Code)
	wantCode(t, "pairing without a token", err, errs.Unauthorized)
	other := staff(t, s, "c2", queue.RoleMarshal)
	_, err = s.PairDisplay(ctx, other, "t1", pr.Code)
	wantCode(t, "c2's marshal typing c1's code", err, errs.NotFound)
	_, err = s.PairDisplay(ctx, other, "c1~s2", pr.Code)
	wantCode(t, "c2's marshal pairing c1's site", err, errs.Forbidden)

	// Typed with a space, the way the screen groups it: s2's display, not
	// the s1 its address named (the marshal chose).
	typed := pr.Code[:3] + " " + pr.Code[3:]
	pd, err := s.PairDisplay(ctx, m, "s2", typed)
	if err != nil || pd.Site != "s2" || pd.Name != "叫号屏 s2 会所门廊" {
		t.Fatalf("PairDisplay(%q) = %+v, %v", typed, pd, err)
	}
	// The tablet is told the screen was opened for s1, so that a code
	// read off the wrong screen is seen at once.
	if pd.ScreenSite != "s1" || pd.ScreenSiteName != "北广场" {
		t.Errorf("PairDisplay of a screen opened at s1, for s2: screen site %q %q; want s1 北广场", pd.ScreenSite, pd.ScreenSiteName)
	}
	_, err = s.PairDisplay(ctx, m, "s2", pr.Code)
	wantCode(t, "the same code typed again", err, errs.NotFound)
	ps, err := s.PollPairing(ctx, "c1~s1", pr.Secret)
	if err != nil || ps.State != "paired" || ps.Display == nil || ps.Display.Site != "s2" ||
		!strings.HasPrefix(ps.Display.URL, "https://natq.test/display/c1/s2#t=c1.") {
		t.Fatalf("the poll after the code is typed = %+v, %v; want paired, s2's display", ps, err)
	}
	who, err := s.Authenticate(ctx, ps.Display.Token)
	if err != nil || who.Role != queue.RoleDisplay || who.Name != "叫号屏 s2 会所门廊" {
		t.Fatalf("the paired display's token = %+v, %v", who, err)
	}
	if l, err := s.Line(ctx, who, "s2"); err != nil || l.Site != "s2" {
		t.Errorf("the paired display reading s2's line = %+v, %v", l, err)
	}
	_, err = s.PollPairing(ctx, "c1~s1", pr.Secret)
	wantCode(t, "a second poll after pairing", err, errs.NotFound)

	// Full-width digits, as a Chinese keyboard may type them.
	pr2, err := s.StartPairing(ctx, "c1~s2", tv)
	if err != nil {
		t.Fatal(err)
	}
	wide := strings.Map(func(r rune) rune { return r - '0' + '０' }, pr2.Code)
	if pd, err := s.PairDisplay(ctx, m, "s2", wide); err != nil || pd.ScreenSite != "" {
		t.Errorf("PairDisplay(%q) of s2's own screen = %+v, %v; want no other screen site", wide, pd, err)
	}
	// An approved pairing not collected within two minutes of its end is
	// gone.
	clk.Set(clk.Now().Add(12*time.Minute + time.Second))
	_, err = s.PollPairing(ctx, "c1~s2", pr2.Secret)
	wantCode(t, "collecting long after the end", err, errs.NotFound)

	// A code not typed within its 10 minutes ends.
	pr3, err := s.StartPairing(ctx, "s1", tv) // a site id only one compound has
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(10 * time.Minute))
	_, err = s.PairDisplay(ctx, m, "s1", pr3.Code)
	wantCode(t, "a code typed after its end", err, errs.NotFound)
	_, err = s.PollPairing(ctx, "c1~s1", pr3.Secret)
	wantCode(t, "a poll after the end", err, errs.NotFound)
	_, err = s.StartPairing(ctx, "c1~nope", tv)
	wantCode(t, "a pairing for no site", err, errs.NoSite)

	// Eight at once from one address, sixty-four in the compound.
	clk.Set(clk.Now().Add(time.Minute))
	for i := range 8 {
		if _, err := s.StartPairing(ctx, "c1~s1", tv); err != nil {
			t.Fatalf("pairing %d from one address: %v", i+1, err)
		}
	}
	_, err = s.StartPairing(ctx, "c1~s1", tv)
	wantCode(t, "a ninth pairing from one address", err, errs.RateLimited)
	for i := range 56 {
		if _, err := s.StartPairing(ctx, "c1~s1", fmt.Sprintf("198.51.100.%d", i)); err != nil {
			t.Fatalf("pairing %d of the compound: %v", 9+i, err)
		}
	}
	_, err = s.StartPairing(ctx, "c1~s1", "192.0.2.1")
	wantCode(t, "the compound's 65th pairing", err, errs.RateLimited)
	if _, err := s.StartPairing(ctx, "c2~t1", "192.0.2.1"); err != nil {
		t.Errorf("c2's first pairing while c1 is full: %v", err)
	}
	clk.Set(clk.Now().Add(10 * time.Minute))
	last, err := s.StartPairing(ctx, "c1~s1", tv)
	if err != nil {
		t.Fatalf("a pairing once the others ended: %v", err)
	}

	// A site with six displays pairs no seventh.
	for range 5 {
		if _, err := s.AddDisplay(ctx, m, "s1"); err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.PairDisplay(ctx, m, "s1", last.Code)
	wantCode(t, "pairing a seventh display", err, errs.TooManyDisplays)
	if _, err := s.PairDisplay(ctx, m, "w1", last.Code); err != nil {
		t.Errorf("the same code for w1, which has none: %v", err)
	}
}

// testTicketByNumber: a resident's QR code will not scan; the marshal
// types the short number the phone and the card show, reads whose ticket
// it is, and checks it in with the token the read gives. Another
// compound's marshal, a display and anyone without a token read nothing;
// a number of no ticket, or of yesterday's, says so.
func testTicketByNumber(t *testing.T, st queuetest.Store) {
	s, clk := queuetest.Service(t, st.Client(t), nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	b, _, err := s.Book(ctx, "c1", hh("b1", "", "201", 2))
	if err != nil {
		t.Fatal(err)
	}
	tv, err := s.TicketByNumber(ctx, m, "c1", b.ID)
	if err != nil || tv.Ticket != b.Ticket || tv.Household.Room != "201" || tv.Party != 2 || tv.State != "booked" || tv.Site != "s1" {
		t.Fatalf("TicketByNumber(%d) = %+v, %v; want room 201's ticket, its token %s", b.ID, tv, err, b.Ticket)
	}
	clk.Set(queuetest.At(7, 1))
	if in, err := s.CheckIn(ctx, m, "s1", tv.Ticket); err != nil || in.State != "checked_in" {
		t.Fatalf("checking in with the token read by number = %+v, %v", in, err)
	}
	if tv, err := s.TicketByNumber(ctx, m, "c1", b.ID); err != nil || tv.State != "checked_in" {
		t.Errorf("the ticket read again = %+v, %v; want checked in", tv, err)
	}
	_, err = s.TicketByNumber(ctx, m, "c1", b.ID+1000)
	wantCode(t, "a number of no ticket", err, errs.NotFound)
	var e *queue.Error
	if errors.As(err, &e) && !strings.Contains(e.Message, "找不到票号 "+fmt.Sprint(b.ID+1000)) {
		t.Errorf("no ticket says %q, want the number named", e.Message)
	}
	dst := display(t, s, m, "s1")
	_, err = s.TicketByNumber(ctx, dst, "c1", b.ID)
	wantCode(t, "a display reading by number", err, errs.Forbidden)
	_, err = s.TicketByNumber(ctx, staff(t, s, "c2", queue.RoleMarshal), "c1", b.ID)
	wantCode(t, "c2's marshal reading c1's ticket", err, errs.Forbidden)
	_, err = s.TicketByNumber(ctx, nil, "c1", b.ID)
	wantCode(t, "no token", err, errs.Unauthorized)
	if err := s.OpenRound(ctx, queuetest.Plan(t, "c1-next.plan.geojson")); err != nil {
		t.Fatal(err)
	}
	_, err = s.TicketByNumber(ctx, m, "c1", b.ID)
	wantCode(t, "yesterday's ticket by number", err, errs.OldRound)
}

// testAtDesk: residents at the desk without their tickets. A booked
// household, its room written another way, is found with its party kept;
// one that never booked gets a paper ticket, into the walk-in share online
// booking cannot take, once; the desk checks it in with the view's token.
func testAtDesk(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	booked, _, err := s.Book(ctx, "c1", hh("b1", "", "301", 2))
	if err != nil {
		t.Fatal(err)
	}
	tv, created, err := s.AtDesk(ctx, m, "c1", hh("b1", "", "０３０１室", 1))
	if err != nil || created || tv.Ticket != booked.Ticket || tv.Party != 2 || tv.Household.Room != "301" {
		t.Fatalf("AtDesk(a booked household) = %+v, %v, %v; want its ticket, party 2 kept", tv, created, err)
	}
	// b4's window of 37 seats: 33 online, the rest kept for walk-ins.
	for i := 0; ; i++ {
		_, _, err := s.Book(ctx, "c1", hh("b4", "", room(i), 1))
		if errors.Is(err, queue.ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	walkin, created, err := s.AtDesk(ctx, m, "c1", hh("b4", "", "601", 3))
	if err != nil || !created || walkin.Origin != "paper" || walkin.Party != 3 || walkin.State != "booked" || walkin.Ticket == "" {
		t.Fatalf("AtDesk(a household that never booked, online full) = %+v, %v, %v; want a new paper ticket for 3", walkin, created, err)
	}
	again, created, err := s.AtDesk(ctx, m, "c1", hh("b4", "", "601", 1))
	if err != nil || created || again.ID != walkin.ID || again.Party != 3 {
		t.Errorf("AtDesk(the walk-in again) = %+v, %v, %v; want its ticket, party 3", again, created, err)
	}
	clk.Set(walkin.Window.Start)
	if in, err := s.CheckIn(ctx, m, walkin.Site, walkin.Ticket); err != nil || in.State != "checked_in" {
		t.Errorf("checking the walk-in in = %+v, %v", in, err)
	}
	_, _, err = s.AtDesk(ctx, m, "c1", hh("b4", "", "0", 1))
	wantCode(t, "AtDesk(room 0)", err, errs.Invalid)
	_, _, err = s.AtDesk(ctx, m, "c1", hh("nope", "", "101", 1))
	wantCode(t, "AtDesk(no such building)", err, errs.Invalid)
	if e := (*queue.Error)(nil); !errors.As(err, &e) || e.Message != "楼号：本小区没有“nope”这栋楼" || e.Field != "building" {
		t.Errorf("AtDesk(no such building) says %v, want the building typed named", err)
	}
	dst := display(t, s, m, "s1")
	_, _, err = s.AtDesk(ctx, dst, "c1", hh("b1", "", "302", 1))
	wantCode(t, "a display at the desk", err, errs.Forbidden)
	_, _, err = s.AtDesk(ctx, staff(t, s, "c2", queue.RoleMarshal), "c1", hh("b1", "", "302", 1))
	wantCode(t, "c2's marshal", err, errs.Forbidden)
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

// testSampledAtHome: the door-to-door team records households sampled at
// home, pooled in a tube. The round's coverage counts them, the tube
// lists them, a second record is refused with its time, a household
// booked at a site gives its seat back, one in line is sent to its site,
// and the rain switch leaves them as they are.
// testAfterTheWindows: a household comes after its unit's only window
// has ended. Online it is told its time is over, not that all is full;
// at the desk it is booked into the next window of its site with room,
// whichever building that window calls, and checked in there; once every
// window of the site has ended, the desk is told so. Before, all three
// said "every window is full; ask your building's volunteer", and the
// resident at the site could be booked nowhere.
func testAfterTheWindows(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	// b2 unit 1's window is s2's 07:00-07:15; unit 2's 07:15-07:30; b3's
	// 07:30-07:45 (queue/testdata/c1.plan.geojson, dry).
	clk.Set(queuetest.At(7, 20))
	_, _, err := s.Book(ctx, "c1", hh("b2", "1", "101", 2))
	wantCode(t, "Book(b2 unit 1) after its window", err, errs.WindowsOver)
	_, _, err = s.BookOnline(ctx, "c1", hh("b2", "1", "101", 2), "10.0.0.1", nil, queue.Held{})
	wantCode(t, "BookOnline(b2 unit 1) after its window", err, errs.WindowsOver)
	if e := (*queue.Error)(nil); !errors.As(err, &e) || !strings.Contains(e.Message, "都已结束") {
		t.Errorf("the resident is told %v; want her windows are over", err)
	}
	tv, created, err := s.AtDesk(ctx, m, "c1", hh("b2", "1", "101", 2))
	if err != nil || !created || tv.Site != "s2" || !tv.Window.Start.Equal(queuetest.At(7, 15)) || tv.Origin != "paper" {
		t.Fatalf("AtDesk(b2 unit 1 at 07:20) = %+v, %v, %v; want a new paper ticket in s2's 07:15 window", tv, created, err)
	}
	if in, err := s.CheckIn(ctx, m, tv.Site, tv.Ticket); err != nil || in.State != "checked_in" {
		t.Errorf("checking the late household in = %+v, %v", in, err)
	}
	// A card made for it now is its ticket; another household of the
	// unit on a card gets a seat too.
	pbs, err := s.PreBook(ctx, coord, "c1", strings.NewReader("b2,1,101,2\nb2,1,102,1\n"))
	if err != nil || pbs[0].Booking == nil || pbs[0].Booking.ID != tv.ID || pbs[1].Booking == nil || pbs[1].Booking.Site != "s2" {
		t.Errorf("cards for b2 unit 1 at 07:20 = %+v, %v; want 101's ticket and a new one for 102 at s2", pbs, err)
	}
	// The late list is the site's windows only, never another site's: b1
	// (s1) after its two windows is booked into s1's 08:00 window.
	clk.Set(queuetest.At(7, 35))
	b1, _, err := s.AtDesk(ctx, m, "c1", hh("b1", "", "101", 1))
	if err != nil || b1.Site != "s1" || !b1.Window.Start.Equal(queuetest.At(8, 0)) {
		t.Errorf("AtDesk(b1 at 07:35) = %+v, %v; want s1's 08:00 window", b1, err)
	}
	// Every window of s2 has ended at 07:50: nothing left to book.
	clk.Set(queuetest.At(7, 50))
	_, _, err = s.AtDesk(ctx, m, "c1", hh("b2", "1", "103", 1))
	wantCode(t, "AtDesk(b2 unit 1 at 07:50)", err, errs.WindowsOver)
	if e := (*queue.Error)(nil); !errors.As(err, &e) || e != queue.ErrDayOver && e.Message != queue.ErrDayOver.Message {
		t.Errorf("the desk at 07:50 is told %v; want the site's windows are over too", err)
	}
	// And a household with a window still to come is booked as before.
	if b4, _, err := s.Book(ctx, "c1", hh("b4", "", "101", 1)); err != nil || !b4.Window.Start.Equal(queuetest.At(8, 0)) {
		t.Errorf("Book(b4 at 07:50) = %+v, %v; want its 08:00 window", b4, err)
	}
}

func testSampledAtHome(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	clk.Set(queuetest.At(7, 1))
	tv, err := s.SampledAtHome(ctx, m, "c1", hh("b1", "", "0401室", 2), "T9")
	if err != nil || tv.State != "sampled" || tv.Origin != "home" || tv.Tube != "T9" || tv.Party != 2 || tv.Household.Room != "401" ||
		tv.SampledAt == nil || !tv.SampledAt.Equal(queuetest.At(7, 1)) || tv.Site != "" {
		t.Fatalf("SampledAtHome = %+v, %v; want room 401 sampled at home at 07:01 into T9", tv, err)
	}
	clk.Set(queuetest.At(7, 5))
	_, err = s.SampledAtHome(ctx, m, "c1", hh("b1", "", "401", 2), "")
	wantCode(t, "the same household again", err, errs.AlreadySampled)
	var e *queue.Error
	if errors.As(err, &e) && !strings.Contains(e.Message, "07:01") {
		t.Errorf("a second record says %q, want when it was sampled", e.Message)
	}
	// Booked at a site: that ticket is the record, its seat given back
	// (checkInvariants below), its phone told.
	booked, _, err := s.Book(ctx, "c1", hh("b1", "", "402", 1))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := s.WatchTicket(ctx, booked.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	home, err := s.SampledAtHome(ctx, m, "c1", hh("b1", "", "402", 1), "T9")
	if err != nil || home.ID != booked.ID || home.State != "sampled" || home.Origin != "home" || home.Site != "" {
		t.Fatalf("SampledAtHome(a booked household) = %+v, %v; want its ticket, sampled at home", home, err)
	}
	select {
	case ev := <-stream:
		if !strings.Contains(string(ev), `"sampled"`) || !strings.Contains(string(ev), `"origin":"home"`) {
			t.Errorf("the booked ticket's event = %s; want sampled at home", ev)
		}
	case <-time.After(5 * time.Second):
		t.Error("the booked ticket's phone was not told it was sampled at home")
	}
	// In a site's line: sampled there.
	inLine := bookAt(t, s, hh("b1", "", "403", 1))
	if _, err := s.CheckIn(ctx, m, "s1", inLine); err != nil {
		t.Fatal(err)
	}
	_, err = s.SampledAtHome(ctx, m, "c1", hh("b1", "", "403", 1), "")
	wantCode(t, "a household in line", err, errs.Final)
	// The tube: ten samples, then full.
	if _, err := s.SampledAtHome(ctx, m, "c1", hh("b1", "", "404", 7), "T9"); err != nil {
		t.Fatal(err)
	}
	_, err = s.SampledAtHome(ctx, m, "c1", hh("b1", "", "405", 1), "T9")
	wantCode(t, "an eleventh sample in T9", err, errs.TubeFull)
	tube, err := s.Tube(ctx, m, "c1", "T9")
	if err != nil || len(tube) != 3 {
		t.Fatalf("Tube(T9) = %d tickets, %v; want the three households sampled at home", len(tube), err)
	}
	// Room 401 was a mistyped door: its record is taken back, its two
	// leave T9 (room for one more), and it may be recorded again.
	undone, err := s.UndoHomeSample(ctx, m, tv.Ticket)
	if err != nil || undone.State != "cancelled" {
		t.Fatalf("UndoHomeSample(401) = %+v, %v; want cancelled", undone, err)
	}
	_, err = s.UndoHomeSample(ctx, m, tv.Ticket)
	wantCode(t, "taking 401's record back twice", err, errs.Final)
	_, err = s.UndoHomeSample(ctx, m, inLine)
	wantCode(t, "taking back a ticket in line", err, errs.Final)
	_, err = s.UndoHomeSample(ctx, display(t, s, m, "s1"), home.Ticket)
	wantCode(t, "a display taking a record back", err, errs.Forbidden)
	if _, err := s.SampledAtHome(ctx, m, "c1", hh("b1", "", "405", 1), "T9"); err != nil {
		t.Errorf("a sample into T9 after 401's left it: %v", err)
	}
	if tube, err := s.Tube(ctx, m, "c1", "T9"); err != nil || len(tube) != 3 {
		t.Errorf("Tube(T9) after the undo = %d tickets, %v; want 402, 404, 405", len(tube), err)
	}
	clk.Set(queuetest.At(7, 10))
	again401, err := s.SampledAtHome(ctx, m, "c1", hh("b1", "", "401", 2), "")
	if err != nil || again401.ID == tv.ID {
		t.Fatalf("recording 401 again = %+v, %v; want a new record", again401, err)
	}
	for _, x := range []queue.Household{hh("nope", "", "101", 1), hh("b1", "", "0", 1), hh("b1", "", "406", 0), hh("b1", "9", "406", 1)} {
		_, err := s.SampledAtHome(ctx, m, "c1", x, "")
		wantCode(t, fmt.Sprintf("SampledAtHome(%+v)", x), err, errs.Invalid)
	}
	_, err = s.SampledAtHome(ctx, m, "c1", hh("b1", "", "406", 1), "T|1")
	wantCode(t, "a bad tube", err, errs.Invalid)
	_, err = s.SampledAtHome(ctx, nil, "c1", hh("b1", "", "406", 1), "")
	wantCode(t, "no token", err, errs.Unauthorized)
	cov, err := s.Coverage(ctx, coord, "c1")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range cov.Buildings {
		if b.Building == "b1" && (b.SampledHouseholds != 4 || b.Sampled != 11) {
			t.Errorf("b1's coverage = %+v; want the 4 households (11 people) sampled at home", b)
		}
	}
	// The round's list, on another member's phone: newest first, who
	// recorded each, 401's first record among them as taken back; and
	// a record taken back from there.
	li := staffNamed(t, s, "c1", "李四", queue.RoleMarshal)
	list, err := s.HomeSamples(ctx, li, "c1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range list.Records {
		x := fmt.Sprintf("%s %s %d %s by %s", r.Household.Room, r.State, r.Party, r.SampledAt.Format("15:04"), r.RecordedBy)
		if r.TakenBackAt != nil {
			x += " back " + r.TakenBackAt.Format("15:04") + " by " + r.TakenBackBy
		}
		got = append(got, x)
	}
	want := []string{"401 sampled 2 07:10 by 张三", "405 sampled 1 07:05 by 张三", "404 sampled 7 07:05 by 张三",
		"402 sampled 1 07:05 by 张三", "401 cancelled 2 07:01 by 张三 back 07:05 by 张三"}
	if !slices.Equal(got, want) || list.Households != 4 || list.People != 11 || list.Round != "2026-12-01" {
		t.Errorf("HomeSamples = %d households, %d people, round %s:\n%s\nwant 4, 11, 2026-12-01:\n%s", list.Households, list.People, list.Round,
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	clk.Set(queuetest.At(7, 12))
	if _, err := s.UndoHomeSample(ctx, li, list.Records[1].Ticket); err != nil {
		t.Fatalf("taking 405 back from another phone: %v", err)
	}
	if list, err = s.HomeSamples(ctx, coord, "c1"); err != nil || list.Households != 3 || list.People != 10 ||
		list.Records[1].TakenBackBy != "李四" || !list.Records[1].TakenBackAt.Equal(queuetest.At(7, 12)) {
		t.Errorf("HomeSamples after 405 is taken back = %+v, %v; want 3 households, 405 taken back by 李四 at 07:12", list, err)
	}
	_, err = s.HomeSamples(ctx, display(t, s, m, "s1"), "c1")
	wantCode(t, "a display listing home samples", err, errs.Forbidden)
	_, err = s.HomeSamples(ctx, staff(t, s, "c2", queue.RoleMarshal), "c1")
	wantCode(t, "c2's marshal listing c1's home samples", err, errs.Forbidden)
	_, err = s.HomeSamples(ctx, nil, "c1")
	wantCode(t, "no token", err, errs.Unauthorized)
	if _, err := s.SwitchVariant(ctx, coord, "c1", "wet"); err != nil {
		t.Fatalf("the rain switch after home samples: %v", err)
	}
	if again, err := s.TicketByNumber(ctx, m, "c1", again401.ID); err != nil || again.State != "sampled" || again.Site != "" {
		t.Errorf("a home sample after the rain switch = %+v, %v", again, err)
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

// testStudentsPeriod: a plan with a students' period (16:30-17:00). A
// household books its students apart from the rest of it: a ticket of
// their own in the students' windows of their building's site, given
// back when asked again, the windows never over what they hold. The
// rain switch puts them in the wet students' windows of the building's
// wet site; coverage counts both tickets' people and lists the students
// as not sampled once the rest of the household is. A plan without the
// period says so.
func testStudentsPeriod(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, noShare)
	students := func(b, room string, party int) queue.Household {
		return queue.Household{Building: b, Room: room, Party: party, Students: true}
	}
	p := queuetest.Plan(t, "c3-students.plan.geojson")
	if err := s.OpenRound(ctx, p); err != nil {
		t.Fatal(err)
	}
	// As a round opened by an older natq, which booked no students: its
	// booking windows lack theirs until the round is opened again (an
	// instance of this natq starting), which adds them.
	bw := "natq:{c3}:r:" + p.Date + ":bw"
	fields, err := c.HKeys(ctx, bw).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if strings.HasSuffix(f, "||students") {
			if err := c.HDel(ctx, bw, f).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, _, err := s.Book(ctx, "c3", students("b3", "601", 1)); !errors.Is(err, queue.ErrFull) {
		t.Fatalf("students on a round without their windows = %v; want full (the windows are not there)", err)
	}
	if err := s.OpenRound(ctx, p); err != nil {
		t.Fatal(err)
	}
	if b3, _, err := s.Book(ctx, "c3", students("b3", "601", 1)); err != nil || b3.Site != "s2" {
		t.Fatalf("students once the round is opened again = %+v, %v; want s2's students' window", b3, err)
	}
	main, _, err := s.Book(ctx, "c3", hh("b1", "", "301", 2))
	if err != nil {
		t.Fatal(err)
	}
	stu, created, err := s.Book(ctx, "c3", students("b1", "0301", 1))
	if err != nil || !created || stu.ID == main.ID || stu.Site != "s1" || stu.Window.Start.Format("15:04") != "16:30" {
		t.Fatalf("301's students = %+v, created %v, %v; want a ticket of their own at s1 16:30 (the household's is %d)", stu, created, err, main.ID)
	}
	if again, created, err := s.Book(ctx, "c3", students("b1", "301", 1)); err != nil || created || again.ID != stu.ID {
		t.Errorf("301's students again = %+v, created %v, %v; want ticket %d back", again, created, err, stu.ID)
	}
	if again, created, err := s.Book(ctx, "c3", hh("b1", "", "301", 2)); err != nil || created || again.ID != main.ID {
		t.Errorf("301 again = %+v, created %v, %v; want its own ticket %d, not the students'", again, created, err, main.ID)
	}
	if tv, err := s.Ticket(ctx, stu.Ticket); err != nil || !tv.Students || tv.State != "booked" {
		t.Errorf("the students' ticket = %+v, %v; want booked, students", tv, err)
	}
	if tv, err := s.Ticket(ctx, main.Ticket); err != nil || tv.Students {
		t.Errorf("the household's ticket = %+v, %v; want not the students'", tv, err)
	}
	// s1's students' windows hold 4 + 4: b1's and b4's students (both
	// s1's buildings) fill them, and the next is told full; b2's go to s2.
	var last *queue.Booking
	for i, x := range []queue.Household{students("b1", "302", 1), students("b1", "303", 2), students("b4", "101", 2), students("b4", "102", 2)} {
		if last, _, err = s.Book(ctx, "c3", x); err != nil || last.Site != "s1" {
			t.Fatalf("students %d = %+v, %v; want s1", i, last, err)
		}
	}
	if last.Window.Start.Format("15:04") != "16:45" {
		t.Errorf("the last students = %s; want 16:45, 16:30 being full", last.Window.Start.Format("15:04"))
	}
	_, _, err = s.Book(ctx, "c3", students("b4", "103", 1))
	wantCode(t, "students beyond s1's students' windows", err, errs.Full)
	if b2, _, err := s.Book(ctx, "c3", queue.Household{Building: "b2", Unit: "1", Room: "101", Party: 1, Students: true}); err != nil || b2.Site != "s2" {
		t.Errorf("b2's students = %+v, %v; want s2's students' window", b2, err)
	}
	checkInvariants(t, c, p)
	_, _, err = s.Book(ctx, "c1", students("b1", "301", 1))
	var e *queue.Error
	if !errors.As(err, &e) || e.Field != "students" {
		t.Errorf("students in a plan with no students' period = %v; want refused on students", err)
	}
	// The rain: b1 goes to s2 and b4 to w1, their students with them.
	coord := staff(t, s, "c3", queue.RoleCoordinator)
	if _, err := s.SwitchVariant(ctx, coord, "c3", "wet"); err != nil {
		t.Fatal(err)
	}
	wantSite := map[string]string{"b1": "s2", "b4": "w1", "b2": "w1", "b3": "w1"}
	for id := uint64(1); id <= main.ID+6; id++ { // b3 601's students, then 301, ...
		tv, err := s.TicketByNumber(ctx, staff(t, s, "c3", queue.RoleMarshal), "c3", id)
		if err != nil {
			t.Fatal(err)
		}
		isStudents := id != main.ID
		if tv.Variant != "wet" || tv.Students != isStudents || tv.Site != wantSite[tv.Household.Building] ||
			(isStudents && tv.Window.Start.Format("15:04") != "16:30") {
			t.Errorf("ticket %d after the rain switch = %s %s %s at %s, students %v; want wet, at %s, students %v",
				id, tv.Household.Building, tv.Variant, tv.Site, tv.Window.Start.Format("15:04"), tv.Students, wantSite[tv.Household.Building], isStudents)
		}
	}
	checkInvariants(t, c, p)
	// The household sampled in the morning; its students not yet.
	m := staff(t, s, "c3", queue.RoleMarshal)
	clk.Set(queuetest.At(7, 0))
	if _, err := s.CheckIn(ctx, m, "s2", main.Ticket); err != nil {
		t.Fatal(err)
	}
	if called, err := s.CallNext(ctx, m, "s2", 1); err != nil || called.ID != main.ID {
		t.Fatalf("CallNext = %+v, %v; want 301", called, err)
	}
	if _, err := s.Sampled(ctx, m, main.Ticket, ""); err != nil {
		t.Fatal(err)
	}
	cov, err := s.Coverage(ctx, coord, "c3")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range cov.Buildings {
		if b.Building == "b1" && (b.Booked != 6 || b.BookedHouseholds != 3 || b.Sampled != 2 || b.SampledHouseholds != 0) {
			t.Errorf("b1's coverage = %+v; want 6 people of 3 households booked, 2 sampled, no household wholly", b)
		}
	}
	var waiting []string
	for _, h := range cov.NotSampled {
		if h.Building == "b1" {
			waiting = append(waiting, fmt.Sprintf("%s %d %v", h.Room, h.Party, h.Students))
		}
	}
	if want := []string{"301 1 true", "302 1 true", "303 2 true"}; !slices.Equal(waiting, want) {
		t.Errorf("b1 not sampled = %q; want %q", waiting, want)
	}
	// At the desk without a code: a student is found by the household,
	// as a student; a household's student who never booked gets a paper
	// ticket of the period.
	if tv, created, err := s.AtDesk(ctx, m, "c3", students("b1", "302", 1)); err != nil || created || tv.Household.Room != "302" || !tv.Students {
		t.Errorf("302's student at the desk = %+v, created %v, %v; want its students' ticket", tv, created, err)
	}
	if tv, created, err := s.AtDesk(ctx, m, "c3", students("b1", "305", 1)); err != nil || !created || !tv.Students || tv.Origin != "paper" {
		t.Errorf("305's student at the desk = %+v, created %v, %v; want a new paper ticket of the students' period", tv, created, err)
	}
	checkInvariants(t, c, p)
}

func testStoreStopped(t *testing.T, st queuetest.Store) {
	c, stop, start := st.Stoppable(t)
	s, _ := queuetest.Service(t, c, noShare)
	for i := 0; i < 5; i++ {
		bookAt(t, s, hh("b4", "", room(i), 1))
	}
	// Book concurrently while the store goes away.
	var wg sync.WaitGroup
	var unavailable atomic.Int64
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * time.Millisecond)
			_, _, err := s.Book(ctx, "c1", hh("b4", "", room(100+i), 1))
			if errors.Is(err, queue.ErrUnavailable) {
				unavailable.Add(1)
			} else if err != nil && !errors.Is(err, queue.ErrFull) {
				t.Errorf("Book while stopping = %v", err)
			}
		}()
	}
	time.Sleep(15 * time.Millisecond)
	stop()
	wg.Wait()
	_, _, err := s.Book(ctx, "c1", hh("b4", "", "601", 1))
	if !errors.Is(err, queue.ErrUnavailable) {
		t.Errorf("Book with the store stopped = %v, want ErrUnavailable", err)
	}
	var e *queue.Error
	if !errors.As(err, &e) || !strings.Contains(e.MessageEn, "Redis") {
		t.Errorf("unavailable error %v does not say the store is down", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, queue.ErrUnavailable) {
		t.Errorf("Ping with the store stopped = %v", err)
	}
	start()
	deadline := time.Now().Add(5 * time.Second)
	for s.Ping(ctx) != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if _, _, err := s.Book(ctx, "c1", hh("b4", "", "602", 1)); err != nil {
		t.Errorf("Book after the store is back = %v", err)
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
	t.Logf("%d of 40 bookings got unavailable while the store stopped", unavailable.Load())
}

func testEvents(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	tok := bookAt(t, s, hh("b1", "", "101", 2))
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A second instance on its own connection serves the listeners.
	c2 := redis.NewClient(&redis.Options{Addr: st.Addr(c)})
	defer c2.Close()
	s2, _ := queuetest.Service(t, c2, nil)
	tick, err := s2.WatchTicket(wctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	site, err := s2.WatchSite(wctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(queuetest.At(7, 0))
	sent := time.Now()
	if _, err := s.CheckIn(ctx, m, "s1", tok); err != nil {
		t.Fatal(err)
	}
	var lat []time.Duration
	for _, ch := range []<-chan []byte{tick, site} {
		select {
		case ev := <-ch:
			lat = append(lat, time.Since(sent))
			if !strings.Contains(string(ev), `"checked_in"`) {
				t.Errorf("event %s, want checked_in", ev)
			}
		case <-time.After(time.Second):
			t.Fatalf("no event within a second")
		}
	}
	t.Logf("event latency: ticket %v, site %v", lat[0], lat[1])
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func itoa(n int) string { return strconv.Itoa(n) }

// checkKeys checks that every key is under a compound's hash tag (so every
// script runs on Redis Cluster) and that none expires (no correctness
// rests on expiry).
func checkKeys(t *testing.T, c redis.UniversalClient) {
	t.Helper()
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	tag := regexp.MustCompile(`^natq:\{[A-Za-z0-9_.-]+\}:`)
	for _, k := range keys {
		if !tag.MatchString(k) {
			t.Errorf("key %q is not under a compound's hash tag", k)
		}
		if ttl, _ := c.TTL(ctx, k).Result(); ttl != -1 {
			t.Errorf("key %q has a TTL %v", k, ttl)
		}
	}
	if len(keys) < 8 {
		t.Errorf("only %d keys: %v", len(keys), keys)
	}
}
