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
// order of walking distance, nearest first, floors bottom up; a window takes
// people until full, and a floor that does not fit goes on in the next.
func (vp *VariantPlan) schedule(p Params, dt dayTimes, order []*Building) {
	bySite := map[*Site][]*Building{}
	for _, b := range order {
		if s := vp.Site[b]; s != nil {
			bySite[s] = append(bySite[s], b)
		}
	}
	for _, s := range vp.Sites {
		d := vp.Desks[s]
		if d == 0 {
			continue
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
		for _, b := range bySite[s] {
			load += vp.load[b]
		}
		students := p.students(load, dt)
		st := map[*Building]int{}
		left := students
		for _, b := range bySite[s] {
			st[b] = int(float64(vp.load[b]) * float64(students) / float64(max(1, load)))
			left -= st[b]
		}
		for _, b := range bySite[s] {
			if left > 0 && st[b] < vp.load[b] {
				st[b]++
				left--
			}
		}
		wi := 0
		for _, b := range bySite[s] {
			for _, g := range floorGroups(b, vp.load[b]-st[b]) {
				for g.People > 0 {
					w := next(&main, wi, dt.main, false)
					room := w.Capacity - w.People()
					if room == 0 {
						wi++
						continue
					}
					take := min(room, g.People)
					part := g
					part.People = take
					w.add(part)
					g.People -= take
				}
			}
		}
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
		vp.Windows = append(vp.Windows, main...)
		vp.Windows = append(vp.Windows, stud...)
	}
	sort.SliceStable(vp.Windows, func(i, j int) bool {
		if !vp.Windows[i].Start.Equal(vp.Windows[j].Start) {
			return vp.Windows[i].Start.Before(vp.Windows[j].Start)
		}
		return vp.Windows[i].Site.ID < vp.Windows[j].Site.ID
	})
}

// add puts g in the window, merging it with the last group when it is the
// next floor of the same unit.
func (w *Window) add(g Group) {
	if n := len(w.Groups); n > 0 {
		last := &w.Groups[n-1]
		if last.Building == g.Building && last.Unit == g.Unit && (last.ToFl == g.FromFl || last.ToFl+1 == g.FromFl) {
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
	var out []Group
	for u := 1; u <= units; u++ {
		for f := 1; f <= levels; f++ {
			i := (u-1)*levels + (f - 1)
			n := people / cells
			if i < people%cells {
				n++
			}
			if n > 0 {
				out = append(out, Group{Building: b.ID, Unit: fmt.Sprint(u), FromFl: f, ToFl: f, People: n})
			}
		}
	}
	return out
}
