package rainswitch

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)

func win(index int, site string, startMin, capacity int, groups ...Group) Window {
	s := t0.Add(time.Duration(startMin) * time.Minute)
	return Window{Index: index, Site: site, Start: s, End: s.Add(15 * time.Minute), Capacity: capacity, Groups: groups}
}

// tk is a ticket of building b's unit u whose window started at old, at
// no site of the targets (so that none is its own window).
func tk(b, u string, party int, old time.Time) Ticket {
	return Ticket{Building: b, Unit: u, Party: party, OldStart: old}
}

func reassign(t *testing.T, now time.Time, target []Window, all [][]Group, tickets []Ticket) []int {
	t.Helper()
	SortWindows(target)
	picks, err := Reassign(now, target, BuildLists(target, all), tickets)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int, len(picks))
	for i, p := range picks {
		out[i] = target[p].Index
	}
	return out
}

func groupsOf(ws []Window) [][]Group {
	var all [][]Group
	for _, w := range ws {
		all = append(all, w.Groups)
	}
	return all
}

func eq(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReassign(t *testing.T) {
	a1 := Group{Building: "a", Unit: "1", People: 4}
	a2 := Group{Building: "a", Unit: "2", People: 4}
	b := Group{Building: "b", People: 4}
	t.Run("unit quota first", func(t *testing.T) {
		// Window 10 calls a|1 and a|2 four each; a|1's fifth person goes
		// on to a|1's next window though 10 still has room.
		target := []Window{win(10, "s", 0, 10, a1, a2), win(11, "s", 15, 10, a1)}
		got := reassign(t, t0.Add(-time.Hour), target, groupsOf(target),
			[]Ticket{tk("a", "1", 2, t0), tk("a", "1", 2, t0), tk("a", "1", 1, t0)})
		if !eq(got, []int{10, 10, 11}) {
			t.Errorf("got %v, want [10 10 11]", got)
		}
	})
	t.Run("own window kept", func(t *testing.T) {
		// The target has the ticket's own window (site, start, end) for
		// its unit: it stays there, beyond the people the plan calls (a
		// booking fills a window by its capacity, not by the quota), so
		// that a switch to an identical plan moves no one.
		target := []Window{win(10, "s", 0, 10, Group{Building: "a", Unit: "1", People: 2}), win(11, "s", 15, 10, a1)}
		own := Ticket{Building: "a", Unit: "1", Party: 3, OldStart: t0, OldEnd: t0.Add(15 * time.Minute), OldSite: "s"}
		elsewhere := own
		elsewhere.OldSite = "t"
		got := reassign(t, t0.Add(-time.Hour), target, groupsOf(target), []Ticket{own, elsewhere})
		if !eq(got, []int{10, 11}) {
			t.Errorf("got %v, want [10 11]: its own window, and another site's ticket by the quota", got)
		}
	})
	t.Run("booking order kept", func(t *testing.T) {
		// The first ticket of b only fits the later window; the second,
		// small enough for the earlier, must not go before it.
		target := []Window{win(20, "s", 0, 3, b), win(21, "s", 15, 10, b)}
		got := reassign(t, t0.Add(-time.Hour), target, groupsOf(target),
			[]Ticket{tk("b", "", 4, t0), tk("b", "", 1, t0)})
		if !eq(got, []int{21, 21}) {
			t.Errorf("got %v, want [21 21]", got)
		}
	})
	t.Run("ended windows skipped", func(t *testing.T) {
		target := []Window{win(30, "s", 0, 10, b), win(31, "s", 15, 10, b)}
		got := reassign(t, t0.Add(20*time.Minute), target, groupsOf(target), []Ticket{tk("b", "", 1, t0)})
		if !eq(got, []int{31}) {
			t.Errorf("got %v, want [31]", got)
		}
	})
	t.Run("other building when its own are full", func(t *testing.T) {
		c := Group{Building: "c", People: 2}
		target := []Window{win(40, "s", 0, 2, b), win(41, "t", 0, 5, c)}
		got := reassign(t, t0.Add(-time.Hour), target, groupsOf(target), []Ticket{tk("b", "", 2, t0), tk("b", "", 2, t0)})
		if !eq(got, []int{40, 41}) {
			t.Errorf("got %v, want [40 41]", got)
		}
	})
	t.Run("prefers a window not over before its old one began", func(t *testing.T) {
		// A unit the plan does not call has no quota: among its
		// building's windows, 07:00 (over by 07:15) and 07:45, it takes
		// the one not over before its old window (07:30) began. With a
		// quota in the earlier window the quota wins.
		b1 := Group{Building: "b", Unit: "1", People: 4}
		target := []Window{win(50, "s", 0, 10, b1), win(51, "s", 45, 10, b1)}
		got := reassign(t, t0.Add(-time.Hour), target, groupsOf(target), []Ticket{tk("b", "9", 1, t0.Add(30*time.Minute))})
		if !eq(got, []int{51}) {
			t.Errorf("got %v, want [51]", got)
		}
		got = reassign(t, t0.Add(-time.Hour), target, groupsOf(target), []Ticket{tk("b", "1", 1, t0.Add(30*time.Minute))})
		if !eq(got, []int{50}) {
			t.Errorf("unit with a quota: got %v, want [50]", got)
		}
	})
	t.Run("no room", func(t *testing.T) {
		target := []Window{win(60, "s", 0, 1, b)}
		SortWindows(target)
		_, err := Reassign(t0, target, BuildLists(target, groupsOf(target)), []Ticket{tk("b", "", 1, t0), tk("b", "", 1, t0)})
		var nr *NoRoomError
		if !errors.As(err, &nr) || nr.Ticket != 1 {
			t.Errorf("err %v, want no room for ticket 1", err)
		}
	})
}

// TestReassignInLine: people already in a line are seated first, at
// their site's earliest window with room that has not ended when the
// new variant keeps the site, else at the earliest window of the site
// the search finds for them; the booked come after, and a later window
// of their unit does not send those in line home.
func TestReassignInLine(t *testing.T) {
	a := Group{Building: "a", People: 6}
	// s stays (a window at 07:00 of 4, one at 07:30 of 10); u closes, and
	// a's wet site is w (07:00, 07:30).
	target := []Window{win(1, "s", 0, 4, a), win(2, "s", 30, 10, a), win(3, "w", 0, 3, a), win(4, "w", 30, 10, a)}
	booked := tk("a", "", 3, t0)
	atS := Ticket{Building: "a", Party: 3, OldStart: t0.Add(30 * time.Minute), OldEnd: t0.Add(45 * time.Minute), OldSite: "s", InLine: true}
	atU := Ticket{Building: "a", Party: 2, OldStart: t0, OldEnd: t0.Add(15 * time.Minute), OldSite: "u", InLine: true}
	// Booked first in the list, yet seated after both in line: the one at
	// s takes s's 07:00 window (not its own 07:30), the one from u w's.
	got := reassign(t, t0.Add(5*time.Minute), target, groupsOf(target), []Ticket{booked, atS, atU})
	if !eq(got, []int{2, 1, 3}) {
		t.Errorf("got %v, want [2 1 3]: those in line at 07:00 windows of s and of w, the booked after them", got)
	}
	// At 07:20 the 07:00 windows have ended: the one at s takes s's
	// 07:30 window; the search for the one from u finds that window
	// first too (a's earliest with room), so she goes to s.
	got = reassign(t, t0.Add(20*time.Minute), target, groupsOf(target), []Ticket{atS, atU})
	if !eq(got, []int{2, 2}) {
		t.Errorf("at 07:20 got %v, want [2 2]", got)
	}
}
