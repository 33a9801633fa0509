package queue

import (
	"context"
	"strconv"
	"strings"
)

// siteOf finds the compound of a site for a staff member: their own
// compound when it has the site, ErrForbidden when only another has it.
// "compound~site" names a compound's site when compounds share site ids.
func (s *Service) siteOf(st *Staff, site string) (*Plan, string, error) {
	compound := st.Compound
	if c, x, ok := strings.Cut(site, "~"); ok {
		// "compound~site" names a site when two compounds use one id.
		if c != st.Compound {
			return nil, "", ErrForbidden
		}
		site = x
	}
	if p, err := s.current(compound); err == nil && p.hasSite(site) {
		return p, site, nil
	}
	for _, c := range s.CompoundIDs() {
		if p, err := s.current(c); err == nil && p.hasSite(site) {
			return nil, "", ErrForbidden
		}
	}
	return nil, "", ErrNoSite
}

// staffTicket verifies a ticket token for a staff action on it.
func (s *Service) staffTicket(st *Staff, role, token string) (*Plan, uint64, error) {
	if err := may(st, "", role); err != nil {
		return nil, 0, err
	}
	c, id, err := s.verify(token)
	if err != nil {
		return nil, 0, err
	}
	if c != st.Compound {
		return nil, 0, ErrForbidden
	}
	p, err := s.current(c)
	return p, id, err
}

// CheckIn admits a ticket's party into site's line. It refuses, saying
// why and what to do, a ticket for another site, too early or too late, a
// finished one, and any party the one-metre line cannot hold.
func (s *Service) CheckIn(ctx context.Context, st *Staff, site, token string) (*TicketView, error) {
	if err := may(st, "", RoleMarshal); err != nil {
		return nil, err
	}
	p, site, err := s.siteOf(st, site)
	if err != nil {
		return nil, err
	}
	c, id, err := s.verify(token)
	if err != nil {
		return nil, err
	}
	if c != st.Compound {
		return nil, ErrForbidden
	}
	caps := [2]int{}
	for i, v := range []string{"dry", "wet"} {
		if x := p.site(v, site); x != nil {
			caps[i] = x.LineCapacity
		}
	}
	k := keysOf(c)
	v, err := s.run(ctx, "checkin", []string{k.tk(), k.r(p.Date, "win"), k.r(p.Date, "line"), k.r(p.Date, "occ")},
		id, p.Date, site, s.now().UnixMilli(), s.opts.Grace.Milliseconds(), s.opts.Early.Milliseconds(), caps[0], caps[1])
	if err != nil {
		return nil, s.refusal(err)
	}
	if v == "already" {
		return s.ticket(ctx, c, id)
	}
	s.m.CheckIns.WithLabelValues(c).Inc()
	return s.changed(ctx, c, id, "checked_in")
}

// CallNext calls the earliest checked-in ticket of site to the desks.
func (s *Service) CallNext(ctx context.Context, st *Staff, site string) (*TicketView, error) {
	if err := may(st, "", RoleMarshal); err != nil {
		return nil, err
	}
	p, site, err := s.siteOf(st, site)
	if err != nil {
		return nil, err
	}
	k := keysOf(p.Compound.ID)
	v, err := s.run(ctx, "call", []string{k.tk(), k.r(p.Date, "line")}, site, s.now().UnixMilli())
	if err != nil {
		return nil, s.refusal(err)
	}
	id, _ := strconv.ParseUint(v.(string), 10, 64)
	return s.changed(ctx, p.Compound.ID, id, "called")
}

// NoShowResult is what marking a called ticket unanswered did.
type NoShowResult struct {
	Ticket *TicketView `json:"ticket"`
	// NoShow is true when the ticket became a no-show; false when it went
	// back to the head of the line to be called again.
	NoShow bool `json:"no_show"`
	Calls  int  `json:"calls"`
	Needed int  `json:"calls_before_noshow"`
}

// NoShow records that a called ticket was not answered (see noshow.lua).
func (s *Service) NoShow(ctx context.Context, st *Staff, token string) (*NoShowResult, error) {
	p, id, err := s.staffTicket(st, RoleMarshal, token)
	if err != nil {
		return nil, err
	}
	k := keysOf(p.Compound.ID)
	v, err := s.run(ctx, "noshow", []string{k.tk(), k.r(p.Date, "hh"), k.r(p.Date, "win"), k.r(p.Date, "line"), k.r(p.Date, "occ")},
		id, p.Date, s.now().UnixMilli(), s.opts.CallsBeforeNoShow, s.opts.Grace.Milliseconds())
	if err != nil {
		return nil, s.refusal(err)
	}
	res := v.([]any)
	r := &NoShowResult{NoShow: res[0] == "no_show", Calls: int(res[1].(int64)), Needed: s.opts.CallsBeforeNoShow}
	ev := "recalled"
	if r.NoShow {
		ev = "no_show"
	}
	r.Ticket, err = s.changed(ctx, p.Compound.ID, id, ev)
	return r, err
}

// Sampled records that a ticket's party was sampled, into tube when it is
// not "" (at most Options.TubeSize samples to a tube).
func (s *Service) Sampled(ctx context.Context, st *Staff, token, tube string) (*TicketView, error) {
	p, id, err := s.staffTicket(st, RoleMarshal, token)
	if err != nil {
		return nil, err
	}
	tube = strings.TrimSpace(tube)
	if len(tube) > 32 || strings.ContainsAny(tube, "|{}\n") {
		return nil, BadField("tube", "无效的管号", "not a tube code")
	}
	k := keysOf(p.Compound.ID)
	tubeSet := k.r(p.Date, "tube:"+tube)
	_, err = s.run(ctx, "sampled", []string{k.tk(), k.r(p.Date, "win"), k.r(p.Date, "line"), k.r(p.Date, "occ"), k.r(p.Date, "tubes"), tubeSet},
		id, p.Date, s.now().UnixMilli(), tube, s.opts.TubeSize)
	if err != nil {
		return nil, s.refusal(err)
	}
	return s.changed(ctx, p.Compound.ID, id, "sampled")
}

// Tube lists the tickets (households) pooled in a tube this round.
func (s *Service) Tube(ctx context.Context, st *Staff, compound, tube string) ([]*TicketView, error) {
	if err := may(st, compound, RoleMarshal); err != nil {
		return nil, err
	}
	p, err := s.current(compound)
	if err != nil {
		return nil, err
	}
	ids, err := s.rdb.SMembers(ctx, keysOf(compound).r(p.Date, "tube:"+tube)).Result()
	if err != nil {
		return nil, storeErr(err)
	}
	out := []*TicketView{}
	for _, x := range ids {
		id, _ := strconv.ParseUint(x, 10, 64)
		t, err := s.ticket(ctx, compound, id)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Move is one ticket moved by a weather switch.
type Move struct {
	Ticket     *TicketView `json:"ticket"`
	FromWindow int         `json:"from_window"`
	Retimed    bool        `json:"retimed"` // the new window starts at another time
}

// SwitchResult is what a weather switch did.
type SwitchResult struct {
	Compound string `json:"compound"`
	Variant  string `json:"variant"`
	Moved    []Move `json:"moved"`
}

// SwitchVariant moves the compound's round onto variant (dry or wet); every
// ticket still to be sampled follows, in booking order, and its holder is
// told through its events. Nothing changes when a ticket finds no room.
func (s *Service) SwitchVariant(ctx context.Context, st *Staff, compound, variant string) (*SwitchResult, error) {
	if err := may(st, compound, RoleCoordinator); err != nil {
		return nil, err
	}
	p, err := s.current(compound)
	if err != nil {
		return nil, err
	}
	ok := false
	for _, v := range p.Variants {
		ok = ok || v == variant
	}
	if !ok {
		return nil, BadField("variant", "该方案没有此天气方案", "the plan has no variant "+strconv.Quote(variant))
	}
	args := []any{s.now().UnixMilli(), variant, 0}
	n := 0
	groups := map[string][]string{}
	var order []string
	for _, w := range p.Windows {
		if w.Variant != variant {
			continue
		}
		args = append(args, w.Index, w.Site, w.Capacity, w.Start.UnixMilli(), w.End.UnixMilli())
		n++
	}
	args[2] = n
	// Every building|unit the plan names, and every building|"" (the whole
	// building), gets its list of windows in the target variant.
	seen := map[string]bool{}
	for _, w := range p.Windows {
		for _, g := range w.Groups {
			for _, key := range []string{g.Building + "|" + g.Unit, g.Building + "|"} {
				if seen[key] {
					continue
				}
				seen[key] = true
				b, u, _ := strings.Cut(key, "|")
				var list []string
				for _, c := range p.candidates(variant, b, u) {
					people := 0
					for _, g := range c.Groups {
						if g.Building == b && (g.Unit == "" || g.Unit == u) {
							people += g.People
						}
					}
					list = append(list, strconv.Itoa(c.Index)+":"+strconv.Itoa(people))
				}
				if len(list) > 0 {
					groups[key] = list
					order = append(order, key)
				}
			}
		}
	}
	for _, w := range p.Windows {
		for _, g := range w.Groups {
			key := g.Building + "|*"
			if seen[key] {
				continue
			}
			seen[key] = true
			var list []string
			for _, x := range p.Windows {
				if x.Variant != variant {
					continue
				}
				for _, xg := range x.Groups {
					if xg.Building == g.Building {
						list = append(list, strconv.Itoa(x.Index))
						break
					}
				}
			}
			if len(list) > 0 {
				groups[key] = list
				order = append(order, key)
			}
		}
	}
	var all []string
	for _, w := range p.Windows {
		if w.Variant == variant {
			all = append(all, strconv.Itoa(w.Index))
		}
	}
	groups["*"] = all
	order = append(order, "*")
	args = append(args, len(order))
	for _, key := range order {
		args = append(args, key, strings.Join(groups[key], ","))
	}
	k := keysOf(compound)
	v, err := s.run(ctx, "switch", []string{k.r(p.Date, "state"), k.tk(), k.r(p.Date, "order"), k.r(p.Date, "win"),
		k.r(p.Date, "line"), k.r(p.Date, "occ")}, args...)
	if err != nil {
		return nil, s.refusal(err)
	}
	flat := v.([]any)
	res := &SwitchResult{Compound: compound, Variant: variant, Moved: []Move{}}
	var ids []uint64
	var from []int
	for i := 0; i+2 < len(flat); i += 3 {
		id, _ := strconv.ParseUint(flat[i].(string), 10, 64)
		w, _ := strconv.Atoi(flat[i+1].(string))
		ids, from = append(ids, id), append(from, w)
	}
	ts, err := s.tickets(ctx, compound, ids)
	if err != nil {
		return nil, err
	}
	for i, t := range ts {
		old, _ := p.window(from[i])
		res.Moved = append(res.Moved, Move{Ticket: t, FromWindow: from[i], Retimed: !old.Start.Equal(t.Window.Start)})
	}
	s.publishAll(ctx, ts, "moved")
	s.publishSites(ctx, p, "variant")
	return res, nil
}

// Variant returns the active variant of a compound's current round.
func (s *Service) Variant(ctx context.Context, compound string) (string, error) {
	p, err := s.current(compound)
	if err != nil {
		return "", err
	}
	v, err := s.rdb.HGet(ctx, keysOf(compound).r(p.Date, "state"), "variant").Result()
	if err != nil {
		return "", storeErr(err)
	}
	return v, nil
}
