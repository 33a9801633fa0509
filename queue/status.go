package queue

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/planner/errs"
	"natq/planner/planfile"
	"natq/planner/ticketcsv"
)

// CompoundStatus is a compound's current round at a glance.
type CompoundStatus struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Round    string       `json:"round"`
	Rounds   []string     `json:"rounds"`
	Variant  string       `json:"variant"`
	Variants []string     `json:"variants"`
	Sites    []SiteStatus `json:"sites"`
}

// SiteStatus is one site of one variant with its line and windows.
type SiteStatus struct {
	ID           string         `json:"id"`
	Name         string         `json:"name,omitempty"`
	Variant      string         `json:"variant"`
	Sheltered    bool           `json:"sheltered"`
	LineCapacity int            `json:"line_capacity"`
	InLine       int            `json:"in_line"`
	Windows      []WindowStatus `json:"windows"`
}

// WindowStatus is one window's capacity and counts, in people.
type WindowStatus struct {
	Index     int       `json:"index"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Students  bool      `json:"students,omitempty"` // the students' period (Household.Students)
	Capacity  int       `json:"capacity"`           // the plan's, exactly
	Online    int       `json:"online"`             // of which online booking may fill
	Booked    int       `json:"booked"`
	CheckedIn int       `json:"checked_in"`
	Sampled   int       `json:"sampled"`
}

// Compounds returns every loaded compound's status.
func (s *Service) Compounds(ctx context.Context) ([]*CompoundStatus, error) {
	out := []*CompoundStatus{}
	for _, id := range s.CompoundIDs() {
		c, err := s.Compound(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Compound returns a compound's status, or ErrNoCompound.
func (s *Service) Compound(ctx context.Context, id string) (*CompoundStatus, error) {
	p, err := s.current(id)
	if err != nil {
		return nil, err
	}
	k := keysOf(id)
	pipe := s.rdb.Pipeline()
	rounds := pipe.ZRange(ctx, k.rounds(), 0, -1)
	variant := pipe.HGet(ctx, k.r(p.Date, "state"), "variant")
	win := pipe.HGetAll(ctx, k.r(p.Date, "win"))
	occ := pipe.HGetAll(ctx, k.r(p.Date, "occ"))
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, storeErr(err)
	}
	c := &CompoundStatus{ID: id, Name: p.Compound.Name, Round: p.Date, Rounds: rounds.Val(),
		Variant: variant.Val(), Variants: p.Variants, Sites: []SiteStatus{}}
	wv, ov := win.Val(), occ.Val()
	get := func(m map[string]string, k string) int { n, _ := strconv.Atoi(m[k]); return n }
	for _, site := range p.Sites {
		ss := SiteStatus{ID: site.ID, Name: site.Name, Variant: site.Variant, Sheltered: site.Sheltered,
			LineCapacity: site.LineCapacity, Windows: []WindowStatus{}}
		if site.Variant == c.Variant {
			ss.InLine = get(ov, site.ID)
		}
		for _, w := range p.Windows {
			if w.Variant != site.Variant || w.Site != site.ID {
				continue
			}
			i := strconv.Itoa(w.Index)
			ss.Windows = append(ss.Windows, WindowStatus{Index: w.Index, Start: w.Start, End: w.End, Students: w.Students,
				Capacity: w.Capacity, Online: s.online(w.Capacity), Booked: get(wv, i+":booked"),
				CheckedIn: get(wv, i+":in"), Sampled: get(wv, i+":sampled")})
		}
		c.Sites = append(c.Sites, ss)
	}
	return c, nil
}

// Coverage is who has been tested this round, per building, beside the
// previous round.
type Coverage struct {
	Compound   string             `json:"compound"`
	Round      string             `json:"round"`
	Previous   string             `json:"previous,omitempty"`
	Buildings  []BuildingCoverage `json:"buildings"`
	NotSampled []Household        `json:"not_sampled"` // households with a ticket this round, not sampled
	// Missed are the households sampled in the previous round that have
	// no ticket this round (none, or only cancelled ones), party as then:
	// the list a committee compares the rounds for, to knock on doors.
	// A household's students count apart (Household.Students).
	Missed []Household `json:"missed"`
}

// BuildingCoverage is one building's figures; people unless named.
type BuildingCoverage struct {
	Building           string          `json:"building"`
	Name               string          `json:"name,omitempty"`
	Expected           int             `json:"expected"` // residents the plan expects
	Households         int             `json:"households"`
	DoorToDoor         bool            `json:"door_to_door,omitempty"` // sampled at home (SampledAtHome): its households book no window
	Figures                            // this round
	Previous           *Figures        `json:"previous,omitempty"`
	UnbookedHouseholds int             `json:"unbooked_households"`
	byHousehold        map[string]bool // household key -> sampled
}

// Figures are a building's counts in one round.
type Figures struct {
	Booked            int `json:"booked"`
	BookedHouseholds  int `json:"booked_households"`
	Sampled           int `json:"sampled"`
	SampledHouseholds int `json:"sampled_households"`
}

// Coverage returns the current round's coverage of a compound.
func (s *Service) Coverage(ctx context.Context, st *Staff, compound string) (*Coverage, error) {
	if err := may(st, compound, RoleCoordinator); err != nil {
		return nil, err
	}
	p, err := s.current(compound)
	if err != nil {
		return nil, err
	}
	k := keysOf(compound)
	rounds, err := s.rdb.ZRange(ctx, k.rounds(), 0, -1).Result()
	if err != nil {
		return nil, storeErr(err)
	}
	cov := &Coverage{Compound: compound, Round: p.Date, Buildings: []BuildingCoverage{}, NotSampled: []Household{}}
	for i, r := range rounds {
		if r == p.Date && i > 0 {
			cov.Previous = rounds[i-1]
		}
	}
	cur, notSampled, now, err := s.figures(ctx, k, p.Date)
	if err != nil {
		return nil, err
	}
	cov.NotSampled = notSampled
	cov.Missed = []Household{}
	var prev map[string]Figures
	if cov.Previous != "" {
		var then []partOf
		if prev, _, then, err = s.figures(ctx, k, cov.Previous); err != nil {
			return nil, err
		}
		booked := make(map[string]bool, len(now))
		for _, x := range now {
			booked[x.key] = booked[x.key] || x.live
		}
		for _, x := range then {
			if x.sampled && !booked[x.key] {
				cov.Missed = append(cov.Missed, x.h)
			}
		}
	}
	seen := map[string]bool{}
	add := func(id, name string, expected, households int, home bool) {
		seen[id] = true
		bc := BuildingCoverage{Building: id, Name: name, Expected: expected, Households: households, DoorToDoor: home, Figures: cur[id]}
		if prev != nil {
			f := prev[id]
			bc.Previous = &f
		}
		if households > bc.BookedHouseholds {
			bc.UnbookedHouseholds = households - bc.BookedHouseholds
		}
		cov.Buildings = append(cov.Buildings, bc)
	}
	for _, b := range p.Buildings {
		home := b.Sealed
		for _, d := range b.DoorToDoor {
			home = home || d
		}
		add(b.ID, b.Name, b.Residents, b.Households, home)
	}
	var extra []string
	for id := range cur {
		if !seen[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	for _, id := range extra {
		add(id, "", 0, 0, false)
	}
	return cov, nil
}

// figures counts a round's tickets per building, and lists the households
// with a ticket that are not wholly sampled: none of whose tickets is
// sampled (one that cancelled among them), or whose students' ticket
// (Household.Students) or other ticket still waits. A household's
// people are those of its live tickets: the rest of the household and
// its students each have their own.
func (s *Service) figures(ctx context.Context, k ckeys, round string) (map[string]Figures, []Household, []partOf, error) {
	_, tickets, err := s.roundTickets(ctx, k, round, "st", "b", "u", "room", "party", "hh")
	if err != nil {
		return nil, nil, nil, err
	}
	type part struct { // the household's latest ticket of one kind (its students' or not)
		party, cancelledParty int
		seen, live, sampled   bool
	}
	type hh struct {
		h     Household
		parts [2]part // 0 the household, 1 its students
	}
	hhs := map[string]*hh{}
	var order []string
	for _, v := range tickets {
		st, _ := v[0].(string)
		b, _ := v[1].(string)
		u, _ := v[2].(string)
		room, _ := v[3].(string)
		party, _ := strconv.Atoi(fmt.Sprint(v[4]))
		key, _ := v[5].(string)
		i := 0
		if strings.HasSuffix(key, "|students") {
			i = 1
		}
		hk := b + "|" + u + "|" + room
		x := hhs[hk]
		if x == nil {
			x = &hh{h: Household{Building: b, Unit: u, Room: room}}
			hhs[hk] = x
			order = append(order, hk)
		}
		pt := &x.parts[i]
		pt.seen = true
		if st == "cancelled" {
			if !pt.live {
				pt.cancelledParty = party
			}
			continue
		}
		pt.live, pt.party = true, party
		pt.sampled = st == "sampled"
	}
	figs := map[string]Figures{}
	not := []Household{}
	var parts []partOf
	for _, key := range order {
		x := hhs[key]
		var mine []partOf
		for i, pt := range x.parts {
			if !pt.seen {
				continue
			}
			h := x.h
			h.Students, h.Party = i == 1, pt.party
			if !pt.live {
				h.Party = pt.cancelledParty
			}
			mine = append(mine, partOf{key: key + "|" + strconv.Itoa(i), h: h, live: pt.live, sampled: pt.sampled})
		}
		parts = append(parts, mine...)
		f := figs[x.h.Building]
		booked, sampled := false, false
		for _, pt := range mine {
			if pt.live {
				booked = true
				f.Booked += pt.h.Party
			}
			if pt.sampled {
				sampled = true
				f.Sampled += pt.h.Party
			}
		}
		if booked {
			f.BookedHouseholds++
		}
		// Not wholly sampled: with nothing sampled, every part as it last
		// booked (a cancelled one among them); else the parts still live.
		waiting := 0
		for _, pt := range mine {
			if !pt.sampled && (!sampled || pt.live) {
				not = append(not, pt.h)
				waiting++
			}
		}
		if sampled && waiting == 0 {
			f.SampledHouseholds++
		}
		figs[x.h.Building] = f
	}
	return figs, not, parts, nil
}

// partOf is a household's ticket of one kind (its students', or the
// rest's) in a round, as figures found it: key names the household and
// the kind, h its party then.
type partOf struct {
	key           string
	h             Household
	live, sampled bool
}

// PreBooking is one row of a pre-booking CSV and its ticket, or why it
// has none.
type PreBooking struct {
	Row       int       `json:"row"`
	Name      string    `json:"name,omitempty"`
	Household Household `json:"household"`
	Booking   *Booking  `json:"booking,omitempty"`
	Created   bool      `json:"created"`
	Error     *Error    `json:"error,omitempty"`
}

// MaxPreBookRows is the most households one pre-booking request books:
// a compound's residents without phones are hundreds, and a request far
// past that is a mistake (a whole register pasted) or an attack.
const MaxPreBookRows = 2000

// PreBook books the households of a CSV (building,unit,room,party[,name
// [,students]]; a header row in English or Chinese is skipped) for
// residents without phones. A row whose students column says yes (是, y,
// 1, students, 学生) books the household's students for the plan's
// students' period (Household.Students). Pre-booked
// tickets may use a window's walk-in share. Every row is checked before
// any is booked; a row that finds no room gets an ErrFull in its result,
// and a row sent again with a party that cannot change an ErrPartyFull or
// ErrPartyLocked.
// Booking is idempotent, so sending the same CSV again is safe.
func (s *Service) PreBook(ctx context.Context, st *Staff, compound string, r io.Reader) ([]PreBooking, error) {
	return s.preBook(ctx, st, compound, r, MaxPreBookRows, func(n int) error {
		return rowErr(n, "", fmt.Sprintf("一次最多预约 %d 户，请分批提交", MaxPreBookRows), fmt.Sprintf("at most %d households a request: send the rest in another", MaxPreBookRows))
	})
}

// MaxCardsPerPrint is the most households one request books and prints
// the cards of: 500 cards are 63 A4 pages and about two seconds of one
// core (BenchmarkTicketCards2000 in planner/sheets prints 2000 in nine),
// which an instance serving the morning's bookings can spare.
const MaxCardsPerPrint = 500

// PreBookCards is PreBook for a request that prints the households'
// cards: at most MaxCardsPerPrint rows, refused before any is booked.
func (s *Service) PreBookCards(ctx context.Context, st *Staff, compound string, r io.Reader) ([]PreBooking, error) {
	return s.preBook(ctx, st, compound, r, MaxCardsPerPrint, func(n int) error {
		return rowErr(n, "", fmt.Sprintf("一次最多打印 %d 张票卡，请分批提交（还没有预约任何一户）", MaxCardsPerPrint),
			fmt.Sprintf("at most %d cards a print: send the rest in another (no household was booked)", MaxCardsPerPrint))
	})
}

func (s *Service) preBook(ctx context.Context, st *Staff, compound string, r io.Reader, max int, tooMany func(row int) error) ([]PreBooking, error) {
	if err := may(st, compound, RoleCoordinator); err != nil {
		return nil, err
	}
	p, err := s.current(compound)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if zh, en, ok := ticketcsv.Encoding(data); !ok {
		return nil, BadField("csv", zh, en) // nothing booked
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, BadField("csv", "CSV 格式错误", err.Error())
	}
	type row struct {
		n    int
		h    Household
		name string
	}
	var rows []row
	for i, rec := range recs {
		if i == 0 && len(rec) > 0 && isHeader(rec[0]) {
			continue
		}
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		if len(rec) < 4 {
			return nil, rowErr(i+1, "", "应有 楼号,单元,房号,人数[,姓名[,学生]]", "want building,unit,room,party[,name[,students]]")
		}
		if len(rows) == max {
			return nil, tooMany(i + 1)
		}
		// The people as a spreadsheet may write them: 2, ２, "2人", "2 口".
		party, err := strconv.Atoi(cleanNumber(rec[3], "人", "口", "位"))
		if err != nil {
			party = 0
		}
		h := Household{Building: rec[0], Unit: rec[1], Room: rec[2], Party: party}
		if len(rec) > 5 {
			yes, ok := ticketcsv.Students(rec[5])
			if !ok {
				return nil, rowErr(i+1, "students", fmt.Sprintf("“%s”看不懂：学生专场的票填“是”，其他留空", strings.TrimSpace(rec[5])),
					fmt.Sprintf("%q is neither yes nor empty (yes books the household's students for the students' period)", strings.TrimSpace(rec[5])))
			}
			h.Students = yes
		}
		// The building as the coordinator's spreadsheet names it: its id,
		// or its name or number (3, 3号楼, ３栋).
		if id := p.calledBuilding(strings.TrimSpace(h.Building)); id != "" {
			h.Building = id
		}
		if err := s.validate(p, &h); err != nil {
			var e *Error
			errors.As(err, &e)
			return nil, rowErr(i+1, e.Field, strings.TrimPrefix(e.Message, e.Field+"："), strings.TrimPrefix(e.MessageEn, e.Field+": "))
		}
		name := ""
		if len(rec) > 4 {
			name = strings.TrimSpace(rec[4])
		}
		rows = append(rows, row{i + 1, h, name})
	}
	if len(rows) == 0 {
		return nil, BadField("csv", "没有住户", "no households")
	}
	out := make([]PreBooking, 0, len(rows))
	for _, r := range rows {
		b, created, err := s.book(ctx, compound, r.h, "paper", "", anyHolder, "")
		pb := PreBooking{Row: r.n, Name: r.name, Household: r.h, Booking: b, Created: created}
		var e *Error
		switch {
		case errors.Is(err, ErrFull):
			pb.Error = ErrFull
		case errors.Is(err, ErrPartyFull), errors.Is(err, ErrPartyLocked):
			// A row sent again with another party that cannot be changed:
			// that row says why; the others are booked.
			errors.As(err, &e)
			pb.Error = e
		case err != nil:
			return nil, err
		}
		out = append(out, pb)
	}
	return out, nil
}

// rowErr refuses row n of a pre-booking CSV, in its column field ("" for
// the whole row): Field "row 3 room", for the page to name the line.
func rowErr(n int, field, zh, en string) *Error {
	f := fmt.Sprintf("row %d", n)
	if field != "" {
		f += " " + field
	}
	return &Error{Code: errs.Invalid, Field: f, Message: fmt.Sprintf("第 %d 行：%s", n, zh), MessageEn: f + ": " + en}
}

// isHeader reports whether a pre-booking CSV's first cell is a header's.
func isHeader(cell string) bool {
	switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(cell, "\ufeff"))) {
	case "building", "楼号", "楼栋", "楼", "楼栋号":
		return true
	}
	return false
}

// WritePreBookingsCSV writes pre-booking results of a compound's current
// round as a ticket CSV (natq/planner/ticketcsv, the format natq print
// --tickets reads), times in the compound's zone.
func (s *Service) WritePreBookingsCSV(w io.Writer, compound string, rows []PreBooking) error {
	_, ts, err := s.PreBookingTickets(compound, rows)
	if err != nil {
		return err
	}
	return ticketcsv.Write(w, ts)
}

// PreBookingTickets are pre-booking results as the rows of a ticket CSV
// (natq/planner/ticketcsv), with the plan of the compound's current round
// they were booked in: what ticket cards are printed from.
func (s *Service) PreBookingTickets(compound string, rows []PreBooking) (*planfile.File, []ticketcsv.Ticket, error) {
	p, err := s.current(compound)
	if err != nil {
		return nil, nil, err
	}
	ts := make([]ticketcsv.Ticket, 0, len(rows))
	for _, r := range rows {
		h := r.Household
		t := ticketcsv.Ticket{Compound: compound, Date: p.Date, TZ: p.TZ.String(), Row: r.Row, Name: r.Name,
			Building: h.Building, Unit: h.Unit, Room: h.Room, Party: h.Party, Students: h.Students}
		if b := r.Booking; b != nil {
			t.Number, t.Party, t.Site, t.SiteName = b.ID, b.Party, b.Site, b.SiteName
			t.Start, t.End, t.Token, t.URL = b.Window.Start, b.Window.End, b.Ticket, b.URL
		}
		if r.Error != nil {
			t.Error = string(r.Error.Code)
		}
		ts = append(ts, t)
	}
	return p.File, ts, nil
}

// roundTickets lists a round's tickets in booking order, their ids and
// the fields asked for (as HMGET gives them), in one pass: the ids from the
// round's first id (recorded when it opened, open.lua) to the compound's
// ticket sequence whose round is this one (the sequence is the
// compound's, so another round's tickets may fall in between), or, for a
// round opened before first ids were recorded, its booking order zset.
func (s *Service) roundTickets(ctx context.Context, k ckeys, round string, fields ...string) ([]string, [][]any, error) {
	var ids []string
	first, err := s.rdb.HGet(ctx, k.r(round, "state"), "first").Int64()
	ranged := err == nil // else every id is the round's, in whichever layout it keeps tickets
	switch {
	case errors.Is(err, redis.Nil):
		if ids, err = s.rdb.ZRange(ctx, k.r(round, "order"), 0, -1).Result(); err != nil {
			return nil, nil, storeErr(err)
		}
	case err != nil:
		return nil, nil, storeErr(err)
	default:
		last, err := s.rdb.Get(ctx, k.seq()).Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, nil, storeErr(err)
		}
		for id := first; id <= last; id++ {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
	}
	var mine []string
	var vals [][]any
	err = s.readTickets(ctx, k, ids, append(slices.Clip(fields), "r"), func(id string, v []any) {
		if r, _ := v[len(v)-1].(string); r == round || !ranged {
			mine, vals = append(mine, id), append(vals, v[:len(v)-1])
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return mine, vals, nil
}

// readTickets reads fields of the tickets ids, a thousand tickets a
// round trip, and gives each to f in order: a ticket that does not exist
// has every value nil.
func (s *Service) readTickets(ctx context.Context, k ckeys, ids, fields []string, f func(id string, v []any)) error {
	const batch = 1000
	for lo := 0; lo < len(ids); lo += batch {
		part := ids[lo:min(lo+batch, len(ids))]
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.SliceCmd, len(part))
		for i, id := range part {
			cmds[i] = pipe.HMGet(ctx, k.ticket(id), fields...)
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return storeErr(err)
		}
		for i, c := range cmds {
			f(part[i], c.Val())
		}
	}
	return nil
}
