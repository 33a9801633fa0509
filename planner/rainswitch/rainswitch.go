// Package rainswitch is the rule by which tickets follow a round onto
// another weather variant: the rule queue/switch.lua applies in Redis,
// written once more in Go so that the simulator (planner/sim) moves its
// residents exactly as the queue service would, and so that the queue can
// check its script against it (queue/rainswitch_test.go). It imports
// nothing but the standard library, so that both the planner side and the
// queue may use it.
//
// The rule, in the words of switch.lua: every ticket still to be sampled,
// in booking order, gets a window of the new variant that has not ended
// and has room for its party, no earlier than the window given to the
// previous ticket of its building and unit. It keeps its own window when
// the new variant has it (the same site, start and end, calling its
// unit) with room; else it looks first among the windows calling its
// unit, within the people the plan calls there for it;
// then, preferring windows that do not end before its old window started,
// in those windows beyond that, in its building's windows and, rather than
// lose the ticket, in any window. Only when order cannot be kept anywhere
// is it given up, for the earliest window with room in the same search.
// When a ticket has no room anywhere nothing moves.
//
// People already in a line (checked in or called) are not sent home, and
// are seated first, before any booked ticket, since they are at a site
// now: when their site is also a site of the new variant they stay in
// its line; else they are moved to the site the search above finds for
// them. Either way they take that site's earliest window with room that
// has not ended (else any with room), not their unit's later one: they
// are in line now. They neither move their unit's booking-order cursor
// nor use its people in the plan's windows.
//
// A change to switch.lua must change this file too; the queue's test
// fails until it does.
package rainswitch

import (
	"fmt"
	"sort"
	"time"
)

// Window is a window of the target variant, with the people already
// booked into it (its "booked" counter in the queue).
type Window struct {
	Index    int // its position in the plan's schedule
	Site     string
	Start    time.Time
	End      time.Time
	Capacity int
	Booked   int
	Groups   []Group
}

// Group is who a window calls: a building, or one unit of it.
type Group struct {
	Building string
	Unit     string
	People   int
}

// Ticket is a ticket still to be sampled, as the switch sees it.
type Ticket struct {
	Building, Unit string
	Party          int
	OldStart       time.Time // start of the window it holds now
	OldEnd         time.Time // its end
	OldSite        string    // its site
	// InLine is a ticket checked in or called at OldSite: it is seated
	// first, at a site of its line's (see the package's rule).
	InLine bool
}

// NoRoomError says which ticket (its position in the list) found no room.
type NoRoomError struct{ Ticket int }

func (e *NoRoomError) Error() string {
	return fmt.Sprintf("rainswitch: ticket %d finds no room in any window", e.Ticket)
}

// candidate is one window of a group's list, with the people the plan
// calls there for the group (-1 when the list carries no quota).
type candidate struct {
	w     int // position in the windows slice
	quota int
}

// Lists are the windows each group may go to, as the queue service hands
// them to switch.lua: for every "building|unit" and "building|" (the
// whole building) that any window of any variant names, the target
// windows calling it with the people called there; for "building|*",
// every target window naming the building; "*", every target window.
type Lists map[string][]candidate

// BuildLists builds the lists for target (the windows of the variant
// switched to, by start then index) from every window's groups (all
// variants), the same way queue.Service.SwitchVariant does.
func BuildLists(target []Window, all [][]Group) Lists {
	l := Lists{}
	seen := map[string]bool{}
	for _, gs := range all {
		for _, g := range gs {
			for _, u := range []string{g.Unit, ""} {
				key := g.Building + "|" + u
				if seen[key] {
					continue
				}
				seen[key] = true
				var list []candidate
				for i, w := range target {
					people, calls := 0, false
					for _, x := range w.Groups {
						if x.Building == g.Building && (x.Unit == "" || x.Unit == u) {
							people += x.People
							calls = true
						}
					}
					if calls {
						list = append(list, candidate{i, people})
					}
				}
				if len(list) > 0 {
					l[key] = list
				}
			}
		}
	}
	for _, gs := range all {
		for _, g := range gs {
			key := g.Building + "|*"
			if seen[key] {
				continue
			}
			seen[key] = true
			var list []candidate
			for i, w := range target {
				for _, x := range w.Groups {
					if x.Building == g.Building {
						list = append(list, candidate{i, -1})
						break
					}
				}
			}
			if len(list) > 0 {
				l[key] = list
			}
		}
	}
	all0 := make([]candidate, len(target))
	for i := range target {
		all0[i] = candidate{i, -1}
	}
	l["*"] = all0
	return l
}

// SortWindows orders windows as the queue does: by start, then index.
func SortWindows(ws []Window) {
	sort.SliceStable(ws, func(i, j int) bool {
		if !ws[i].Start.Equal(ws[j].Start) {
			return ws[i].Start.Before(ws[j].Start)
		}
		return ws[i].Index < ws[j].Index
	})
}

// Reassign gives each ticket (in booking order) its window in the target
// variant at now: the result holds, for ticket i, the position in target
// of its new window. target must be sorted by SortWindows and lists built
// from it. target's Booked counts are not changed.
func Reassign(now time.Time, target []Window, lists Lists, tickets []Ticket) ([]int, error) {
	used := make([]int, len(target))
	sites := map[string]bool{}
	for i, w := range target {
		used[i] = w.Booked
		sites[w.Site] = true
	}
	cursor := map[string]time.Time{} // building|unit -> start of its last new window
	quotaUsed := map[qkey]int{}      // window, group -> people placed there for the group
	out := make([]int, len(tickets))
	room := func(w, party int) bool {
		return target[w].End.After(now) && used[w]+party <= target[w].Capacity
	}
	// earliest is site's first window (target is by start) with room for
	// party that has not ended, else its first with room; -1 for none.
	earliest := func(site string, party int) int {
		for pass := 1; pass <= 2; pass++ {
			for i, w := range target {
				if w.Site == site && used[i]+party <= w.Capacity && (pass == 2 || w.End.After(now)) {
					return i
				}
			}
		}
		return -1
	}
	// Those in a line first, then the booked, each in booking order.
	order := make([]int, 0, len(tickets))
	for _, inLine := range []bool{true, false} {
		for i, t := range tickets {
			if t.InLine == inLine {
				order = append(order, i)
			}
		}
	}
	for _, ti := range order {
		t := tickets[ti]
		ck := t.Building + "|" + t.Unit
		floor, hasFloor := cursor[ck]
		if t.InLine {
			hasFloor = false // out of the booking order: they are at a site
		}
		atOrAfter := func(w int) bool { return !hasFloor || !target[w].Start.Before(floor) }
		ukey := ck
		if _, ok := lists[ukey]; !ok {
			ukey = t.Building + "|"
		}
		own := lists[ukey]
		pick := -1
		// 0: in line at a site the new variant keeps: a window of it.
		if t.InLine && sites[t.OldSite] {
			pick = earliest(t.OldSite, t.Party)
		}
		// 1a: the same window (site, start, end) when the target has it,
		// calling its unit, with room: its printed time stays.
		for _, c := range own {
			if pick >= 0 {
				break
			}
			w := target[c.w]
			if w.Site == t.OldSite && w.Start.Equal(t.OldStart) && w.End.Equal(t.OldEnd) && room(c.w, t.Party) && atOrAfter(c.w) {
				pick = c.w
			}
		}
		// 1: its unit's windows, within the people the plan calls there.
		for _, c := range own {
			if pick >= 0 {
				break
			}
			if c.quota >= 0 && room(c.w, t.Party) && quotaUsed[qkey{c.w, ukey}]+t.Party <= c.quota && atOrAfter(c.w) {
				pick = c.w
			}
		}
		// 2: in order, its unit's, its building's, any window; 3: any order.
		search := [][]candidate{own, lists[t.Building+"|*"], lists["*"]}
		for pass := 1; pass <= 2 && pick < 0; pass++ {
			for _, list := range search {
				second := -1
				for _, c := range list {
					if !room(c.w, t.Party) {
						continue
					}
					if pass == 2 {
						pick = c.w
						break
					}
					if atOrAfter(c.w) && target[c.w].End.After(t.OldStart) {
						pick = c.w
						break
					}
					if atOrAfter(c.w) && second < 0 {
						second = c.w
					}
				}
				if pick < 0 {
					pick = second
				}
				if pick >= 0 {
					break
				}
			}
		}
		if pick < 0 {
			return nil, &NoRoomError{ti}
		}
		if t.InLine {
			// The earliest window of the site found, as its line is now.
			if e := earliest(target[pick].Site, t.Party); e >= 0 && target[e].End.After(now) {
				pick = e
			}
		} else {
			quotaUsed[qkey{pick, ukey}] += t.Party
			if !hasFloor || target[pick].Start.After(floor) {
				cursor[ck] = target[pick].Start
			}
		}
		used[pick] += t.Party
		out[ti] = pick
	}
	return out, nil
}

type qkey struct {
	w     int
	group string
}
