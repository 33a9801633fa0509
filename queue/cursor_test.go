package queue_test

import (
	"testing"
	"time"

	"natq/queue"
	"natq/queue/queuetest"
)

// A booking takes the earliest window of its unit with room for its
// party. book.lua keeps a cursor past the windows already full, so that
// a booking does not read every full window's counter; these flows check
// that whatever gives seats back to a window the cursor has passed (a
// smaller party, a no-show, a rain switch there and back; a cancel is in
// testCancel) makes the next booking take them, and that a window which
// ended less than a minute ago is still offered to an instance whose
// clock is behind.

// windowOf is the index of the window ticket tok holds.
func windowOf(t *testing.T, s *queue.Service, tok string) int {
	t.Helper()
	tv, err := s.Ticket(ctx, tok)
	if err != nil {
		t.Fatalf("Ticket: %v", err)
	}
	return tv.WindowIdx
}

// wantWindow books h and checks the window it got.
func wantWindow(t *testing.T, s *queue.Service, what string, h queue.Household, want int) string {
	t.Helper()
	tok := bookAt(t, s, h)
	if got := windowOf(t, s, tok); got != want {
		t.Errorf("%s: booked into window %d, want %d", what, got, want)
	}
	return tok
}

func testSeatsGivenBack(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, noShare)
	m := staff(t, s, "c1", queue.RoleMarshal)
	// b1, dry: window 0 (07:00-07:15) then 1 (07:15-07:30), 37 seats each.
	bookAt(t, s, hh("b1", "", "101", 4))
	b := bookAt(t, s, hh("b1", "", "102", 3))
	d := bookAt(t, s, hh("b1", "", "103", 2))
	for i := 3; i < 30; i++ { // 4 + 3 + 2 + 27 = 36: one seat left in window 0
		bookAt(t, s, hh("b1", "", room(i), 1))
	}
	wantWindow(t, s, "a party of 2, one seat left", hh("b1", "", "501", 2), 1)
	wantWindow(t, s, "another party of 2", hh("b1", "", "506", 2), 1)
	wantWindow(t, s, "a party of 1, one seat left", hh("b1", "", "507", 1), 0)
	wantWindow(t, s, "after window 0 filled", hh("b1", "", "508", 1), 1)

	// A smaller party: two seats back in window 0.
	if bk, _, err := s.Book(ctx, "c1", hh("b1", "", "101", 2)); err != nil || !bk.PartyChanged {
		t.Fatalf("Book(party 4 -> 2) = %+v, %v", bk, err)
	}
	wantWindow(t, s, "after a party of 4 became 2", hh("b1", "", "502", 2), 0)
	wantWindow(t, s, "once they were taken again", hh("b1", "", "503", 1), 1)

	// A no-show: b is called three times and does not come; d is called
	// after each miss and queued back, so that b is called again.
	clk.Set(queuetest.At(7, 1))
	for _, tok := range []string{b, d} {
		if _, err := s.CheckIn(ctx, m, "s1", tok); err != nil {
			t.Fatal(err)
		}
		clk.Set(clk.Now().Add(time.Second))
	}
	for i := 1; i <= 3; i++ {
		if tv, err := s.CallNext(ctx, m, "s1", 1); err != nil || tv.Ticket != b {
			t.Fatalf("CallNext #%d = %+v, %v, want b", i, tv, err)
		}
		r, err := s.NoShow(ctx, m, b)
		if err != nil || r.NoShow != (i == 3) {
			t.Fatalf("NoShow #%d = %+v, %v", i, r, err)
		}
		if _, err := s.Requeue(ctx, m, d); err != nil {
			t.Fatal(err)
		}
	}
	wantWindow(t, s, "after a party of 3 did not come", hh("b1", "", "504", 3), 0)
	wantWindow(t, s, "once they were taken again", hh("b1", "", "505", 1), 1)
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

func testRainSwitchGivesBack(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, noShare)
	coord := staff(t, s, "c1", queue.RoleCoordinator)
	m := staff(t, s, "c1", queue.RoleMarshal)
	// Wet, b2 and b3 share w1: window 9 (07:00-07:30, 30 seats) then 10
	// (07:30-08:00). Dry, b2 goes to s2, a site of both variants.
	if _, err := s.SwitchVariant(ctx, coord, "c1", "wet"); err != nil {
		t.Fatal(err)
	}
	var b2 []string
	for i := 0; i < 30; i++ {
		b2 = append(b2, bookAt(t, s, hh("b2", []string{"1", "2"}[i%2], room(i), 1)))
	}
	wantWindow(t, s, "b3 once b2 filled window 9", hh("b3", "", "101", 1), 10)
	// To dry, where five of b2 check in at s2; back to wet, where they keep
	// their place in s2's line (and take a wet window there), so that
	// five seats of window 9 are free.
	if _, err := s.SwitchVariant(ctx, coord, "c1", "dry"); err != nil {
		t.Fatal(err)
	}
	clk.Set(queuetest.At(7, 1))
	in := 0
	for _, tok := range b2 {
		if in < 5 && windowOf(t, s, tok) == 2 {
			if _, err := s.CheckIn(ctx, m, "s2", tok); err != nil {
				t.Fatal(err)
			}
			in++
		}
	}
	if _, err := s.SwitchVariant(ctx, coord, "c1", "wet"); err != nil {
		t.Fatal(err)
	}
	wantWindow(t, s, "b3 after the switch there and back", hh("b3", "", "102", 1), 9)
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}

func testEndedWindowOffered(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, noShare)
	// b1, dry: window 0 ends at 07:15, with room.
	at := func(hh, mm, ss int) time.Time { return queuetest.At(hh, mm).Add(time.Duration(ss) * time.Second) }
	clk.Set(at(7, 15, 30))
	wantWindow(t, s, "30 s after window 0 ended", hh("b1", "", "101", 1), 1)
	clk.Set(at(7, 14, 50)) // an instance whose clock is 40 s behind
	wantWindow(t, s, "from a clock 40 s behind", hh("b1", "", "102", 1), 0)
	// Over a minute after its end the window is passed over for good: a
	// clock more than a minute behind the others' no longer gets it.
	clk.Set(at(7, 16, 30))
	wantWindow(t, s, "90 s after window 0 ended", hh("b1", "", "103", 1), 1)
	clk.Set(at(7, 14, 50))
	wantWindow(t, s, "from a clock 100 s behind", hh("b1", "", "104", 1), 1)
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}
