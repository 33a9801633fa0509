package queue_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"natq/planner/errs"
	"natq/queue"
	"natq/queue/queuetest"
)

// testUndoHomeSampleGivesBookingBack: the door team records the wrong
// door, a household that had booked a window at a site; taking the record
// back gives that household its booking again (its window, its party,
// its phone told), so that it can still come, check in and be sampled.
// When its window has ended, has been filled meanwhile, or the round is
// on the other weather plan, the record is cancelled as one of its own
// is, and the household may book anew.
func testUndoHomeSampleGivesBookingBack(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staffNamed(t, s, "c1", "张三", queue.RoleMarshal)
	li := staffNamed(t, s, "c1", "李四", queue.RoleMarshal)
	clk.Set(queuetest.At(6, 30))
	// mistaken books h, and the door team records it sampled at home by
	// mistake: the record is its booking's ticket.
	mistaken := func(h queue.Household) (*queue.Booking, *queue.TicketView) {
		t.Helper()
		b, _, err := s.Book(ctx, "c1", h)
		if err != nil {
			t.Fatalf("Book(%+v): %v", h, err)
		}
		r, err := s.SampledAtHome(ctx, m, "c1", h, "")
		if err != nil || r.ID != b.ID {
			t.Fatalf("SampledAtHome(%+v) = %+v, %v; want its booking's ticket", h, r, err)
		}
		return b, r
	}

	// b1 402 books for three: s1's 07:00 window.
	booked, _, err := s.Book(ctx, "c1", hh("b1", "", "402", 3))
	if err != nil || booked.Site != "s1" || !booked.Window.Start.Equal(queuetest.At(7, 0)) {
		t.Fatalf("Book(b1 402) = %+v, %v; want s1 at 07:00", booked, err)
	}
	stream, err := s.WatchTicket(ctx, booked.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	// 06:40: the team at 401's door types 402, for one, into tube T1.
	clk.Set(queuetest.At(6, 40))
	home, err := s.SampledAtHome(ctx, m, "c1", hh("b1", "", "402", 1), "T1")
	if err != nil || home.ID != booked.ID || home.State != "sampled" {
		t.Fatalf("SampledAtHome(402) = %+v, %v; want 402's ticket sampled at home", home, err)
	}
	waitEvent(t, stream, `"sampled"`)
	// 06:50: 李四 takes it back from another phone.
	clk.Set(queuetest.At(6, 50))
	back, err := s.UndoHomeSample(ctx, li, home.Ticket)
	if err != nil || back.ID != booked.ID || back.State != "booked" || back.Site != "s1" || back.Party != 3 ||
		!back.Window.Start.Equal(queuetest.At(7, 0)) || back.Origin != "online" || back.Tube != "" || back.SampledAt != nil {
		t.Fatalf("UndoHomeSample(402) = %+v, %v; want 402 booked again for three at s1 07:00", back, err)
	}
	if ev := waitEvent(t, stream, `"booked"`); !strings.Contains(ev, `"site":"s1"`) {
		t.Errorf("402's phone was told %s; want booked at s1 again", ev)
	}
	// A second tap, or another phone, is told it was taken back already.
	_, err = s.UndoHomeSample(ctx, m, home.Ticket)
	wantCode(t, "taking 402's record back twice", err, errs.Final)
	if e := (*queue.Error)(nil); !errors.As(err, &e) || !strings.Contains(e.Message, "已撤销") || !strings.Contains(e.Message, "原预约已恢复") {
		t.Errorf("a second take-back says %v; want that it was taken back and the booking is back", err)
	}
	if tube, err := s.Tube(ctx, m, "c1", "T1"); err != nil || len(tube) != 0 {
		t.Errorf("Tube(T1) after the undo = %d tickets, %v; want none", len(tube), err)
	}
	// Asking for its ticket again gives the same booking; the list shows
	// the record taken back, its booking given again.
	if again, _, err := s.Book(ctx, "c1", hh("b1", "", "402", 3)); err != nil || again.ID != booked.ID || !again.Window.Start.Equal(queuetest.At(7, 0)) {
		t.Errorf("Book(b1 402) after the undo = %+v, %v; want its ticket, booked", again, err)
	}
	list, err := s.HomeSamples(ctx, m, "c1")
	if err != nil || len(list.Records) != 1 || list.Households != 0 {
		t.Fatalf("HomeSamples = %+v, %v; want 402's record alone, taken back", list, err)
	}
	if r := list.Records[0]; !r.Restored || r.TakenBackBy != "李四" || r.TakenBackAt == nil || !r.TakenBackAt.Equal(queuetest.At(6, 50)) ||
		!r.RecordedAt.Equal(queuetest.At(6, 40)) || r.RecordedBy != "张三" {
		t.Errorf("402's record = %+v; want recorded 06:40 by 张三, taken back 06:50 by 李四, its booking given again", r)
	}
	cov, err := s.Coverage(ctx, staff(t, s, "c1", queue.RoleCoordinator), "c1")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range cov.Buildings {
		if b.Building == "b1" && b.SampledHouseholds != 0 {
			t.Errorf("b1's coverage after the undo = %+v; want nobody sampled", b)
		}
	}
	// The household comes at 07:02, is checked in and sampled at s1 (its
	// record still says when it was taken back: the sample's is later).
	clk.Set(queuetest.At(7, 2))
	if _, err := s.CheckIn(ctx, m, "s1", booked.Ticket); err != nil {
		t.Fatalf("checking 402 in at s1 after the undo: %v", err)
	}
	if done, err := s.Sampled(ctx, m, booked.Ticket, ""); err != nil || done.State != "sampled" || done.Origin == "home" {
		t.Fatalf("Sampled(402) = %+v, %v; want sampled at s1", done, err)
	}
	if list, err := s.HomeSamples(ctx, m, "c1"); err != nil || len(list.Records) != 1 || list.Households != 0 ||
		!list.Records[0].TakenBackAt.Equal(queuetest.At(6, 50)) {
		t.Errorf("HomeSamples after 402 was sampled at s1 = %+v, %v; want the record taken back at 06:50, no household", list, err)
	}

	// b3's one window (s2 07:30-07:45) holds 10. 301 books for four, is
	// recorded at home by mistake, and the window fills meanwhile: the
	// record is cancelled, and 301 may book anew.
	clk.Set(queuetest.At(7, 5))
	b301, h301 := mistaken(hh("b3", "", "301", 4))
	for _, x := range []queue.Household{hh("b3", "", "302", 5), hh("b3", "", "303", 4)} {
		if _, _, err := s.Book(ctx, "c1", x); err != nil {
			t.Fatalf("Book(%+v): %v", x, err)
		}
	}
	if back, err := s.UndoHomeSample(ctx, m, h301.Ticket); err != nil || back.State != "cancelled" {
		t.Errorf("UndoHomeSample(b3 301, its window full) = %+v, %v; want cancelled", back, err)
	}
	if again, _, err := s.Book(ctx, "c1", hh("b3", "", "301", 1)); err == nil && again.ID == b301.ID {
		t.Errorf("Book(b3 301) after its record was cancelled = %+v; want a new booking, not the record", again)
	}

	// b2 unit 1's 07:00-07:15 window at s2: 101 books, is recorded at
	// home, and the window ends before the record is taken back.
	if b101, h101 := mistaken(hh("b2", "1", "101", 1)); !b101.Window.Start.Equal(queuetest.At(7, 0)) {
		t.Fatalf("Book(b2 1 101) = %+v; want s2's 07:00 window", b101)
	} else {
		clk.Set(queuetest.At(7, 16))
		if back, err := s.UndoHomeSample(ctx, m, h101.Ticket); err != nil || back.State != "cancelled" {
			t.Errorf("UndoHomeSample(b2 101, its window over) = %+v, %v; want cancelled", back, err)
		}
	}

	// b1 403 books a window of s1, is recorded at home, and the rain
	// switch puts the round on the wet plan: its dry window is gone.
	clk.Set(queuetest.At(7, 6))
	_, h403 := mistaken(hh("b1", "", "403", 1))
	if _, err := s.SwitchVariant(ctx, staff(t, s, "c1", queue.RoleCoordinator), "c1", "wet"); err != nil {
		t.Fatal(err)
	}
	if back, err := s.UndoHomeSample(ctx, m, h403.Ticket); err != nil || back.State != "cancelled" {
		t.Errorf("UndoHomeSample(b1 403, the round on the wet plan) = %+v, %v; want cancelled", back, err)
	}
	// A record taken back and its booking given again, then cancelled by
	// the resident: the list still says when it was taken back.
	b405, _ := mistaken(hh("b1", "", "405", 1))
	if back, err := s.UndoHomeSample(ctx, m, b405.Ticket); err != nil || back.State != "booked" {
		t.Fatalf("UndoHomeSample(b1 405) = %+v, %v; want booked again", back, err)
	}
	clk.Set(queuetest.At(7, 7))
	if _, err := s.Cancel(ctx, b405.Ticket); err != nil {
		t.Fatal(err)
	}
	// A record taken back and its booking given again, then recorded at
	// home rightly: the list shows it sampled, no longer taken back.
	b404, _ := mistaken(hh("b1", "", "404", 2))
	if back, err := s.UndoHomeSample(ctx, m, b404.Ticket); err != nil || back.State != "booked" {
		t.Fatalf("UndoHomeSample(b1 404) = %+v, %v; want booked again", back, err)
	}
	clk.Set(queuetest.At(7, 8))
	if _, err := s.SampledAtHome(ctx, li, "c1", hh("b1", "", "404", 2), ""); err != nil {
		t.Fatal(err)
	}
	list, err = s.HomeSamples(ctx, m, "c1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range list.Records {
		x := r.Household.Building + " " + r.Household.Room + " " + r.State + " " + r.RecordedAt.Format("15:04") + " " + r.RecordedBy
		if r.TakenBackAt != nil {
			x += " back " + r.TakenBackAt.Format("15:04")
		}
		if r.Restored {
			x += " restored"
		}
		got = append(got, x)
	}
	want := []string{"b1 404 sampled 07:08 李四", "b1 405 cancelled 07:06 张三 back 07:06 restored", "b1 403 cancelled 07:06 张三 back 07:06", "b2 101 cancelled 07:05 张三 back 07:16",
		"b3 301 cancelled 07:05 张三 back 07:05", "b1 402 sampled 06:40 张三 back 06:50 restored"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || list.Households != 1 || list.People != 2 {
		t.Errorf("HomeSamples = %d households, %d people:\n%s\nwant 1, 2:\n%s", list.Households, list.People,
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

// waitEvent waits for the ticket stream's next event holding want, and
// returns it.
func waitEvent(t *testing.T, stream <-chan []byte, want string) string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-stream:
			if strings.Contains(string(ev), want) {
				return string(ev)
			}
		case <-deadline:
			t.Fatalf("no event holding %s on the ticket's stream", want)
			return ""
		}
	}
}
