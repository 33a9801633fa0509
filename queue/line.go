package queue

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// SiteLine is a site's line as its desks and its display see it: who is
// called to each desk, and who waits, in the order they will be called.
type SiteLine struct {
	Compound     string      `json:"compound"`
	Site         string      `json:"site"`
	SiteName     string      `json:"site_name,omitempty"`
	Variant      string      `json:"variant"`
	Desks        int         `json:"desks"` // the active variant's, or more while a higher desk has a call
	LineCapacity int         `json:"line_capacity"`
	InLine       int         `json:"in_line"` // people checked in or called
	Called       []LineEntry `json:"called"`  // one per desk with an open call, by desk
	Waiting      []LineEntry `json:"waiting"` // in the order they will be called, the first LineShown
	// WaitingMore is the parties waiting after those listed.
	WaitingMore int       `json:"waiting_more"`
	Now         time.Time `json:"now"`
	// Forecast is the model's forecast for the site (forecast.go); each
	// entry's Turn is its party's.
	Forecast *SiteForecast `json:"forecast,omitempty"`
	// Closed says the site has no place in the round's active variant
	// (the rain plan moved its line elsewhere); MovedTo is where the
	// buildings it serves in the other variants go now.
	Closed  bool      `json:"closed,omitempty"`
	MovedTo []MovedTo `json:"moved_to,omitempty"`

	// more are the parties waiting after those listed, as the line's
	// members tell them (id, party, check-in): the forecast's model
	// takes the whole line.
	more []LineEntry
}

// MovedTo is a site of the active variant that takes buildings of a
// closed one, with their names (or ids) in the plan's order; Site ""
// holds the buildings sampled door to door in the active variant.
type MovedTo struct {
	Site      string   `json:"site"`
	SiteName  string   `json:"site_name,omitempty"`
	Buildings []string `json:"buildings"`
}

// LineEntry is one ticket in a site's line.
type LineEntry struct {
	ID           uint64     `json:"id"`               // the ticket's short number
	Ticket       string     `json:"ticket,omitempty"` // its signed token; none on a display's line
	Building     string     `json:"building"`
	BuildingName string     `json:"building_name,omitempty"`
	Unit         string     `json:"unit"`
	Room         string     `json:"room"`
	Party        int        `json:"party"`
	State        string     `json:"state"`
	Desk         int        `json:"desk,omitempty"`
	Calls        int        `json:"calls"`
	CheckedIn    time.Time  `json:"checked_in_at"`
	CalledAt     *time.Time `json:"called_at,omitempty"`
	Waited       int        `json:"waited_min"` // minutes since check-in
	Window       Span       `json:"window"`
	// Outside is true when the household checked in before its window
	// opened or after it closed; never for one in line when the rain
	// switch gave it its window (switch.lua), after it had checked in.
	Outside bool `json:"outside_window"`
	// Recall is true for a missed call waiting for someone else to be
	// called before it is called again.
	Recall bool `json:"recall,omitempty"`
	// Turn is when a desk should take the party (called: when it was).
	Turn *Turn `json:"turn,omitempty"`
}

// Line returns site's line for its desks and its display.
func (s *Service) Line(ctx context.Context, st *Staff, site string) (*SiteLine, error) {
	if err := may(st, "", RoleDisplay); err != nil {
		return nil, err
	}
	p, site, err := s.siteOf(st, site)
	if err != nil {
		return nil, err
	}
	if bound := displaySite(st); bound != "" && bound != site {
		return nil, withDetail(ErrForbidden, "（这块叫号屏属于采样点 "+bound+"）", " (this call screen is site "+bound+"'s)")
	}
	l, _, err := s.line(ctx, p, site)
	if err == nil && st.Role == RoleDisplay {
		// A call screen's token travels in its link and QR code: its line
		// carries no ticket's token, which would let whoever read it cancel
		// the people waiting (a resident's cancel takes the token alone).
		l.Called, l.Waiting = withoutTokens(l.Called), withoutTokens(l.Waiting)
	}
	return l, err
}

// withoutTokens is es with no entry's ticket token.
func withoutTokens(es []LineEntry) []LineEntry {
	out := make([]LineEntry, len(es))
	for i, e := range es {
		e.Ticket = ""
		out[i] = e
	}
	return out
}

// line reads site's line and its forecast (nil when the plan has no
// rate).
func (s *Service) line(ctx context.Context, p *Plan, site string) (*SiteLine, *siteForecast, error) {
	c := p.Compound.ID
	k := keysOf(c)
	pipe := s.rdb.Pipeline()
	variant := pipe.HGet(ctx, k.r(p.Date, "state"), "variant")
	switched := pipe.HGet(ctx, k.r(p.Date, "state"), "switched") // the last rain switch, unix ms
	members := pipe.ZRangeByLex(ctx, k.r(p.Date, "line"), &redis.ZRangeBy{Min: "[" + site + "|", Max: "[" + site + "|~"})
	desks := pipe.HGetAll(ctx, k.r(p.Date, "desk"))
	occ := pipe.HGet(ctx, k.r(p.Date, "occ"), site)
	calln := pipe.HGet(ctx, k.r(p.Date, "calln"), site)
	fr := s.queueForecastReads(ctx, pipe, p, site, &forecastReads{variant: variant, occ: occ, calln: calln})
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, storeErr(err)
	}
	now := s.now()
	ms, _ := switched.Int64()
	lastSwitch := time.UnixMilli(ms)
	out := &SiteLine{Compound: c, Site: site, Variant: variant.Val(), Desks: p.desks(site), Called: []LineEntry{}, Waiting: []LineEntry{}, Now: now.In(p.TZ)}
	if x := p.site(out.Variant, site); x != nil && x.Desks > 0 {
		// The active variant's desks (a site may have 2 on a dry day and
		// 12 under the rain plan's canopies), raised below to any desk
		// with an open call: the forecast's pace and the tablet's choice
		// of desk are the day's, not the most of any variant's.
		out.SiteName, out.LineCapacity, out.Desks = x.Name, x.LineCapacity, x.Desks
	} else if out.Variant != "" {
		out.SiteName, out.Closed, out.MovedTo = p.siteName(site), true, p.movedTo(site, out.Variant)
	}
	out.InLine, _ = strconv.Atoi(occ.Val())
	n, _ := strconv.Atoi(calln.Val())
	var ids []uint64
	for i, m := range members.Val() {
		id, party := lineMember(m)
		if i >= s.opts.LineShown {
			out.more = append(out.more, LineEntry{ID: id, Party: party, State: "checked_in", CheckedIn: lineMemberAt(m).In(p.TZ)})
			continue
		}
		ids = append(ids, id)
	}
	out.WaitingMore = len(out.more)
	nWaiting := len(ids)
	for dk, v := range desks.Val() {
		if strings.HasPrefix(dk, site+"|") {
			id, _ := strconv.ParseUint(v, 10, 64)
			ids = append(ids, id)
		}
	}
	ts, err := s.tickets(ctx, c, ids)
	if err != nil {
		return nil, nil, err
	}
	rcs := []*redis.StringCmd{}
	pipe = s.rdb.Pipeline()
	for _, id := range ids[:nWaiting] {
		rcs = append(rcs, pipe.HGet(ctx, k.ticket(strconv.FormatUint(id, 10)), "rc"))
	}
	if nWaiting > 0 {
		pipe.Exec(ctx)
	}
	entry := func(t *TicketView) LineEntry {
		e := LineEntry{ID: t.ID, Ticket: t.Ticket, Building: t.Household.Building, Unit: t.Household.Unit, Room: t.Household.Room,
			Party: t.Party, State: t.State, Desk: t.Desk, Calls: t.Calls, CalledAt: t.CalledAt, Window: t.Window}
		if b := p.building(e.Building); b != nil {
			e.BuildingName = b.Name
		}
		if t.CheckedIn != nil {
			e.CheckedIn = *t.CheckedIn
			e.Waited = int(now.Sub(*t.CheckedIn) / time.Minute)
			e.Outside = (t.CheckedIn.Before(t.Window.Start) || t.CheckedIn.After(t.Window.End)) && t.CheckedIn.After(lastSwitch)
		}
		return e
	}
	type recall struct {
		e     LineEntry
		after int
	}
	var later []recall
	for i, t := range ts {
		if i >= nWaiting {
			if t.State == "called" && t.Site == site {
				out.Called = append(out.Called, entry(t))
			}
			continue
		}
		e := entry(t)
		if rc, err := rcs[i].Int(); err == nil && rc > n {
			e.Recall = true
			later = append(later, recall{e, rc - n})
			continue
		}
		out.Waiting = append(out.Waiting, e)
	}
	// The order call.lua calls in: a missed call comes back, in its place
	// by check-in, once that many others have been called.
	for i := len(later) - 1; i >= 0; i-- {
		at := min(later[i].after, len(out.Waiting))
		out.Waiting = append(out.Waiting[:at], append([]LineEntry{later[i].e}, out.Waiting[at:]...)...)
	}
	sortByDesk(out.Called)
	for _, e := range out.Called {
		out.Desks = max(out.Desks, e.Desk) // called before a rain switch, at a desk the new variant lacks
	}
	f := s.forecastLine(p, out, fr)
	if f != nil {
		out.Forecast = f.f
		for _, es := range [][]LineEntry{out.Called, out.Waiting} {
			for i := range es {
				if x, ok := f.line[es[i].ID]; ok && !x.At.IsZero() {
					tn := turnOf(x, p.TZ)
					tn.WaitMin = int((max(0, tn.At.Sub(now)) + 30*time.Second) / time.Minute)
					es[i].Turn = &tn
				}
			}
		}
	}
	return out, f, nil
}

func sortByDesk(es []LineEntry) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Desk < es[j-1].Desk; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// lineMemberAt is the check-in time of a line member.
func lineMemberAt(m string) time.Time {
	if len(m) < 31 {
		return time.Time{}
	}
	ms, _ := strconv.ParseInt(m[len(m)-31:len(m)-16], 10, 64)
	return time.UnixMilli(ms)
}

// lineMember is the ticket id and party of a line member
// ("site|checkin ms|id|party", line_member in prelude.lua).
func lineMember(m string) (id uint64, party int) {
	if len(m) < 16 {
		return 0, 0
	}
	id, _ = strconv.ParseUint(m[len(m)-15:len(m)-3], 10, 64)
	party, _ = strconv.Atoi(m[len(m)-2:])
	return id, party
}
