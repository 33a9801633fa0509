package queue_test

import (
	"errors"
	"testing"
	"time"

	"natq/queue"
	"natq/queue/queuetest"
)

// testBudgetCountsTickets: an address's budget counts the new households
// it booked, in the booking's own step: full answers, repeats and party
// changes take none of it, a refusal gives back what it took, and the
// next limit window starts afresh.
func testBudgetCountsTickets(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, func(o *queue.Options) {
		o.WalkinShare = 0
		o.BookingLimit = queue.BookingLimit{Households: 2, Window: 10 * time.Minute}
	})
	const addr = "203.0.113.7"
	for i := 0; i < 37; i++ { // b4's one window, by a volunteer: not limited
		bookAt(t, s, hh("b4", "", room(i), 1))
	}
	held := map[queue.Household]string{} // the tickets this phone booked, by household (any party)
	online := func(h queue.Household) error {
		k := h
		k.Party = 0
		b, _, err := s.BookOnline(ctx, "c1", h, addr, nil, queue.Held{Ticket: held[k]})
		if err == nil {
			held[k] = b.Ticket
		}
		return err
	}
	for i := 0; i < 5; i++ {
		if err := online(hh("b4", "", room(40+i), 1)); !errors.Is(err, queue.ErrFull) {
			t.Fatalf("booking a full building = %v, want full", err)
		}
	}
	for i := 0; i < 31; i++ { // b1's first window (37 seats) to 31, by a volunteer
		bookAt(t, s, hh("b1", "", room(200+i), 1))
	}
	for i, want := range []error{nil, nil, queue.ErrRateLimited} {
		if err := online(hh("b1", "", room(i), 2)); !errors.Is(err, want) && err != want {
			t.Errorf("new household %d after five full answers = %v, want %v", i, err, want)
		}
	}
	// The refused household would have been the window's last party of
	// two: refused, it leaves the window to the next one.
	wantWindow(t, s, "a volunteer's party of two after a refusal", hh("b1", "", room(250), 2), 0)
	if err := online(hh("b1", "", room(0), 2)); err != nil {
		t.Errorf("repeat while limited = %v, want its ticket", err)
	}
	if err := online(hh("b1", "", room(1), 1)); err != nil {
		t.Errorf("party change while limited = %v, want it changed", err)
	}
	// Another household's ticket, booked by a volunteer: asking for it
	// costs a household of the budget, as booking it would. Before, one
	// address could read every ticket of a compound by its room numbers,
	// then cancel them or shrink their parties.
	if err := online(hh("b1", "", room(200), 1)); !errors.Is(err, queue.ErrRateLimited) {
		t.Errorf("another household's ticket with the budget spent = %v, want rate_limited", err)
	}
	if tv, _, err := s.AtDesk(ctx, staff(t, s, "c1", queue.RoleMarshal), "c1", hh("b1", "", room(200), 1)); err != nil || tv.Party != 1 {
		t.Errorf("the volunteer's household after the refusal = %+v, %v; want its ticket as it was", tv, err)
	}
	var rl interface{ RetryAfter() int }
	err := online(hh("b1", "", room(3), 1))
	if !errors.As(err, &rl) || rl.RetryAfter() != 601 {
		t.Errorf("limited at 06:00:00 = %v, want a retry after 601 s (the window ends 06:10)", err)
	}
	clk.Set(queuetest.At(6, 10))
	if err := online(hh("b1", "", room(3), 1)); err != nil {
		t.Errorf("new household in the next limit window = %v, want booked", err)
	}
	// In a window, a household the address has asked for once costs
	// nothing more, however often it asks again: a phone reloading its
	// ticket is not counted out. A phone that does not hold the ticket (the
	// volunteer booked it) is told the household is booked, not given it.
	if err := online(hh("b1", "", room(200), 1)); !errors.Is(err, queue.ErrBooked) {
		t.Errorf("the volunteer's household in the next window = %v, want already_booked", err)
	}
	for i := 0; i < 5; i++ {
		if err := online(hh("b1", "", room(200), 1)); !errors.Is(err, queue.ErrBooked) {
			t.Fatalf("asking again %d = %v, want already_booked", i, err)
		}
		if err := online(hh("b1", "", room(3), 1)); err != nil {
			t.Fatalf("its own ticket again %d = %v, want it", i, err)
		}
	}
	if err := online(hh("b1", "", room(201), 1)); !errors.Is(err, queue.ErrRateLimited) {
		t.Errorf("a third household in the window = %v, want rate_limited", err)
	}
	checkInvariants(t, c, queuetest.Plan(t, "c1.plan.geojson"))
}
