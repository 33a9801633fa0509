package queue_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/planner/errs"
	"natq/planner/planfile"
	"natq/queue"
	"natq/queue/queuetest"
)

// checkInAll books b1 households (s1, 07:00) and checks them in at 07:01,
// a second apart, in order.
func checkInAll(t *testing.T, s *queue.Service, clk *queuetest.Clock, m *queue.Staff, rooms ...string) []string {
	t.Helper()
	var toks []string
	for _, r := range rooms {
		toks = append(toks, bookAt(t, s, hh("b1", "", r, 1)))
	}
	clk.Set(queuetest.At(7, 1))
	for _, tok := range toks {
		if _, err := s.CheckIn(ctx, m, "s1", tok); err != nil {
			t.Fatal(err)
		}
		clk.Set(clk.Now().Add(time.Second))
	}
	return toks
}

// testDeskCallsOne: a desk has one called person; calling next while one
// is called is refused with that person, who stays called at the desk.
func testDeskCallsOne(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	toks := checkInAll(t, s, clk, m, "101", "102", "103")
	a, b := toks[0], toks[1]
	if tv, err := s.CallNext(ctx, m, "s1", 1); err != nil || tv.Ticket != a || tv.Desk != 1 {
		t.Fatalf("CallNext(desk 1) = %+v, %v, want a at desk 1", tv, err)
	}
	_, err := s.CallNext(ctx, m, "s1", 1)
	var busy *queue.DeskBusyError
	if !errors.As(err, &busy) || busy.Ticket.Ticket != a || !errors.Is(err, queue.ErrDeskBusy) {
		t.Fatalf("CallNext(desk 1) again = %v, want desk_busy naming a", err)
	}
	if tv, _ := s.Ticket(ctx, a); tv.State != "called" || tv.Desk != 1 {
		t.Errorf("a after the refused call = %s at desk %d, want called at desk 1", tv.State, tv.Desk)
	}
	line, err := s.Line(ctx, m, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if len(line.Called) != 1 || line.Called[0].Ticket != a || len(line.Waiting) != 2 || line.Waiting[0].Ticket != b {
		t.Errorf("Line = called %+v, waiting %+v; want a called, b first of two waiting", line.Called, line.Waiting)
	}
	if line.InLine != 3 || line.Desks != 2 || line.LineCapacity != 40 {
		t.Errorf("Line = %d in line, %d desks, capacity %d; want 3, 2, 40", line.InLine, line.Desks, line.LineCapacity)
	}
	if tv, err := s.CallNext(ctx, m, "s1", 2); err != nil || tv.Ticket != b || tv.Desk != 2 {
		t.Errorf("CallNext(desk 2) = %+v, %v, want b at desk 2", tv, err)
	}
	_, err = s.CallNext(ctx, m, "s1", 3)
	wantCode(t, "CallNext(desk 3 of 2)", err, "bad_input")
	if _, err := s.Sampled(ctx, m, a, ""); err != nil {
		t.Fatal(err)
	}
	if tv, err := s.CallNext(ctx, m, "s1", 1); err != nil || tv.Ticket != toks[2] {
		t.Errorf("CallNext(desk 1) after a was sampled = %+v, %v, want the third", tv, err)
	}
	if line, _ := s.Line(ctx, m, "s1"); len(line.Called) != 2 || line.Called[0].Desk != 1 || line.Called[1].Ticket != b {
		t.Errorf("Line.Called = %+v, want desks 1 and 2 (b)", line.Called)
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

// testMissMovesOn: a missed call calls the next at once; the missed one
// is called again after them, and is a no-show after N calls.
func testMissMovesOn(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil) // 3 calls before a no-show
	m := staff(t, s, "c1", queue.RoleMarshal)
	toks := checkInAll(t, s, clk, m, "101", "102", "103")
	a, b, d := toks[0], toks[1], toks[2]
	s.CallNext(ctx, m, "s1", 1)
	r, err := s.NoShow(ctx, m, a)
	if err != nil || r.NoShow || r.Calls != 1 || r.Next == nil || r.Next.Ticket != b || r.Next.Desk != 1 {
		t.Fatalf("NoShow(a) = %+v, %v; want a recalled later and b called to desk 1 at once", r, err)
	}
	if line, _ := s.Line(ctx, m, "s1"); len(line.Waiting) != 2 || line.Waiting[0].Ticket != a || line.Waiting[0].Calls != 1 {
		t.Errorf("Line.Waiting = %+v, want a (called once) next, then d", line.Waiting)
	}
	if _, err := s.Sampled(ctx, m, b, ""); err != nil {
		t.Fatal(err)
	}
	if tv, err := s.CallNext(ctx, m, "s1", 1); err != nil || tv.Ticket != a || tv.Calls != 2 {
		t.Fatalf("CallNext after b = %+v, %v, want a's second call", tv, err)
	}
	r, err = s.NoShow(ctx, m, a)
	if err != nil || r.NoShow || r.Next == nil || r.Next.Ticket != d {
		t.Fatalf("NoShow(a) #2 = %+v, %v, want d called", r, err)
	}
	if line, _ := s.Line(ctx, m, "s1"); len(line.Waiting) != 1 || line.Waiting[0].Ticket != a || line.Waiting[0].Recall {
		t.Errorf("Line.Waiting = %+v, want a next (d was called since its miss)", line.Waiting)
	}
	if _, err := s.Sampled(ctx, m, d, ""); err != nil {
		t.Fatal(err)
	}
	if tv, err := s.CallNext(ctx, m, "s1", 1); err != nil || tv.Ticket != a || tv.Calls != 3 {
		t.Fatalf("CallNext = %+v, %v, want a's third call", tv, err)
	}
	r, err = s.NoShow(ctx, m, a)
	if err != nil || !r.NoShow || r.Next != nil {
		t.Fatalf("NoShow(a) #3 = %+v, %v, want a no-show and nobody left to call", r, err)
	}
	// Alone in line: a miss does not call the same absent person again
	// at once; the desk calls them again when it chooses.
	e := checkInAll(t, s, clk, m, "104")[0]
	s.CallNext(ctx, m, "s1", 1)
	if r, err := s.NoShow(ctx, m, e); err != nil || r.Next != nil {
		t.Errorf("NoShow(alone) = %+v, %v, want nobody called after", r, err)
	}
	if line, _ := s.Line(ctx, m, "s1"); len(line.Waiting) != 1 || !line.Waiting[0].Recall {
		t.Errorf("Line.Waiting = %+v, want the missed one waiting for its recall", line.Waiting)
	}
	if tv, err := s.CallNext(ctx, m, "s1", 1); err != nil || tv.Ticket != e {
		t.Errorf("CallNext(alone) = %+v, %v, want the missed one again", tv, err)
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

// testRainKeepsLine: the rain switch keeps people in a line: same site,
// state and place when the wet plan keeps their site; else moved, still
// in line, to their building's wet site, ahead of later arrivals.
func testRainKeepsLine(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	x := bookAt(t, s, hh("b2", "1", "101", 2)) // s2, dry and wet
	y := bookAt(t, s, hh("b2", "1", "102", 1))
	z := bookAt(t, s, hh("b1", "", "101", 3)) // s1: dry only
	w := bookAt(t, s, hh("b1", "", "102", 1))
	later := bookAt(t, s, hh("b1", "", "103", 1))
	clk.Set(queuetest.At(7, 1))
	for _, in := range []struct{ site, tok string }{{"s2", x}, {"s2", y}, {"s1", z}, {"s1", w}} {
		if _, err := s.CheckIn(ctx, m, in.site, in.tok); err != nil {
			t.Fatal(err)
		}
		clk.Set(clk.Now().Add(time.Second))
	}
	s.CallNext(ctx, m, "s2", 1) // x
	s.CallNext(ctx, m, "s1", 2) // z
	if l, err := s.Line(ctx, m, "s1"); err != nil || l.Closed || l.MovedTo != nil {
		t.Errorf("s1's line on the dry day = %+v, %v; want it open", l, err)
	}
	before, _ := s.Ticket(ctx, z)
	watch, err := s.WatchTicket(ctx, z)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.SwitchVariant(ctx, coord, "c1", "wet")
	if err != nil {
		t.Fatal(err)
	}
	what := map[string]string{}
	for _, mv := range res.Moved {
		what[mv.Ticket.Ticket] = mv.What + " from " + mv.FromSite
	}
	for _, c := range []struct {
		tok, state, site, what string
	}{
		{x, "called", "s2", "kept from s2"},
		{y, "checked_in", "s2", "kept from s2"},
		{z, "checked_in", "s2", "moved from s1"},
		{w, "checked_in", "s2", "moved from s1"},
		{later, "booked", "s2", "booked from s1"},
	} {
		tv, err := s.Ticket(ctx, c.tok)
		if err != nil {
			t.Fatal(err)
		}
		if tv.State != c.state || tv.Site != c.site || tv.Variant != "wet" || what[c.tok] != c.what {
			t.Errorf("ticket %d after the switch = %s at %s (%s), %q; want %s at %s, %q", tv.ID, tv.State, tv.Site, tv.Variant, what[c.tok], c.state, c.site, c.what)
		}
	}
	after, _ := s.Ticket(ctx, z)
	if after.CheckedIn == nil || !after.CheckedIn.Equal(*before.CheckedIn) || after.Calls != 1 {
		t.Errorf("z after the move: checked in %v, %d calls; want %v and 1 kept", after.CheckedIn, after.Calls, before.CheckedIn)
	}
	select {
	case ev := <-watch:
		if !strings.Contains(string(ev), `"moved"`) || !strings.Contains(string(ev), `"site":"s2"`) {
			t.Errorf("z told %s, want a moved event to s2", ev)
		}
	case <-time.After(time.Second):
		t.Errorf("z not told of the move within a second")
	}
	line, err := s.Line(ctx, m, "s2")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range line.Waiting {
		order = append(order, e.Ticket)
	}
	if strings.Join(order, ",") != strings.Join([]string{y, z, w}, ",") || len(line.Called) != 1 || line.Called[0].Ticket != x {
		t.Errorf("s2's line = called %v, waiting %d; want x called, y z w waiting in check-in order", line.Called, len(order))
	}
	if line.InLine != 2+1+3+1 {
		t.Errorf("s2 in line = %d, want 7", line.InLine)
	}
	if line.Closed || line.MovedTo != nil {
		t.Errorf("s2's line says closed %v, moved to %v; want it open in the rain", line.Closed, line.MovedTo)
	}
	// s1 has no place in the rain: its line says so, and where its
	// building's people go now (its display shows it).
	closed, err := s.Line(ctx, m, "s1")
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's s1 serves 1号楼 and 4号楼 on a dry day; the rain plan
	// sends 1号楼 to s2 and 4号楼 to w1.
	var to []string
	for _, mt := range closed.MovedTo {
		to = append(to, mt.Site+" "+mt.SiteName+": "+strings.Join(mt.Buildings, ","))
	}
	w1 := ""
	for _, x := range queuetest.Plan(t, "c1.plan.geojson").Sites {
		if x.ID == "w1" {
			w1 = x.Name
		}
	}
	want := "s2 " + line.SiteName + ": 1号楼; w1 " + w1 + ": 4号楼"
	if !closed.Closed || len(closed.Waiting)+len(closed.Called) != 0 || closed.InLine != 0 || closed.SiteName == "" || strings.Join(to, "; ") != want {
		t.Errorf("s1's line in the rain = closed %v, name %q, %d in line, moved to %q; want closed, named, empty, moved to %q",
			closed.Closed, closed.SiteName, closed.InLine, strings.Join(to, "; "), want)
	}
	// One who checks in after the switch comes after those moved.
	clk.Set(queuetest.At(7, 5))
	if tv, err := s.CheckIn(ctx, m, "s2", later); err != nil || tv.Ahead != 1+3+1 {
		t.Errorf("CheckIn after the switch = %+v, %v, want 5 people ahead", tv, err)
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

// testSecondScan: scanning a checked-in ticket again warns with the time;
// another site or another day is refused, saying so.
func testSecondScan(t *testing.T, st queuetest.Store) {
	s, clk := queuetest.Service(t, st.Client(t), nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	tok := bookAt(t, s, hh("b1", "", "101", 1))
	old := bookAt(t, s, hh("b1", "", "102", 1))
	clk.Set(queuetest.At(7, 12))
	if _, err := s.CheckIn(ctx, m, "s1", tok); err != nil {
		t.Fatal(err)
	}
	clk.Set(queuetest.At(7, 14))
	_, err := s.CheckIn(ctx, m, "s1", tok)
	wantCode(t, "CheckIn again", err, "already_checked_in")
	var e *queue.Error
	if errors.As(err, &e) && (!strings.Contains(e.MessageEn, "already checked in at 07:12") || !strings.Contains(e.Message, "07:12")) {
		t.Errorf("second scan says %q / %q, want the check-in time 07:12", e.Message, e.MessageEn)
	}
	s.CallNext(ctx, m, "s1", 2)
	_, err = s.CheckIn(ctx, m, "s1", tok)
	if errors.As(err, &e) && !strings.Contains(e.MessageEn, "desk 2") {
		t.Errorf("scan of a called ticket says %q, want its desk", e.MessageEn)
	}
	_, err = s.CheckIn(ctx, m, "s2", old)
	wantCode(t, "CheckIn at another site", err, "wrong_site")
	if err := s.OpenRound(ctx, queuetest.Plan(t, "c1-next.plan.geojson")); err != nil {
		t.Fatal(err)
	}
	_, err = s.CheckIn(ctx, m, "s1", old)
	wantCode(t, "CheckIn of yesterday's ticket", err, "old_round")
	if errors.As(err, &e) && !strings.Contains(e.MessageEn, "2026-12-01") {
		t.Errorf("old ticket refusal %q does not name its day", e.MessageEn)
	}
}

// testRooms: rooms are normalised into one household and checked against
// the building's floors.
func testRooms(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, _ := queuetest.Service(t, c, nil)
	first, _, err := s.Book(ctx, "c1", hh("b1", "", "501", 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"0501", "５０１", "501\u200b", "501室", " 501号", "\u2060501\u00ad"} {
		b, created, err := s.Book(ctx, "c1", hh("b1", "", r, 1))
		if err != nil || created || b.Ticket != first.Ticket || b.Household.Room != "501" {
			t.Errorf("Book(room %q) = %+v, %v, %v; want the ticket of room 501", r, b, created, err)
		}
	}
	for _, r := range []string{"<script>", "0", "-1", "99999", "701", "500", "5", "1|2", "abc"} {
		_, _, err := s.Book(ctx, "c1", hh("b1", "", r, 1))
		var e *queue.Error
		if !errors.As(err, &e) || e.Field != "room" || !strings.Contains(e.MessageEn, "e.g. 302") || !strings.Contains(e.MessageEn, "floors 1–6") {
			t.Errorf("Book(room %q) = %v, want a room refusal saying what a room number looks like", r, err)
		}
	}
	if b, _, err := s.Book(ctx, "c1", hh("b2", "２单元", "101", 1)); err != nil || b.Household.Unit != "2" {
		t.Errorf("Book(unit ２单元) = %+v, %v, want unit 2", b, err)
	}
	for _, u := range []string{"2", "3"} {
		_, _, err := s.Book(ctx, "c1", hh("b1", u, "101", 1))
		wantCode(t, "Book(b1 unit "+u+" of 1)", err, "bad_input")
	}
	_, _, err = s.Book(ctx, "c1", hh("b1", "", "502", queue.MaxParty+1))
	wantCode(t, "Book(party over a household)", err, "bad_input")
	cov, err := s.Coverage(ctx, staff(t, s, "c1", queue.RoleCoordinator), "c1")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range cov.NotSampled {
		if strings.ContainsAny(h.Room, "<>室") {
			t.Errorf("coverage lists room %q", h.Room)
		}
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

// testPartyChange: booking again with another party changes it when the
// window has room, else says why not.
func testPartyChange(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, noShare)
	b, _, err := s.Book(ctx, "c1", hh("b2", "1", "101", 2)) // a window of 20
	if err != nil {
		t.Fatal(err)
	}
	again, created, err := s.Book(ctx, "c1", hh("b2", "1", "101", 4))
	if err != nil || created || again.Ticket != b.Ticket || again.Party != 4 || !again.PartyChanged {
		t.Fatalf("Book(party 4) = %+v, %v, %v; want the same ticket for 4", again, created, err)
	}
	for i := 0; i < 2; i++ { // 4 + 16 = 20: full
		bookAt(t, s, hh("b2", "1", room(10+i), 8))
	}
	_, _, err = s.Book(ctx, "c1", hh("b2", "1", "101", 5))
	wantCode(t, "Book(party 5) in a full window", err, "party_full")
	if tv, _ := s.Ticket(ctx, b.Ticket); tv.Party != 4 {
		t.Errorf("party after the refusal = %d, want 4 kept", tv.Party)
	}
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	rows, err := s.PreBook(ctx, coord, "c1", strings.NewReader("b2,1,101,5\nb2,2,101,1\n"))
	if err != nil || len(rows) != 2 || rows[0].Error == nil || rows[0].Error.Code != "party_full" || rows[1].Error != nil || !rows[1].Created {
		t.Errorf("PreBook with a party that cannot change = %+v, %v; want row 1 party_full, row 2 booked", rows, err)
	}
	if again, _, err := s.Book(ctx, "c1", hh("b2", "1", "101", 1)); err != nil || again.Party != 1 {
		t.Errorf("Book(party 1) = %+v, %v, want 1", again, err)
	}
	clk.Set(queuetest.At(7, 1))
	if _, err := s.CheckIn(ctx, staff(t, s, "c1", queue.RoleMarshal), "s2", b.Ticket); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Book(ctx, "c1", hh("b2", "1", "101", 2))
	wantCode(t, "Book(party 2) when checked in", err, "party_locked")
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

// testLineDesksOfVariant: a site with 2 desks on a dry day and 5 under
// the rain plan's canopies has 2 in the dry line (its forecast's pace,
// the tablet's choice of desk), 5 once the rain plan is on, and keeps
// showing a desk the dry plan lacks while someone called there before
// the switch back is still at it. It used to be 5 all day: the most of
// any variant, so a dry morning's forecast promised 2.5 times the pace.
func testLineDesksOfVariant(t *testing.T, st queuetest.Store) {
	s, clk := c1With(t, st.Client(t), func(f *planfile.File) {
		for _, x := range f.Sites {
			if x.ID == "s2" && x.Variant == "wet" {
				x.Desks = 5
			}
		}
	})
	m := staff(t, s, "c1", queue.RoleMarshal)
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	desks := func(when string, want int) {
		t.Helper()
		l, err := s.Line(ctx, m, "s2")
		if err != nil {
			t.Fatal(err)
		}
		if l.Desks != want {
			t.Errorf("%s: s2's line has %d desks; want %d", when, l.Desks, want)
		}
	}
	desks("dry", 2)
	tok := bookAt(t, s, hh("b1", "", "101", 1)) // s1 when dry, s2 under the rain plan
	if _, err := s.SwitchVariant(ctx, coord, "c1", "wet"); err != nil {
		t.Fatal(err)
	}
	desks("wet", 5)
	clk.Set(queuetest.At(7, 1))
	tv, err := s.Ticket(ctx, tok)
	if err != nil || tv.Site != "s2" {
		t.Fatalf("the ticket under the rain plan = %+v, %v; want s2", tv, err)
	}
	if _, err := s.CheckIn(ctx, m, "s2", tok); err != nil {
		t.Fatal(err)
	}
	if tv, err := s.CallNext(ctx, m, "s2", 4); err != nil || tv.Ticket != tok {
		t.Fatalf("CallNext(s2, desk 4) = %+v, %v", tv, err)
	}
	if _, err := s.SwitchVariant(ctx, coord, "c1", "dry"); err != nil {
		t.Fatal(err)
	}
	desks("dry again, desk 4 still calling", 4)
	if _, err := s.Sampled(ctx, m, tok, ""); err != nil {
		t.Fatal(err)
	}
	desks("dry again, desk 4 done", 2)
}

// testRainSeatsLineNow: those in line when the rain switch is thrown are
// at a site now, so the switch seats them first, in the new site's window
// of now (the next with room when it is full), and the tablet does not
// flag them as outside their window. Before, they were seated in booking
// order among the booked, in the unit's windows the earlier bookings had
// not filled, later ones: on the contest compound a party at the head of
// the line read a window three hours ahead, tagged 时段外 at the desk.
func testRainSeatsLineNow(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	// 1号楼: 30 people booked early (dry 07:00), then 30 more (dry 07:15)
	// who come to the line at 07:06. The rain plan calls the building at
	// s2 at 07:00, 07:15 and 07:30: 25, 25 and 30.
	for i := range 6 {
		bookAt(t, s, hh("b1", "", fmt.Sprintf("%d%02d", 1+i%3, i+1), 5))
	}
	var inline []string
	for i := range 6 {
		inline = append(inline, bookAt(t, s, hh("b1", "", fmt.Sprintf("%d%02d", 4+i%3, 10+i), 5)))
	}
	clk.Set(queuetest.At(7, 6))
	for _, tok := range inline {
		if _, err := s.CheckIn(ctx, m, "s1", tok); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SwitchVariant(ctx, coord, "c1", "wet"); err != nil {
		t.Fatal(err)
	}
	var starts []string
	for _, tok := range inline {
		tv, err := s.Ticket(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if tv.State != "checked_in" || tv.Site != "s2" {
			t.Errorf("ticket %d in line after the switch = %s at %s; want checked in at s2", tv.ID, tv.State, tv.Site)
		}
		starts = append(starts, tv.Window.Start.Format("15:04"))
	}
	if got, want := strings.Join(starts, " "), "07:00 07:00 07:00 07:00 07:00 07:15"; got != want {
		t.Errorf("the windows of those in line after the switch = %s; want %s (now's, then the next with room)", got, want)
	}
	line, err := s.Line(ctx, m, "s2")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range line.Waiting {
		if e.Outside {
			t.Errorf("ticket %d (window %s) in s2's line after the switch is tagged outside its window", e.ID, e.Window.Start.Format("15:04"))
		}
	}
	if len(line.Waiting) != 6 {
		t.Errorf("s2's line after the switch has %d waiting, want the 6 moved", len(line.Waiting))
	}
	// The booked still all have a window, and none is overbooked.
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
	// One who checks in after the switch, outside the window it gave, is
	// tagged as before.
	late := bookAt(t, s, hh("b2", "1", "601", 1)) // w1 under the rain plan
	lt, err := s.Ticket(ctx, late)
	if err != nil {
		t.Fatal(err)
	}
	clk.Set(lt.Window.End.Add(5 * time.Minute))
	if _, err := s.CheckIn(ctx, m, lt.Site, late); err != nil {
		t.Fatal(err)
	}
	line, _ = s.Line(ctx, m, lt.Site)
	tagged := false
	for _, e := range line.Waiting {
		tagged = tagged || e.Ticket == late && e.Outside
	}
	if !tagged {
		t.Errorf("checked in 5 minutes after its window, after the switch: not tagged outside it")
	}
}

// testRainToTheSamePlan: a rain plan that keeps every window as the dry
// day's (the same sites, times and capacities) moves no booked ticket to
// another time, though bookings filled the windows by capacity beyond the
// people the plan calls there for each unit. It used to re-time about a
// sixth of them, paper cards included, and switching back did not undo it.
func testRainToTheSamePlan(t *testing.T, st queuetest.Store) {
	s, _ := c1With(t, st.Client(t), func(f *planfile.File) {
		var sched []planfile.Window
		for _, w := range f.Schedule {
			if w.Variant == "dry" {
				sched = append(sched, w)
			}
		}
		for _, w := range sched[:len(sched):len(sched)] {
			w.Variant = "wet"
			sched = append(sched, w)
		}
		for i := range sched {
			sched[i].Index = i
		}
		f.Schedule = sched
		var dry, wet []*planfile.Site
		for _, x := range f.Sites {
			if x.Variant == "dry" {
				w := *x
				w.Variant = "wet"
				dry, wet = append(dry, x), append(wet, &w)
			}
		}
		f.Sites = append(dry, wet...)
	})
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	// 1号楼's households book until its windows are full: its first window
	// calls floors 1-3, but bookings take it whatever their floor.
	var toks []string
	for i := range 40 {
		b, _, err := s.Book(ctx, "c1", hh("b1", "", fmt.Sprintf("%d%02d", 6-i%6, 1+i/6), 2))
		if err != nil {
			break
		}
		toks = append(toks, b.Ticket)
	}
	before := map[string]string{}
	for _, tok := range toks {
		tv, _ := s.Ticket(ctx, tok)
		before[tok] = tv.Site + " " + tv.Window.Start.Format("15:04")
	}
	for _, v := range []string{"wet", "dry"} {
		if _, err := s.SwitchVariant(ctx, coord, "c1", v); err != nil {
			t.Fatal(err)
		}
		moved := 0
		for _, tok := range toks {
			tv, _ := s.Ticket(ctx, tok)
			if got := tv.Site + " " + tv.Window.Start.Format("15:04"); got != before[tok] {
				if moved++; moved <= 3 {
					t.Errorf("after the switch to %s, ticket %d is at %s; it was at %s", v, tv.ID, got, before[tok])
				}
			}
		}
		if moved > 0 {
			t.Errorf("the switch to %s, a plan with the same windows, moved %d of %d tickets to another time", v, moved, len(toks))
		}
	}
}

// c1With is a service (its clock at Morning) with the round of the c1
// fixture's plan open, as edit changes the plan file before it is loaded.
func c1With(t *testing.T, c redis.UniversalClient, edit func(*planfile.File)) (*queue.Service, *queuetest.Clock) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "c1.plan.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := planfile.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	edit(f)
	p, err := queue.NewPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	clk := queuetest.NewClock(queuetest.Morning)
	o := queue.DefaultOptions()
	o.Now = clk.Now
	s := queue.New(c, queuetest.Signer(t), o)
	if err := s.OpenRound(ctx, p); err != nil {
		t.Fatal(err)
	}
	return s, clk
}

// testSampledAtTheDesksSite: s1's desk 1 has called b1 101 when the rain
// switch closes s1 and moves her, checked in, to s2's line; the tablet at
// s1 still shows her called, and its marshal presses 已采样. The sample
// is refused, naming s2, as a check-in there would be, and nothing
// changes: she is in s2's line, and s2's desk samples her. A sample that
// names no site (an older client) is taken at any.
func testSampledAtTheDesksSite(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	toks := checkInAll(t, s, clk, m, "101", "102")
	z, y := toks[0], toks[1]
	if called, err := s.CallNext(ctx, m, "s1", 1); err != nil || called.Ticket != z {
		t.Fatalf("CallNext(s1, 1) = %+v, %v; want b1 101", called, err)
	}
	if _, err := s.SwitchVariant(ctx, staff(t, s, "c1", queue.RoleCoordinator), "c1", "wet"); err != nil {
		t.Fatal(err)
	}
	_, err := s.SampledAt(ctx, m, "s1", z, "T1")
	wantCode(t, "SampledAt(s1) of a ticket moved to s2", err, "wrong_site")
	var e *queue.Error
	if errors.As(err, &e) && (!strings.Contains(e.MessageEn, "s2 会所门廊") || !strings.Contains(e.Message, "请到采样点 s2 会所门廊")) {
		t.Errorf("the refusal says %q / %q; want it to name s2 as its sign does, 会所门廊", e.Message, e.MessageEn)
	}
	if tv, err := s.Ticket(ctx, z); err != nil || tv.State != "checked_in" || tv.Site != "s2" || tv.Tube != "" {
		t.Errorf("b1 101 after the refused sample = %+v, %v; want checked in at s2, in no tube", tv, err)
	}
	if l, err := s.Line(ctx, m, "s2"); err != nil || l.InLine != 2 {
		t.Errorf("s2's line after the refused sample = %+v, %v; want its 2 people", l, err)
	}
	_, err = s.SampledAt(ctx, m, "nowhere", z, "")
	wantCode(t, "SampledAt(an unknown site)", err, errs.NoSite)
	if tv, err := s.SampledAt(ctx, m, "s2", z, "T1"); err != nil || tv.State != "sampled" || tv.Site != "s2" {
		t.Errorf("SampledAt(s2) = %+v, %v; want sampled at s2", tv, err)
	}
	if tv, err := s.Sampled(ctx, m, y, ""); err != nil || tv.State != "sampled" {
		t.Errorf("Sampled (no site) = %+v, %v; want sampled", tv, err)
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}
