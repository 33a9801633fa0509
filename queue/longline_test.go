package queue_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/queue"
	"natq/queue/queuetest"
)

// testLongLine: a site's line of 37 parties, long enough that its people
// are kept one a person (ahead_of in prelude.lua), through a morning's
// changes at its desk: check-ins, calls, a miss and a party queued back
// in its place, samples from the line and after a call, a cancellation
// from the middle, a change made the way an older natq makes it (the
// line's member taken out without its persons), and the rain switch.
// After each, every ticket in line has the people ahead of it that its
// line's members say, as the answer of its check-in and as its read; and
// where the site's persons are kept, they are the line's. The site's line
// read lists its first parties (LineShown, 10 here) and counts the rest,
// and its forecast is the whole line's.
func testLongLine(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, func(o *queue.Options) {
		o.WalkinShare = 0
		o.Early, o.Grace = 24*time.Hour, 24*time.Hour // any window's ticket checks in
		o.LineShown = 10
	})
	p := queuetest.Plan(t, "c1.plan.geojson")
	k := "natq:{c1}:r:" + p.Date + ":"
	m := staff(t, s, "c1", queue.RoleMarshal)
	var toks []string
	for i := 0; i < 34; i++ {
		toks = append(toks, bookAt(t, s, hh("b4", "", room(i), 1)))
	}
	for i := 0; i < 3; i++ {
		toks = append(toks, bookAt(t, s, hh("b1", "", room(i), 2)))
	}
	// member is ticket tv's member of the line (line_member in
	// prelude.lua); people the people of members ms, at their ends.
	member := func(tv *queue.TicketView) string {
		return fmt.Sprintf("%s|%015d|%012d|%02d", tv.Site, tv.CheckedIn.UnixMilli(), tv.ID, tv.Party)
	}
	people := func(ms []string) int {
		n := 0
		for _, m := range ms {
			p, _ := strconv.Atoi(m[len(m)-2:])
			n += p
		}
		return n
	}
	// ahead is the people before ticket tv in its site's line, from the
	// line's members.
	ahead := func(tv *queue.TicketView) int {
		t.Helper()
		mem := member(tv)
		ms, err := c.ZRangeByLex(ctx, k+"line", &redis.ZRangeBy{Min: "[" + tv.Site + "|", Max: "(" + mem[:len(mem)-2]}).Result()
		if err != nil {
			t.Fatal(err)
		}
		return people(ms)
	}
	// check reads every ticket and checks the people ahead of those in
	// line, and the kept persons of every site; kept says whether s1's
	// people must be kept, stale that they may be out of date (after a
	// change an older natq made).
	check := func(when string, kept, stale bool) {
		t.Helper()
		inLine := 0
		for _, tok := range toks {
			tv, err := s.Ticket(ctx, tok)
			if err != nil {
				t.Fatalf("%s: Ticket: %v", when, err)
			}
			if tv.State != "checked_in" {
				continue
			}
			inLine++
			if want := ahead(tv); tv.Ahead != want {
				t.Errorf("%s: ticket %d (%s) reads %d people ahead, its line's members say %d", when, tv.ID, tv.Site, tv.Ahead, want)
			}
		}
		occ, err := c.HGetAll(ctx, k+"occ").Result()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := occ["#s1"]; ok != kept {
			t.Errorf("%s: s1's people kept %v, want %v (occupancy %v)", when, ok, kept, occ)
		}
		for _, site := range []string{"s1", "s2", "w1"} {
			n, ok := occ["#"+site]
			if !ok || stale {
				continue
			}
			lo, hi := "["+site+"|", "["+site+"|~"
			ms, _ := c.ZRangeByLex(ctx, k+"line", &redis.ZRangeBy{Min: lo, Max: hi}).Result()
			persons, _ := c.ZLexCount(ctx, k+"ppl", lo, hi).Result()
			if n != strconv.Itoa(len(ms)) || int(persons) != people(ms) {
				t.Errorf("%s: %s keeps %s parties and %d persons, its line has %d parties of %d people", when, site, n, persons, len(ms), people(ms))
			}
		}
		t.Logf("%s: %d in line", when, inLine)
	}

	clk.Set(queuetest.At(7, 0))
	for i, tok := range toks {
		tv, err := s.CheckIn(ctx, m, "s1", tok)
		if err != nil {
			t.Fatalf("CheckIn %d: %v", i, err)
		}
		if want := ahead(tv); tv.Ahead != want {
			t.Errorf("check-in %d answers %d people ahead, its line's members say %d", i, tv.Ahead, want)
		}
		clk.Set(clk.Now().Add(time.Second))
	}
	check("37 parties checked in", true, false)

	// The site's line lists its first ten parties and counts the rest;
	// the forecast is still the whole line's: the last party's turn comes
	// after the tenth's, and the line clears after it.
	l, err := s.Line(ctx, m, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Waiting) != 10 || l.WaitingMore != 27 {
		t.Fatalf("the line lists %d parties and counts %d more, want 10 and 27", len(l.Waiting), l.WaitingMore)
	}
	for i, e := range l.Waiting {
		if tv, _ := s.Ticket(ctx, toks[i]); e.ID != tv.ID {
			t.Errorf("the line's party %d is ticket %d, want %d (the %d-th checked in)", i+1, e.ID, tv.ID, i+1)
		}
	}
	lastIn, err := s.Ticket(ctx, toks[len(toks)-1])
	if err != nil {
		t.Fatal(err)
	}
	if tenth := l.Waiting[9].Turn; lastIn.Forecast == nil || tenth == nil || l.Forecast == nil || l.Forecast.Clears == nil {
		t.Errorf("forecasts: the last party's %+v, the tenth's %+v, the line's %+v", lastIn.Forecast, tenth, l.Forecast)
	} else if !lastIn.Forecast.At.After(tenth.At) || l.Forecast.Clears.Before(lastIn.Forecast.At) {
		t.Errorf("the last party's turn %s, the tenth's %s, the line clears at %s: want them in that order",
			lastIn.Forecast.At.Format(time.TimeOnly), tenth.At.Format(time.TimeOnly), l.Forecast.Clears.Format(time.TimeOnly))
	}

	// The desk calls the first; it does not answer; the next is called
	// and queued back in its place; both calls' people leave the line.
	first, err := s.CallNext(ctx, m, "s1", 1)
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(time.Second))
	r, err := s.NoShow(ctx, m, first.Ticket)
	if err != nil || r.Next == nil {
		t.Fatalf("NoShow = %+v, %v, want the next called", r, err)
	}
	check("a miss, the next called", true, false)
	if _, err := s.Requeue(ctx, m, r.Next.Ticket); err != nil {
		t.Fatal(err)
	}
	check("the called one queued back in its place", true, false)
	for i := 0; i < 3; i++ {
		tv, err := s.CallNext(ctx, m, "s1", 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sampled(ctx, m, tv.Ticket, ""); err != nil {
			t.Fatal(err)
		}
		clk.Set(clk.Now().Add(time.Second))
	}
	check("three called and sampled", true, false)
	// From the middle of the line: one sampled without a call, one
	// cancelled by its household.
	if _, err := s.Sampled(ctx, m, toks[20], ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel(ctx, toks[25]); err != nil {
		t.Fatal(err)
	}
	check("one sampled and one cancelled from the middle", true, false)

	// An older natq's call: the member out of the line, not its persons.
	// Reads count the members while the count is out of date; the next
	// check-in keeps the persons anew.
	tv, err := s.Ticket(ctx, toks[10])
	if err != nil {
		t.Fatal(err)
	}
	mem := member(tv)
	if n, err := c.ZRem(ctx, k+"line", mem).Result(); err != nil || n != 1 {
		t.Fatalf("ZREM %s = %d, %v", mem, n, err)
	}
	c.HSet(ctx, "natq:{c1}:t:"+strconv.FormatUint(tv.ID, 10), "st", "called")
	check("an older natq's call", true, true)
	extra := bookAt(t, s, hh("b1", "", room(3), 1))
	toks = append(toks, extra)
	tv, err = s.CheckIn(ctx, m, "s1", extra)
	if err != nil {
		t.Fatal(err)
	}
	if want := ahead(tv); tv.Ahead != want {
		t.Errorf("the check-in after an older natq's call answers %d people ahead, its line's members say %d", tv.Ahead, want)
	}
	check("a check-in after it", true, false)

	// An older natq's check-in and call at once: as many parties in the
	// line as its count says, but the persons kept are the called party's
	// and not the checked-in one's. The call of the line's first finds
	// persons ahead of it once the line has passed the called party's
	// place, and keeps the site's persons no longer: the line, shorter
	// than 32 parties by then, is counted member by member again.
	ms, err := c.ZRangeByLex(ctx, k+"line", &redis.ZRangeBy{Min: "[s1|", Max: "[s1|~", Count: 2}).Result()
	if err != nil || len(ms) != 2 {
		t.Fatalf("the line's first two: %v, %v", ms, err)
	}
	second := ms[1]
	late := bookAt(t, s, hh("b1", "", room(4), 2))
	toks = append(toks, late)
	lv, err := s.Ticket(ctx, late)
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(time.Second))
	c.HSet(ctx, "natq:{c1}:t:"+strconv.FormatUint(lv.ID, 10), "st", "checked_in", "ci", strconv.FormatInt(clk.Now().UnixMilli(), 10))
	c.HIncrBy(ctx, k+"win", strconv.Itoa(lv.WindowIdx)+":in", int64(lv.Party)) // as its checkin.lua counts it
	if lv, err = s.Ticket(ctx, late); err != nil {
		t.Fatal(err)
	}
	c.ZAdd(ctx, k+"line", redis.Z{Member: member(lv)})
	c.ZRem(ctx, k+"line", second)
	id := second[len(second)-15 : len(second)-3]
	c.HSet(ctx, "natq:{c1}:t:"+strings.TrimLeft(id, "0"), "st", "called")
	for i := 0; i < 4; i++ {
		tv, err := s.CallNext(ctx, m, "s1", 1+i%2)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sampled(ctx, m, tv.Ticket, ""); err != nil {
			t.Fatal(err)
		}
		clk.Set(clk.Now().Add(time.Second))
	}
	occ, _ := c.HGetAll(ctx, k+"occ").Result()
	if _, ok := occ["#s1"]; ok {
		t.Errorf("s1's persons still kept after calls past an older natq's call: %v", occ)
	}
	extra = bookAt(t, s, hh("b1", "", room(5), 1))
	toks = append(toks, extra)
	if _, err := s.CheckIn(ctx, m, "s1", extra); err != nil {
		t.Fatal(err)
	}
	check("calls past an older natq's check-in and call, then a check-in", false, false)

	// The rain switch writes the occupancy anew: no site's people are
	// kept after it, and the people ahead are still the line's.
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	if _, err := s.SwitchVariant(ctx, coord, "c1", "wet"); err != nil {
		t.Fatal(err)
	}
	check("the rain switch", false, false)
	checkInvariants(t, c, p)
}
