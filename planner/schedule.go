package planner

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// A Window is a time window at a site, with who is called to it.
type Window struct {
	Site       *Site
	Start, End time.Time
	Capacity   int // min(desks x rate x window, markers): the queue never admits more
	Students   bool
	Groups     []Group
}

// People is how many are called to the window.
func (w *Window) People() int {
	n := 0
	for _, g := range w.Groups {
		n += g.People
	}
	return n
}

// A Group is the households of one unit's floors called in one window; in
// the students' period, Building is "students".
type Group struct {
	Building     string
	Unit         string
	FromFl, ToFl int
	People       int
	// Rooms, set only on a floor too big for one window, are the rooms
	// of that floor called in this window (801 to 806: floor 8, rooms 1
	// to 6 of the unit); the floor's other rooms are in other windows.
	Rooms [2]int
	// households on the floor, for splitting one too big for a window
	households int
}

// dayTimes are a plan's clock: the main day's windows and the students'.
type dayTimes struct {
	loc              *time.Location
	main, students   [][2]time.Time
	window           time.Duration
	studentsFrom, to time.Time
}

func parseClock(date time.Time, hhmm string, loc *time.Location) (time.Time, error) {
	t, err := time.Parse("15:04", hhmm)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(date.Year(), date.Month(), date.Day(), t.Hour(), t.Minute(), 0, 0, loc), nil
}

// windows lays the day's windows from start to end, keeping those that
// fall in the students' period for students.
func (p Params) windows(end string) (dayTimes, error) {
	var d dayTimes
	loc, err := time.LoadLocation(p.TZ)
	if err != nil {
		return d, inputErrorf("--tz: %q is not an IANA time zone", p.TZ)
	}
	d.loc, d.window = loc, p.Window
	day, _ := time.ParseInLocation("2006-01-02", p.Date, loc)
	start, err := parseClock(day, p.Start, loc)
	if err != nil {
		return d, inputErrorf("--start: %q is not a time like 07:00", p.Start)
	}
	stop, err := parseClock(day, end, loc)
	if err != nil {
		return d, inputErrorf("--end: %q is not a time like 12:00, nor auto", end)
	}
	if !stop.After(start) {
		return d, inputErrorf("--end %s is not after --start %s", end, p.Start)
	}
	if p.Window <= 0 || p.Window > 4*time.Hour {
		return d, inputErrorf("--window: %v is not a window length between 1m and 4h", p.Window)
	}
	var sFrom, sTo time.Time
	if p.Students != "none" && p.Students != "" {
		a, b, ok := strings.Cut(p.Students, "-")
		var e1, e2 error
		sFrom, e1 = parseClock(day, a, loc)
		sTo, e2 = parseClock(day, b, loc)
		if !ok || e1 != nil || e2 != nil || !sTo.After(sFrom) {
			return d, inputErrorf("--students: %q is not a period like 16:30-18:00, nor none", p.Students)
		}
		for t := sFrom; !t.Add(p.Window).After(sTo); t = t.Add(p.Window) {
			d.students = append(d.students, [2]time.Time{t, t.Add(p.Window)})
		}
	}
	for t := start; !t.Add(p.Window).After(stop); t = t.Add(p.Window) {
		u := t.Add(p.Window)
		if !sFrom.IsZero() && t.Before(sTo) && u.After(sFrom) {
			continue
		}
		d.main = append(d.main, [2]time.Time{t, u})
	}
	if len(d.main) == 0 {
		return d, inputErrorf("--start %s to --end %s holds no whole %v window", p.Start, end, p.Window)
	}
	return d, nil
}

// students is how many of n people are in the students' period.
func (p Params) students(n int, dt dayTimes) int {
	if len(dt.students) == 0 {
		return 0
	}
	return int(math.Round(float64(n) * p.StudentShare))
}

// deskNeed is the desks a site with the given markers needs to sample load
// people in the day; maxD+1 when no number of desks can (the line is the
// limit).
func (p Params) deskNeed(load, markers, maxD int, dt dayTimes) int {
	st := p.students(load, dt)
	need := 1
	for _, part := range []struct{ n, wins int }{{load - st, len(dt.main)}, {st, len(dt.students)}} {
		if part.n == 0 {
			continue
		}
		per := (part.n + part.wins - 1) / part.wins // people per window
		if per > markers {
			return maxD + 1
		}
		d := int(math.Ceil(float64(per) / (float64(p.Rate) * p.Window.Hours())))
		for p.windowCap(d, markers) < per {
			d++
		}
		need = max(need, d)
	}
	return need
}

// schedule fills each site's windows with its buildings' unit-floors, in
// order of walking distance, nearest first, floors bottom up, each floor
// whole in one window (fillWholeFloors); then it moves desks to the sites
// that whole floors run late (balanceDesks).
func (vp *VariantPlan) schedule(p Params, dt dayTimes, order []*Building) {
	vp.siteWindows = map[*Site][]*Window{}
	for _, s := range vp.Sites {
		vp.siteWindows[s] = vp.scheduleSite(p, dt, s, order)
	}
	vp.balanceDesks(p, dt, order)
	vp.Windows = nil
	for _, s := range vp.Sites {
		vp.Windows = append(vp.Windows, vp.siteWindows[s]...)
	}
	sort.SliceStable(vp.Windows, func(i, j int) bool {
		if !vp.Windows[i].Start.Equal(vp.Windows[j].Start) {
			return vp.Windows[i].Start.Before(vp.Windows[j].Start)
		}
		return vp.Windows[i].Site.ID < vp.Windows[j].Site.ID
	})
}

// siteEnd is when the last main window with people at site s ends.
func (vp *VariantPlan) siteEnd(s *Site) time.Time {
	var t time.Time
	for _, w := range vp.siteWindows[s] {
		if !w.Students && w.People() > 0 && w.End.After(t) {
			t = w.End
		}
	}
	return t
}

// balanceDesks moves desks to the sites whose whole floors run past the
// day's last window, from sites that end in time with one desk less (and
// gives them any desk left over), so that whole floors cost the day as
// little as they can without a new assignment; on a wet day within the
// canopies allowed.
func (vp *VariantPlan) balanceDesks(p Params, dt dayTimes, order []*Building) {
	planned := dt.main[len(dt.main)-1][1]
	covered := func(s *Site) bool { return vp.Variant == Wet && !s.Sheltered }
	used, under := 0, 0
	for s, d := range vp.Desks {
		used += d
		if covered(s) {
			under += d
		}
	}
	canopyOK := func(from, to *Site) bool { // moving a desk keeps within the canopies
		if vp.canopyCap < 0 || !covered(to) || from != nil && covered(from) {
			return true
		}
		return under < vp.canopyCap
	}
	for iter := 0; iter < 4*len(vp.Sites); iter++ {
		var late *Site
		for _, s := range vp.Sites {
			if e := vp.siteEnd(s); e.After(planned) && (late == nil || e.After(vp.siteEnd(late))) {
				late = s
			}
		}
		if late == nil || vp.Desks[late] >= late.Layout.MaxDesks() {
			return
		}
		var from *Site
		if used >= p.Desks {
			for _, s := range vp.Sites {
				if s == late || vp.Desks[s] <= 1 || !canopyOK(s, late) {
					continue
				}
				vp.Desks[s]--
				ws := vp.scheduleSite(p, dt, s, order)
				vp.Desks[s]++
				end := time.Time{}
				for _, w := range ws {
					if !w.Students && w.People() > 0 && w.End.After(end) {
						end = w.End
					}
				}
				if !end.After(planned) {
					from = s
					vp.Desks[s]--
					vp.siteWindows[s] = ws
					break
				}
			}
			if from == nil {
				return
			}
		} else if !canopyOK(nil, late) {
			return
		} else {
			used++
		}
		if from != nil && covered(from) {
			under--
		}
		if covered(late) {
			under++
		}
		vp.Desks[late]++
		vp.siteWindows[late] = vp.scheduleSite(p, dt, late, order)
	}
}

// scheduleSite fills site s's windows with its buildings' unit-floors, in
// the order given (walking distance, nearest first), floors bottom up.
func (vp *VariantPlan) scheduleSite(p Params, dt dayTimes, s *Site, order []*Building) []*Window {
	var bs []*Building
	for _, b := range order {
		if vp.Site[b] == s {
			bs = append(bs, b)
		}
	}
	d := vp.Desks[s]
	if d == 0 {
		return nil
	}
	cap := p.windowCap(d, len(s.Layout.Markers))
	var main, stud []*Window
	mk := func(t [2]time.Time, students bool) *Window {
		return &Window{Site: s, Start: t[0], End: t[1], Capacity: cap, Students: students}
	}
	next := func(ws *[]*Window, i int, times [][2]time.Time, students bool) *Window {
		for len(*ws) <= i {
			k := len(*ws)
			var t [2]time.Time
			if k < len(times) {
				t = times[k]
			} else { // past the end: the day does not hold everyone
				last := times[len(times)-1]
				extra := time.Duration(k-len(times)+1) * dt.window
				t = [2]time.Time{last[0].Add(extra), last[1].Add(extra)}
			}
			*ws = append(*ws, mk(t, students))
		}
		return (*ws)[i]
	}
	// Students are counted per site, as the desks were: each building
	// gives its share rounded down, and the remainder comes from the
	// first buildings.
	load := 0
	for _, b := range bs {
		load += vp.load[b]
	}
	students := p.students(load, dt)
	st := map[*Building]int{}
	left := students
	for _, b := range bs {
		st[b] = int(float64(vp.load[b]) * float64(students) / float64(max(1, load)))
		left -= st[b]
	}
	for _, b := range bs {
		if left > 0 && st[b] < vp.load[b] {
			st[b]++
			left--
		}
	}
	var pending []Group
	for _, b := range bs {
		pending = append(pending, floorGroups(b, vp.load[b]-st[b])...)
	}
	fillWholeFloors(pending, func(i int) *Window { return next(&main, i, dt.main, false) })
	for i := 0; students > 0; i++ {
		w := next(&stud, i, dt.students, true)
		take := min(w.Capacity, students)
		w.Groups = append(w.Groups, Group{Building: "students", People: take})
		students -= take
	}
	// Every window of the day is listed, empty ones too: walk-ins and
	// paper tickets use them.
	for i := range dt.main {
		next(&main, i, dt.main, false)
	}
	for i := range dt.students {
		next(&stud, i, dt.students, true)
	}
	return append(main, stud...)
}

// fillWholeFloors calls each unit-floor of pending (in order: nearest
// building first, floors bottom up) to one window, never two: a resident
// of floor 8 can tell which window is theirs. Each window takes the next
// floor in order, then fills the room it has left as closely as it can
// from the floors that follow (a subset sum over the next few dozen), so
// that whole floors lose no window's capacity and the day ends when the
// assignment planned it. A floor too big for any window is the one
// exception: it is split by rooms, as many as fit in each window.
func fillWholeFloors(pending []Group, window func(i int) *Window) {
	const lookahead = 64
	for wi := 0; len(pending) > 0; wi++ {
		w := window(wi)
		room := w.Capacity - w.People()
		if g := &pending[0]; g.People > w.Capacity {
			// Split by rooms: as many as fit here, the rest in the next.
			part, rest := splitByRooms(*g, room)
			if part.People == 0 && room == w.Capacity {
				// Not one household fits any window (windows of a few
				// minutes): its people are split, never the capacity.
				part, rest = *g, *g
				part.People, rest.People = room, g.People-room
				if part.Rooms == [2]int{} {
					part.Rooms = [2]int{g.FromFl*100 + 1, g.FromFl*100 + max(1, g.households)}
					rest.Rooms = part.Rooms
				}
				part.Rooms[1] = part.Rooms[0]
			}
			if part.People > 0 {
				w.add(part)
				if rest.People == 0 {
					pending = pending[1:]
				} else {
					*g = rest
				}
			}
			continue
		} else if g.People <= room {
			w.add(*g)
			room -= g.People
			pending = pending[1:]
		}
		// The closest fill of what is left from the floors that follow.
		n := min(len(pending), lookahead)
		if n == 0 || room <= 0 {
			continue
		}
		from := make([]int16, room+1) // item+1 that first reached each sum, 0 none
		prev := make([]int, room+1)
		reach := make([]bool, room+1)
		reach[0] = true
		for i := 0; i < n; i++ {
			c := pending[i].People
			if c > room || c <= 0 {
				continue
			}
			for sum := room; sum >= c; sum-- {
				if !reach[sum] && reach[sum-c] {
					reach[sum], from[sum], prev[sum] = true, int16(i+1), sum-c
				}
			}
		}
		best := room
		for !reach[best] {
			best--
		}
		take := make([]bool, n)
		for sum := best; sum > 0; sum = prev[sum] {
			take[int(from[sum])-1] = true
		}
		for i, g := range pending[:n] {
			if take[i] {
				w.add(g)
			}
		}
		// Only the first n can be taken: close their gaps in place
		// rather than copy every floor left (a copy per window made a
		// site's schedule quadratic in its floors).
		k := n
		for i := n - 1; i >= 0; i-- {
			if !take[i] {
				k--
				pending[k] = pending[i]
			}
		}
		pending = pending[k:]
	}
}

// splitByRooms takes from floor group g the first rooms whose households
// fit in room people, and returns them and the rest of the floor. The
// floor's people are spread evenly over its households, the remainder to
// the first.
func splitByRooms(g Group, room int) (part, rest Group) {
	first, last := g.Rooms[0], g.Rooms[1]
	if first == 0 {
		first, last = g.FromFl*100+1, g.FromFl*100+max(1, g.households)
	}
	hh := last - first + 1
	size := func(k int) int { // people of the floor's k-th remaining household
		n := g.People / hh
		if k < g.People%hh {
			n++
		}
		return n
	}
	took, people := 0, 0
	for took < hh-1 && people+size(took) <= room {
		people += size(took)
		took++
	}
	part, rest = g, g
	part.People, part.Rooms = people, [2]int{first, first + took - 1}
	rest.People, rest.Rooms = g.People-people, [2]int{first + took, last}
	rest.households = hh - took
	return part, rest
}

// add puts g in the window, merging it with the last group when it is the
// next floor of the same unit.
func (w *Window) add(g Group) {
	if n := len(w.Groups); n > 0 {
		last := &w.Groups[n-1]
		if last.Building == g.Building && last.Unit == g.Unit && last.Rooms == [2]int{} && g.Rooms == [2]int{} && (last.ToFl == g.FromFl || last.ToFl+1 == g.FromFl) {
			last.ToFl = g.ToFl
			last.People += g.People
			return
		}
	}
	w.Groups = append(w.Groups, g)
}

// floorGroups splits a building's people evenly over its units and floors
// (the remainder to the lower floors): one group per unit-floor.
func floorGroups(b *Building, people int) []Group {
	units, levels := max(1, b.Units), max(1, b.Levels)
	cells := units * levels
	households := b.Households
	if households == 0 {
		households = int(math.Round(float64(b.Residents) / PeoplePerHousehold))
	}
	// Households on each floor, for listing the rooms of a floor too big
	// for one window: at least one per PeoplePerHousehold residents.
	perFloor := max(1, int(math.Round(float64(households)/float64(cells))), int(math.Round(float64(people)/float64(cells)/PeoplePerHousehold)))
	var out []Group
	for u := 1; u <= units; u++ {
		for f := 1; f <= levels; f++ {
			i := (u-1)*levels + (f - 1)
			n := people / cells
			if i < people%cells {
				n++
			}
			if n > 0 {
				out = append(out, Group{Building: b.ID, Unit: fmt.Sprint(u), FromFl: f, ToFl: f, People: n, households: perFloor})
			}
		}
	}
	return out
}
