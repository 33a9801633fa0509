package queue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
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
	sh, err := s.deskStaff(st)
	if err != nil {
		return nil, err
	}
	p, site, err := s.siteOf(st, site)
	if err != nil {
		return nil, s.StaffFirst(ctx, st, err)
	}
	c, id, err := s.verify(token)
	if err != nil {
		return nil, s.StaffFirst(ctx, st, err)
	}
	if c != st.Compound {
		return nil, s.StaffFirst(ctx, st, ErrForbidden)
	}
	caps := [2]int{}
	for i, v := range []string{"dry", "wet"} {
		if x := p.site(v, site); x != nil {
			caps[i] = x.LineCapacity
		}
	}
	now := s.now().UnixMilli()
	v, err := s.run(ctx, "checkin", p.checkinKeys, id, p.Date, site, now, s.opts.Grace.Milliseconds(), s.opts.Early.Milliseconds(),
		caps[0], caps[1], sh)
	if err != nil {
		return nil, s.checkInRefusal(p, err)
	}
	s.m.CheckIns.WithLabelValues(c).Inc()
	return s.toldReply(p, c, v, signed{id, token})
}

// wrongSite is ErrWrongSite for a ticket of site, named as the marshal's
// sign and the resident's phone name it ("s2 会所门廊").
func (s *Service) wrongSite(p *Plan, site string) error {
	s.m.Refusals.WithLabelValues(string(ErrWrongSite.Code)).Inc()
	name := site
	if n := p.siteName(site); n != "" {
		name += " " + n
	}
	return withDetail(ErrWrongSite, "，请到采样点 "+name, "; send the resident to site "+name)
}

// checkInRefusal words the check-in refusals that carry times, on the
// compound's clock: a second scan (ALREADY_IN "<checkin ms> <state>
// <desk>") is a warning, not a second check-in; one too early or too late
// (TOO_EARLY, TOO_LATE "<window start ms> <end ms>") says the window and
// when check-in opens or closed, so that the marshal can tell the
// resident when to come back. Any other goes to refusal.
func (s *Service) checkInRefusal(p *Plan, err error) error {
	var sr *scriptReply
	if !errors.As(err, &sr) {
		return err
	}
	code, detail := sr.code()
	f := strings.Fields(detail)
	for len(f) < 3 {
		f = append(f, "")
	}
	first, _ := strconv.ParseInt(f[0], 10, 64)  // the check-in, or the window's start
	second, _ := strconv.ParseInt(f[1], 10, 64) // the window's end
	hm := func(ms int64) string { return time.UnixMilli(ms).In(p.TZ).Format("15:04") }
	span := hm(first) + "–" + hm(second)
	var e *Error
	switch code {
	case "ALREADY_IN":
		at := hm(first)
		e = &Error{Code: ErrAlreadyIn.Code, Message: "已于 " + at + " 签到", MessageEn: "already checked in at " + at}
		if f[1] == "called" {
			e.Message += "，已叫到 " + f[2] + " 号台"
			e.MessageEn += "; called to desk " + f[2]
		}
	case "TOO_EARLY":
		from := hm(first - s.opts.Early.Milliseconds())
		e = withDetail(ErrTooEarly, "（时段 "+span+"，"+from+" 起可签到）", " (window "+span+"; check-in opens at "+from+")")
	case "TOO_LATE":
		until := hm(second + s.opts.Grace.Milliseconds())
		e = withDetail(ErrTooLate, "（时段 "+span+"，签到到 "+until+" 为止）", " (window "+span+"; check-in closed at "+until+")")
	case "WRONG_SITE":
		return s.wrongSite(p, detail)
	default:
		return s.refusal(err)
	}
	s.m.Refusals.WithLabelValues(string(e.Code)).Inc()
	return e
}

// CallNext calls the next checked-in ticket of site to desk (1 to the
// site's desks). A desk calls one person at a time: while its last call is
// still open it refuses with ErrDeskBusy (a *DeskBusyError naming the
// ticket), and the desk says first whether that person was sampled,
// missed or is queued back. A missed ticket is called again only after
// someone else has been called at the site, unless nobody else waits.
func (s *Service) CallNext(ctx context.Context, st *Staff, site string, desk int) (*TicketView, error) {
	sh, err := s.deskStaff(st)
	if err != nil {
		return nil, err
	}
	p, site, err := s.siteOf(st, site)
	if err != nil {
		return nil, s.StaffFirst(ctx, st, err)
	}
	if desk == 0 {
		desk = 1
	}
	if desk < 1 || desk > p.desks(site) {
		return nil, s.StaffFirst(ctx, st, BadField("desk", fmt.Sprintf("本采样点只有 1 到 %d 号台", p.desks(site)), fmt.Sprintf("the site has desks 1 to %d", p.desks(site))))
	}
	return s.callNext(ctx, p, site, desk, false, sh)
}

// DeskBusyError is ErrDeskBusy with the desk's called ticket.
type DeskBusyError struct {
	Err    *Error
	Ticket *TicketView
}

func (e *DeskBusyError) Error() string { return e.Err.Error() }
func (e *DeskBusyError) Unwrap() error { return e.Err }

// callNext calls at desk; sh is the staff token's hash the script checks
// first in the compound's staff hash (deskStaff; "" when checked before).
func (s *Service) callNext(ctx context.Context, p *Plan, site string, desk int, afterMiss bool, sh string) (*TicketView, error) {
	c := p.Compound.ID
	strict := "0"
	if afterMiss {
		strict = "1"
	}
	v, err := s.run(ctx, "call", p.callKeys, site, s.now().UnixMilli(), desk, strict, sh)
	if err != nil {
		var sr *scriptReply
		if errors.As(err, &sr) {
			if code, detail := sr.code(); code == "DESK_BUSY" {
				id, _ := strconv.ParseUint(detail, 10, 64)
				t, terr := s.ticket(ctx, c, id)
				if terr != nil {
					return nil, terr
				}
				return nil, &DeskBusyError{Err: s.refusal(err).(*Error), Ticket: t}
			}
		}
		return nil, s.refusal(err)
	}
	return s.toldReply(p, c, v, signed{})
}

// NoShowResult is what marking a called ticket unanswered did.
type NoShowResult struct {
	Ticket *TicketView `json:"ticket"`
	// NoShow is true when the ticket became a no-show; false when it went
	// back to its place in the line to be called again.
	NoShow bool `json:"no_show"`
	Calls  int  `json:"calls"`
	Needed int  `json:"calls_before_noshow"`
	// Next is who the desk called at once instead (nil: nobody else is
	// waiting).
	Next *TicketView `json:"next,omitempty"`
}

// NoShow records that a called ticket was not answered (see noshow.lua)
// and calls the next person to the same desk at once; the missed one is
// called again after them.
func (s *Service) NoShow(ctx context.Context, st *Staff, token string) (*NoShowResult, error) {
	return s.uncall(ctx, st, token, "miss")
}

// Requeue puts a called ticket back in its place in the line without
// counting the call (the person stepped aside, the desk needs a break).
func (s *Service) Requeue(ctx context.Context, st *Staff, token string) (*NoShowResult, error) {
	return s.uncall(ctx, st, token, "requeue")
}

func (s *Service) uncall(ctx context.Context, st *Staff, token, mode string) (*NoShowResult, error) {
	p, id, err := s.staffTicket(st, RoleMarshal, token)
	if err != nil {
		return nil, err
	}
	k := keysOf(p.Compound.ID)
	v, err := s.run(ctx, "noshow", []string{k.tk(), k.r(p.Date, "hh"), k.r(p.Date, "win"), k.r(p.Date, "line"), k.r(p.Date, "occ"),
		k.r(p.Date, "calln"), k.r(p.Date, "fv"), k.r(p.Date, "ppl")}, id, p.Date, s.now().UnixMilli(), s.opts.CallsBeforeNoShow, s.opts.Grace.Milliseconds(), mode)
	if err != nil {
		if err = s.refusal(err); mode == "requeue" && errors.Is(err, ErrNotCalled) {
			err = errNotCalledBack
		}
		return nil, err
	}
	res, _ := v.([]any)
	if len(res) != 4 {
		return nil, storeErr(fmt.Errorf("queue: noshow: a reply of %d values, want 4", len(res)))
	}
	calls, _ := res[1].(int64)
	r := &NoShowResult{NoShow: res[0] == "no_show", Calls: int(calls), Needed: s.opts.CallsBeforeNoShow}
	desk, _ := strconv.Atoi(fmt.Sprint(res[2]))
	if r.Ticket, err = s.toldReply(p, p.Compound.ID, res[3], signed{id, token}); err != nil {
		return r, err
	}
	if mode == "miss" && desk > 0 && r.Ticket.State != "booked" {
		next, err := s.callNext(ctx, p, r.Ticket.Site, desk, true, "")
		if err != nil && !errors.Is(err, ErrLineEmpty) && !errors.Is(err, ErrDeskBusy) {
			return r, err
		}
		r.Next = next
	}
	return r, nil
}

// RepeatCall calls a called ticket again (on the site's display), without
// counting a call.
func (s *Service) RepeatCall(ctx context.Context, st *Staff, token string) (*TicketView, error) {
	p, id, err := s.staffTicket(st, RoleMarshal, token)
	if err != nil {
		return nil, err
	}
	k := keysOf(p.Compound.ID)
	v, err := s.run(ctx, "repeat", []string{k.tk(), k.r(p.Date, "occ"), k.r(p.Date, "line")}, id, s.now().UnixMilli())
	if err != nil {
		if err = s.refusal(err); errors.Is(err, ErrNotCalled) {
			err = errNotCalledAgain
		}
		return nil, err
	}
	return s.toldReply(p, p.Compound.ID, v, signed{id, token})
}

// Sampled records that a ticket's party was sampled, into tube when it is
// not "" (at most Options.TubeSize samples to a tube), at any site of the
// compound: SampledAt at the desk's.
func (s *Service) Sampled(ctx context.Context, st *Staff, token, tube string) (*TicketView, error) {
	return s.SampledAt(ctx, st, "", token, tube)
}

// SampledAt is Sampled at a desk of site (its id, or "" for any): a
// ticket of another site's line (the rain switch moved it there while the
// desk had it called) is refused with ErrWrongSite, naming its site, as
// a check-in is, so that its sample is counted at the site it waits at.
func (s *Service) SampledAt(ctx context.Context, st *Staff, site, token, tube string) (*TicketView, error) {
	sh, err := s.deskStaff(st)
	if err != nil {
		return nil, err
	}
	var p *Plan
	if site != "" {
		if p, site, err = s.siteOf(st, site); err != nil {
			return nil, s.StaffFirst(ctx, st, err)
		}
	}
	c, id, err := s.verify(token)
	if err != nil {
		return nil, s.StaffFirst(ctx, st, err)
	}
	if c != st.Compound {
		return nil, s.StaffFirst(ctx, st, ErrForbidden)
	}
	if p == nil {
		if p, err = s.current(c); err != nil {
			return nil, s.StaffFirst(ctx, st, err)
		}
	}
	if tube, err = checkTube(tube); err != nil {
		return nil, s.StaffFirst(ctx, st, err)
	}
	v, err := s.run(ctx, "sampled", p.sampledKeys(tube), id, p.Date, s.now().UnixMilli(), tube, s.opts.TubeSize, sh, site)
	if err != nil {
		var sr *scriptReply
		if errors.As(err, &sr) {
			if code, detail := sr.code(); code == "WRONG_SITE" {
				return nil, s.wrongSite(p, detail)
			}
		}
		return nil, s.refusal(err)
	}
	return s.toldReply(p, p.Compound.ID, v, signed{id, token})
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
	if tube, err = checkTube(tube); err != nil {
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
	FromSite   string      `json:"from_site"`
	Retimed    bool        `json:"retimed"` // the new window starts at another time
	// What is "booked" (a booked ticket given a window of the new
	// variant), "kept" (in line at a site the new variant keeps: same
	// state and place) or "moved" (in line at a site the new variant does
	// not use: sent, checked in, to its building's new site, ahead of
	// later arrivals).
	What string `json:"what"`
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
				for _, i := range p.candidates(variant, b, u) {
					c := &p.Windows[i]
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
	// A household's students (Household.Students): the students' period
	// windows their building's site has in the target variant.
	for _, b := range p.Buildings {
		key := b.ID + "|" + studentsUnit
		var list []string
		for _, i := range p.cands[candKey{variant, b.ID, studentsUnit}] {
			list = append(list, strconv.Itoa(p.Windows[i].Index))
		}
		if len(list) > 0 {
			groups[key] = list
			order = append(order, key)
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
	args = append(args, p.Date)
	k := keysOf(compound)
	v, err := s.run(ctx, "switch", []string{k.r(p.Date, "state"), k.tk(), k.r(p.Date, "order"), k.r(p.Date, "win"),
		k.r(p.Date, "line"), k.r(p.Date, "occ"), k.r(p.Date, "fv"), k.seq(), k.r(p.Date, "ppl")}, args...)
	if err != nil {
		return nil, s.refusal(err)
	}
	flat := v.([]any)
	res := &SwitchResult{Compound: compound, Variant: variant, Moved: []Move{}}
	var ids []uint64
	var from []int
	var sites, whats []string
	for i := 0; i+4 < len(flat); i += 5 {
		id, _ := strconv.ParseUint(flat[i].(string), 10, 64)
		w, _ := strconv.Atoi(flat[i+1].(string))
		ids, from = append(ids, id), append(from, w)
		sites, whats = append(sites, flat[i+3].(string)), append(whats, flat[i+4].(string))
	}
	ts, err := s.tickets(ctx, compound, ids)
	if err != nil {
		return nil, err
	}
	for i, t := range ts {
		old, _ := p.window(from[i])
		res.Moved = append(res.Moved, Move{Ticket: t, FromWindow: from[i], FromSite: sites[i], What: whats[i],
			Retimed: !old.Start.Equal(t.Window.Start)})
	}
	// switch.lua told every moved ticket's listeners; the sites hear of
	// the variant.
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

// TicketNumber reads a ticket's short number as a marshal types it from a
// phone or a printed card whose QR code will not scan (wet, cracked,
// crumpled): "123", "票 123", "123号", "No.123", "#123", "１２３". 0 and
// false for anything else.
func TicketNumber(s string) (uint64, bool) {
	s = cleanNumber(s)
	low := strings.ToLower(s)
	for _, p := range []string{"票号", "票", "no.", "no", "#"} {
		if strings.HasPrefix(low, p) {
			s = strings.TrimLeft(s[len(p):], ":.")
			break
		}
	}
	s = strings.TrimSuffix(s, "号")
	if !digits(s) || len(s) > 15 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil && n > 0
}

// TicketByNumber is the ticket of compound with short number n (票号, on
// the phone and on the printed card), with its signed token, for a
// marshal whose scanner cannot read its QR code: the tablet shows whose
// it is, the marshal asks the resident, and checks it in with its token.
// ErrNotFound for no such ticket, ErrOldRound for one of an earlier round.
func (s *Service) TicketByNumber(ctx context.Context, st *Staff, compound string, n uint64) (*TicketView, error) {
	if err := may(st, compound, RoleMarshal); err != nil {
		return nil, err
	}
	p, err := s.current(compound)
	if err != nil {
		return nil, err
	}
	no := strconv.FormatUint(n, 10)
	t, _, err := s.readTicket(ctx, compound, n, signed{n, s.signer.Sign(compound, n)})
	if errors.Is(err, ErrNotFound) {
		return nil, withDetail(newErr(ErrNotFound.Code, "找不到票号", "no ticket number"), " "+no+"：请核对票上“票”字后面的数字", " "+no+": check the number after 票 on the ticket")
	}
	if err != nil {
		return nil, err
	}
	if t.Round != p.Date {
		return nil, withDetail(ErrOldRound, "（票 "+no+" 是 "+t.Round+" 的票，不是今天的）", " (ticket "+no+" is of "+t.Round+", not of today)")
	}
	return t, nil
}

// AtDesk is what a marshal finds for a household that came to the desk
// without its ticket (no phone, no card, a code that will not read, or
// never booked): its ticket of the round, found by the household as
// written (rooms and units are read as Book reads them), or for one with
// none a new ticket, booked now on paper (the windows' walk-in share is
// for it, and no address budget counts it). created says which. The
// party counts only for a new ticket: an existing one keeps its own.
// The desk checks it in with the view's token, once the resident
// confirms it is theirs.
func (s *Service) AtDesk(ctx context.Context, st *Staff, compound string, h Household) (*TicketView, bool, error) {
	if err := may(st, compound, RoleMarshal); err != nil {
		return nil, false, err
	}
	p, err := s.current(compound)
	if err != nil {
		return nil, false, err
	}
	party := h.Party
	h.Party = 1
	if err := s.validate(p, &h); err != nil {
		return nil, false, err
	}
	id, err := s.householdTicket(ctx, p, h)
	if err != nil {
		return nil, false, err
	}
	created := false
	if id == 0 {
		h.Party = party
		b, c, err := s.book(ctx, compound, h, "paper", "", anyHolder, "")
		if err != nil {
			return nil, false, err
		}
		id, created = b.ID, c
	}
	t, _, err := s.readTicket(ctx, compound, id, signed{id, s.signer.Sign(compound, id)})
	return t, created, err
}

// checkTube is a pooled tube's code as typed, or why it is not one.
func checkTube(tube string) (string, error) {
	tube = strings.TrimSpace(tube)
	if len(tube) > 32 || strings.ContainsAny(tube, "|{}\n") {
		return "", BadField("tube", "无效的管号", "not a tube code")
	}
	// The ticket's events hold the code as it is (raw_event in
	// prelude.lua: no value holds "\n" or "\xff").
	if !utf8.ValidString(tube) || strings.ContainsFunc(tube, unicode.IsControl) {
		return "", BadField("tube", "无效的管号：含控制字符或无效的 UTF-8 字节",
			"not a tube code: it holds a control character or a byte that is not UTF-8")
	}
	return tube, nil
}

// SampledAtHome records, for the door-to-door team (a marshal or
// coordinator), household h sampled at home now, optionally into a
// pooled tube: a sealed building's households, or a resident who cannot
// walk, who book no window. It is a ticket of its own, origin "home",
// sampled, in no site's line: the round's coverage counts the household
// tested and the tube lists it. A household booked at a site has that
// ticket made the record (its seat goes back to its window, and the
// phone that follows it is told); one in a site's line, or sampled
// already, is refused.
func (s *Service) SampledAtHome(ctx context.Context, st *Staff, compound string, h Household, tube string) (*TicketView, error) {
	if err := may(st, compound, RoleMarshal); err != nil {
		return nil, err
	}
	p, err := s.current(compound)
	if err != nil {
		return nil, err
	}
	h.Building = strings.TrimSpace(h.Building)
	b := p.building(h.Building)
	if b == nil {
		return nil, noBuilding(h.Building, "this compound")
	}
	if err := checkHousehold(p, b, &h); err != nil {
		return nil, err
	}
	if tube, err = checkTube(tube); err != nil {
		return nil, err
	}
	k := keysOf(compound)
	keys := []string{k.r(p.Date, "state"), k.r(p.Date, "hh"), k.seq(), k.tk(), k.r(p.Date, "order"), k.r(p.Date, "tubes"),
		k.r(p.Date, "tube:"+tube), k.r(p.Date, "win"), k.r(p.Date, "occ")}
	v, err := s.run(ctx, "home", keys, s.now().UnixMilli(), h.key(), p.Date, h.Building, h.Unit, h.Room, h.Party, tube, s.opts.TubeSize, st.Name)
	var sr *scriptReply
	if errors.As(err, &sr) {
		if code, detail := sr.code(); code == "ALREADY_SAMPLED" {
			ms, _ := strconv.ParseInt(detail, 10, 64)
			at := time.UnixMilli(ms).In(p.TZ).Format("15:04")
			s.m.Refusals.WithLabelValues(string(ErrAlreadySampled.Code)).Inc()
			return nil, withDetail(ErrAlreadySampled, "（"+at+" 已采样）", " (sampled at "+at+")")
		}
	}
	if err != nil {
		return nil, s.refusal(err)
	}
	id, _ := strconv.ParseUint(fmt.Sprint(v), 10, 64)
	t, _, err := s.readTicket(ctx, compound, id, signed{id, s.signer.Sign(compound, id)})
	return t, err
}

// UndoHomeSample takes back, for a marshal or coordinator, a home sample
// recorded by mistake (SampledAtHome: a room mistyped at a door), by the
// record's ticket token: its party leaves its tube, and the household
// counts as not sampled again in the round's coverage. A record that
// was the household's booking gives it back, booked again in its window
// as it was, when the round is still on its weather variant and the
// window has not ended and has room for its party; else, and for a
// record of its own, the record is cancelled and the household is free
// to be recorded or to book anew. The ticket's state says which.
// ErrNotHome for any other ticket.
func (s *Service) UndoHomeSample(ctx context.Context, st *Staff, token string) (*TicketView, error) {
	p, id, err := s.staffTicket(st, RoleMarshal, token)
	if err != nil {
		return nil, err
	}
	c := p.Compound.ID
	k := keysOf(c)
	keys := []string{k.tk(), k.r(p.Date, "hh"), k.r(p.Date, "tubes"), k.r(p.Date, "occ"), k.r(p.Date, "state"), k.r(p.Date, "win")}
	for try := 0; ; try++ {
		// The booking the record was, if any: unhome.lua needs its
		// window's capacity, which the plan holds.
		was, err := s.rdb.HGet(ctx, k.ticket(strconv.FormatUint(id, 10)), "was").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, storeErr(err)
		}
		w, capacity := "", 0
		if win, ok := p.bookedWindow(was); ok {
			w, capacity = strconv.Itoa(win.Index), win.Capacity
		}
		v, err := s.run(ctx, "unhome", keys, id, p.Date, s.now().UnixMilli(), k.r(p.Date, "tube:"), st.Name, w, capacity)
		var sr *scriptReply
		if errors.As(err, &sr) && try < 3 {
			if code, _ := sr.code(); code == "RETRY" {
				continue
			}
		}
		if err != nil {
			return nil, s.refusal(err)
		}
		return s.toldReply(p, c, v, signed{id, token})
	}
}

// HomeRecord is one home sample of the round (SampledAtHome) as the
// door-to-door team's list shows it: its ticket, who recorded it, and,
// for one taken back (UndoHomeSample), when and by whom, and whether
// the household's booking came back (its ticket then booked at its
// site again) or the record was cancelled.
type HomeRecord struct {
	*TicketView
	RecordedBy  string     `json:"recorded_by,omitempty"`
	RecordedAt  time.Time  `json:"recorded_at"`
	TakenBackAt *time.Time `json:"taken_back_at,omitempty"`
	TakenBackBy string     `json:"taken_back_by,omitempty"`
	Restored    bool       `json:"booking_restored,omitempty"`
}

// HomeSamples is the round's list of home samples, for any of the
// compound's staff to check against the door-to-door team's sheet and
// to take a mistaken one back from any tablet.
type HomeSamples struct {
	Compound   string       `json:"compound"`
	Round      string       `json:"round"`
	Households int          `json:"households"` // sampled at home and not taken back
	People     int          `json:"people"`
	Records    []HomeRecord `json:"records"` // newest first, those taken back among them
}

// HomeSamples lists, for a marshal or coordinator, the current round's
// home samples, newest first, with who recorded each (records made
// before the recorder was kept show none), those taken back among them.
// It reads every ticket of the round, as Coverage does: a staff member's
// look, not a resident's.
func (s *Service) HomeSamples(ctx context.Context, st *Staff, compound string) (*HomeSamples, error) {
	if err := may(st, compound, RoleMarshal); err != nil {
		return nil, err
	}
	p, err := s.current(compound)
	if err != nil {
		return nil, err
	}
	k := keysOf(compound)
	ids, marks, err := s.roundTickets(ctx, k, p.Date, "origin", "ub")
	if err != nil {
		return nil, err
	}
	out := &HomeSamples{Compound: compound, Round: p.Date, Records: []HomeRecord{}}
	var home []string
	for i, v := range marks {
		// A record taken back whose booking came back is booked at its
		// site again, its origin the booking's: its "ub" tells it.
		o, _ := v[0].(string)
		if ub, _ := v[1].(string); o == "home" || ub != "" {
			home = append(home, ids[i])
		}
	}
	fields := append(slices.Clip(ticketFields), "by", "ub", "end", "hsa", "ubt")
	// Where each of those is in a ticket's values.
	by, ub, end, hsa, ubt := len(ticketFields), len(ticketFields)+1, len(ticketFields)+2, len(ticketFields)+3, len(ticketFields)+4
	err = s.readTickets(ctx, k, home, fields, func(no string, v []any) {
		id, _ := strconv.ParseUint(no, 10, 64)
		vals := valsOf(v)
		t := s.view(p, compound, id, &vals, signed{})
		if t == nil { // purged
			return
		}
		r := HomeRecord{TicketView: t}
		r.RecordedBy, _ = v[by].(string)
		r.TakenBackBy, _ = v[ub].(string)
		if t.Origin != "home" && r.TakenBackBy == "" {
			return // booked anew meanwhile
		}
		// When it was taken back: "ubt", or "end" for a record taken back
		// before "ubt" was kept (a later cancel writes "end" too).
		back, _ := v[ubt].(string)
		if back == "" {
			back, _ = v[end].(string)
		}
		if r.TakenBackBy != "" {
			if ms, err := strconv.ParseInt(back, 10, 64); err == nil {
				at := time.UnixMilli(ms).In(p.TZ)
				r.TakenBackAt = &at
			}
		}
		switch recorded, _ := v[hsa].(string); {
		case t.Origin != "home":
			r.Restored = true
			if ms, err := strconv.ParseInt(recorded, 10, 64); err == nil {
				r.RecordedAt = time.UnixMilli(ms).In(p.TZ)
			}
		case t.SampledAt != nil:
			r.RecordedAt = *t.SampledAt
		default:
			r.RecordedAt = t.BookedAt
		}
		if t.State == "sampled" && !r.Restored {
			out.Households++
			out.People += t.Party
		}
		out.Records = append(out.Records, r)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out.Records, func(a, b HomeRecord) int {
		return cmp.Or(b.RecordedAt.Compare(a.RecordedAt), cmp.Compare(b.ID, a.ID))
	})
	return out, nil
}
