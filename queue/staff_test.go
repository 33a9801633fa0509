package queue_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"natq/planner/errs"
	"natq/qr"
	"natq/queue"
	"natq/queue/queuetest"
)

// TestStaffTokens: a token ends with its round unless issued for longer,
// is listed without its secret, and a revocation on one instance holds on
// another at once.
func TestStaffTokens(t *testing.T) {
	queuetest.EachStore(t, func(t *testing.T, st queuetest.Store) {
		c := st.Client(t)
		a, clk := queuetest.Service(t, c, nil)
		b, clkB := queuetest.Service(t, c, nil)
		tablet, err := a.AddStaff(ctx, "c1", "王志愿", queue.RoleMarshal)
		if err != nil {
			t.Fatal(err)
		}
		longer, err := a.AddStaffUntil(ctx, "c1", "李主任", queue.RoleCoordinator, queuetest.Morning.Add(72*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Authenticate(ctx, tablet); err != nil {
			t.Fatalf("Authenticate on the other instance = %v", err)
		}
		list, err := b.ListStaff(ctx, nil, "c1")
		if err != nil || len(list) != 2 {
			t.Fatalf("ListStaff = %+v, %v", list, err)
		}
		for _, x := range list {
			if strings.Contains(tablet, x.ID) || strings.Contains(longer, x.ID) {
				t.Errorf("ListStaff shows a token's text: %+v", x)
			}
		}
		byName := map[string]queue.StaffToken{}
		for _, x := range list {
			byName[x.Name] = x
		}
		// The round is 2026-12-01 in Shanghai: the token ends at midnight.
		end := time.Date(2026, 12, 2, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		if !byName["王志愿"].Until.Equal(end) || byName["王志愿"].Role != queue.RoleMarshal {
			t.Errorf("the marshal's token = %+v, want to end %v", byName["王志愿"], end)
		}
		// A marshal may not list or revoke.
		m, _ := a.Authenticate(ctx, tablet)
		_, err = a.ListStaff(ctx, m, "c1")
		wantCode(t, "ListStaff(marshal)", err, "forbidden")
		_, err = a.RevokeStaff(ctx, m, "c1", "李主任")
		wantCode(t, "RevokeStaff(marshal)", err, "forbidden")
		// The tablet is lost: the coordinator revokes it on instance a.
		co, _ := a.Authenticate(ctx, longer)
		if n, err := a.RevokeStaff(ctx, co, "c1", "王志愿"); n != 1 || err != nil {
			t.Fatalf("RevokeStaff = %d, %v", n, err)
		}
		_, err = b.Authenticate(ctx, tablet)
		wantCode(t, "Authenticate(revoked) on the other instance", err, "unauthorized")
		_, err = a.RevokeStaff(ctx, co, "c1", "王志愿")
		wantCode(t, "RevokeStaff(again)", err, "not_found")
		// After the round's day the round's tokens end; a longer one holds.
		other, _ := a.AddStaff(ctx, "c1", "赵", queue.RoleMarshal)
		clk.Set(end)
		clkB.Set(end)
		_, err = b.Authenticate(ctx, other)
		wantCode(t, "Authenticate after the round", err, "unauthorized")
		if _, err := b.Authenticate(ctx, longer); err != nil {
			t.Errorf("Authenticate(issued for 72 h) after the round = %v", err)
		}
		if _, err := a.AddStaffUntil(ctx, "c1", "x", queue.RoleMarshal, end.Add(-time.Hour)); err == nil {
			t.Error("AddStaffUntil(in the past) = nil error")
		}
		// Revoking by the listed id.
		list, _ = a.ListStaff(ctx, nil, "c1")
		for _, x := range list {
			if x.Name == "赵" {
				if !x.Expired {
					t.Errorf("%+v: want expired", x)
				}
				if n, err := a.RevokeStaff(ctx, nil, "c1", x.ID); n != 1 || err != nil {
					t.Errorf("RevokeStaff(id %s) = %d, %v", x.ID, n, err)
				}
			}
		}
	})
}

// TestDeskChecksToken: a desk change (check-in, call, sampled) with its
// token unchecked (StaffOf) checks it in its own script, one round trip
// each: a token revoked on one instance is refused on the other at once,
// an expired or unknown one too, before anything else the request would
// be refused for and with nothing changed; any other use of an unchecked
// token is refused until Confirm checks it.
func TestDeskChecksToken(t *testing.T) {
	queuetest.EachStore(t, func(t *testing.T, st queuetest.Store) {
		c := st.Client(t)
		a, clkA := queuetest.Service(t, c, nil)
		b, clkB := queuetest.Service(t, c, nil)
		clkA.Set(queuetest.At(7, 0))
		clkB.Set(queuetest.At(7, 0))
		tablet, _ := a.AddStaff(ctx, "c1", "王志愿", queue.RoleMarshal)
		coTok, _ := a.AddStaff(ctx, "c1", "李主任", queue.RoleCoordinator)
		m, err := b.StaffOf(tablet)
		if err != nil || m.Compound != "c1" || m.Role != "" {
			t.Fatalf("StaffOf = %+v, %v; want c1's, its role unknown", m, err)
		}
		desk := func(s *queue.Service, m *queue.Staff, tok string) error {
			if _, err := s.CheckIn(ctx, m, "s1", tok); err != nil {
				return err
			}
			if _, err := s.CallNext(ctx, m, "s1", 1); err != nil {
				return err
			}
			_, err := s.Sampled(ctx, m, tok, "")
			return err
		}
		// Once uncounted: the store loads each script on its first call.
		if err := desk(b, m, bookAt(t, a, hh("b1", "", "101", 1))); err != nil {
			t.Fatal(err)
		}
		hook := &tripCounter{}
		c.AddHook(hook)
		before := hook.n.Load()
		if err := desk(b, m, bookAt(t, a, hh("b1", "", "102", 1))); err != nil {
			t.Fatal(err)
		}
		if n := hook.n.Load() - before; n != 3+1 { // and the booking
			t.Errorf("a desk's check-in, call and sampled took %d round trips, want 3", n-1)
		}
		co, _ := b.StaffOf(coTok)
		if err := desk(b, co, bookAt(t, a, hh("b1", "", "103", 1))); err != nil {
			t.Errorf("a coordinator at the desk: %v", err)
		}
		tok := bookAt(t, a, hh("b1", "", "104", 1))
		_, err = b.NoShow(ctx, m, tok)
		wantCode(t, "NoShow(unchecked)", err, "unauthorized")
		if cm, err := b.Confirm(ctx, m); err != nil || cm.Name != "王志愿" || cm.Role != queue.RoleMarshal {
			t.Errorf("Confirm = %+v, %v", cm, err)
		}
		if _, err := b.StaffOf("c1"); err == nil {
			t.Error("StaffOf(no secret) = nil error")
		}
		forged, _ := b.StaffOf("c1.forged")
		_, err = b.CheckIn(ctx, forged, "s1", tok)
		wantCode(t, "CheckIn(unknown token)", err, "unauthorized")
		// The tablet is lost: revoked on instance a, refused on b at once,
		// whatever else is wrong with the request.
		coA, _ := a.Authenticate(ctx, coTok)
		if n, err := a.RevokeStaff(ctx, coA, "c1", "王志愿"); n != 1 || err != nil {
			t.Fatalf("RevokeStaff = %d, %v", n, err)
		}
		refused := func(who string, m *queue.Staff, want *queue.Error) {
			t.Helper()
			for what, err := range map[string]error{
				"CheckIn":                func() error { _, err := b.CheckIn(ctx, m, "s1", tok); return err }(),
				"CheckIn(no such site)":  func() error { _, err := b.CheckIn(ctx, m, "nosuch", tok); return err }(),
				"CheckIn(forged ticket)": func() error { _, err := b.CheckIn(ctx, m, "s1", "x.y"); return err }(),
				"CallNext":               func() error { _, err := b.CallNext(ctx, m, "s1", 1); return err }(),
				"CallNext(no such desk)": func() error { _, err := b.CallNext(ctx, m, "s1", 99); return err }(),
				"Sampled":                func() error { _, err := b.Sampled(ctx, m, tok, ""); return err }(),
				"Sampled(bad tube)":      func() error { _, err := b.Sampled(ctx, m, tok, "a|b"); return err }(),
				"Sampled(forged ticket)": func() error { _, err := b.Sampled(ctx, m, "x.y", ""); return err }(),
			} {
				if !errors.Is(err, want) {
					t.Errorf("%s with %s = %v, want %v", what, who, err, want)
				}
			}
		}
		refused("a revoked token", m, queue.ErrUnauthorized)
		if tk, err := a.Ticket(ctx, tok); err != nil || tk.State != "booked" {
			t.Errorf("the ticket after refused desk changes = %+v, %v; want booked", tk, err)
		}
		// A token issued until 08:00 is refused as expired from then on.
		short, _ := a.AddStaffUntil(ctx, "c1", "赵", queue.RoleMarshal, queuetest.At(8, 0))
		ms, _ := b.StaffOf(short)
		if _, err := b.CheckIn(ctx, ms, "s1", tok); err != nil {
			t.Fatalf("CheckIn before the token's end: %v", err)
		}
		clkB.Set(queuetest.At(8, 0))
		refused("an expired token", ms, queue.ErrExpired)
	})
}

// TestPurgeRound: a finished round's personal data goes; the next round's
// stays; a running round is refused.
func TestPurgeRound(t *testing.T) {
	queuetest.EachStore(t, func(t *testing.T, st queuetest.Store) {
		c := st.Client(t)
		s, clk := queuetest.Service(t, c, nil)
		coord := staff(t, s, "c1", queue.RoleCoordinator)
		var tokens []string
		for _, room := range []string{"101", "102", "103"} {
			b, _, err := s.Book(ctx, "c1", hh("b1", "", room, 2))
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, b.Ticket)
		}
		clk.Set(queuetest.At(7, 0))
		if _, err := s.CheckIn(ctx, coord, "s1", tokens[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CallNext(ctx, coord, "s1", 1); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sampled(ctx, coord, tokens[0], "T1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CheckIn(ctx, coord, "s1", tokens[1]); err != nil {
			t.Fatal(err)
		}
		_, err := s.PurgeRound(ctx, "c1", "2026-12-01")
		wantCode(t, "PurgeRound(running)", err, "bad_input")
		_, err = s.PurgeRound(ctx, "c1", "2026-11-30")
		wantCode(t, "PurgeRound(no such round)", err, "bad_input")
		if err == nil || !strings.Contains(err.Error(), "has no round 2026-11-30 (rounds: 2026-12-01)") {
			t.Errorf("PurgeRound(no such round) = %v, want it to name the rounds there are", err)
		}
		// A compound with no round in the store: another Redis, likely.
		_, err = s.PurgeRound(ctx, "c9", "2026-12-01")
		if err == nil || !strings.Contains(err.Error(), "has no round 2026-12-01 (it has none in this store: is REDIS_URL the one natq serve uses?)") {
			t.Errorf("PurgeRound(a compound with no round) = %v, want it to say the store has none", err)
		}
		// The day is over.
		clk.Set(time.Date(2026, 12, 2, 0, 0, 1, 0, time.FixedZone("CST", 8*3600)))
		if err := s.OpenRound(ctx, queuetest.Plan(t, "c1-next.plan.geojson")); err != nil {
			t.Fatal(err)
		}
		next, _, err := s.Book(ctx, "c1", hh("b1", "", "101", 1))
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.PurgeRound(ctx, "c1", "2026-12-01")
		if err != nil || p.Tickets != 3 {
			t.Fatalf("PurgeRound = %+v, %v", p, err)
		}
		for _, tok := range tokens {
			_, err := s.Ticket(ctx, tok)
			wantCode(t, "Ticket(purged)", err, "not_found")
		}
		if tk, err := s.Ticket(ctx, next.Ticket); err != nil || tk.Round != "2026-12-03" {
			t.Errorf("the next round's ticket after the purge = %+v, %v", tk, err)
		}
		for _, id := range []string{"1", "2", "3"} {
			if n, _ := c.Exists(ctx, "natq:{c1}:t:"+id).Result(); n != 0 {
				t.Errorf("ticket %s of the purged round is left", id)
			}
		}
		if n, _ := c.Exists(ctx, "natq:{c1}:t:4").Result(); n != 1 {
			t.Errorf("ticket 4 of the next round is gone after the purge")
		}
		for _, k := range []string{"hh", "order", "line", "occ", "tubes", "tube:T1"} {
			if n, _ := c.Exists(ctx, "natq:{c1}:r:2026-12-01:"+k).Result(); n != 0 {
				t.Errorf("key %s is left after the purge", k)
			}
		}
	})
}

// TestRoundTickets: a round's tickets are the ids from its first id to the
// compound's sequence whose round is this one (open.lua), with no list
// written on each booking. Two instances book at once into two rounds of
// one compound, so their ids interleave: the rain switch moves only its
// round's tickets, in booking order; coverage counts them; a purge deletes
// them and leaves the other round's. A round opened by a natq that wrote no
// first id keeps its booking order zset and is served the same way.
func TestRoundTickets(t *testing.T) {
	for _, old := range []bool{false, true} {
		name := "first id"
		if old {
			name = "booking order zset"
		}
		t.Run(name, func(t *testing.T) {
			queuetest.EachStore(t, func(t *testing.T, st queuetest.Store) {
				c := st.Client(t)
				state := "natq:{c1}:r:2026-12-01:state"
				if old {
					// As an older natq left it: the round opened, nothing
					// booked, no first id. Reopening it writes none.
					queuetest.Service(t, c, nil)
					if err := c.HDel(ctx, state, "first").Err(); err != nil {
						t.Fatal(err)
					}
				}
				a, _ := queuetest.Service(t, c, nil)
				if n, _ := c.HExists(ctx, state, "first").Result(); n == old {
					t.Fatalf("round state has a first id: %v, want %v", n, !old)
				}
				b, clkB := queuetest.Service(t, c, nil)
				clkB.Set(time.Date(2026, 12, 2, 0, 0, 1, 0, time.FixedZone("CST", 8*3600)))
				if err := b.OpenRound(ctx, queuetest.Plan(t, "c1-next.plan.geojson")); err != nil {
					t.Fatal(err)
				}
				book := func(s *queue.Service, room string) *queue.Booking {
					t.Helper()
					bk, _, err := s.Book(ctx, "c1", hh("b1", "", room, 1))
					if err != nil {
						t.Fatal(err)
					}
					return bk
				}
				var mine, theirs []uint64
				var theirTokens []string
				for i, room := range []string{"101", "102", "103", "104", "105"} {
					mine = append(mine, book(a, room).ID)
					if i%2 == 0 {
						bk := book(b, room)
						theirs, theirTokens = append(theirs, bk.ID), append(theirTokens, bk.Ticket)
					}
				}
				if mine[1] != theirs[0]+1 {
					t.Fatalf("ids do not interleave: round 1 %v, round 2 %v", mine, theirs)
				}
				coord := staff(t, a, "c1", queue.RoleCoordinator)
				sw, err := a.SwitchVariant(ctx, coord, "c1", "wet")
				if err != nil {
					t.Fatal(err)
				}
				var moved []uint64
				for _, m := range sw.Moved {
					moved = append(moved, m.Ticket.ID)
				}
				if fmt.Sprint(moved) != fmt.Sprint(mine) {
					t.Errorf("the switch moved %v, want round 1's tickets in booking order %v", moved, mine)
				}
				for _, tok := range theirTokens {
					tk, err := b.Ticket(ctx, tok)
					if err != nil || tk.Variant != "dry" || tk.Round != "2026-12-03" {
						t.Errorf("round 2's ticket after round 1's switch: %+v, %v", tk, err)
					}
				}
				cov, err := a.Coverage(ctx, coord, "c1")
				if err != nil {
					t.Fatal(err)
				}
				booked := 0
				for _, bc := range cov.Buildings {
					booked += bc.Booked
				}
				if booked != len(mine) || len(cov.NotSampled) != len(mine) {
					t.Errorf("coverage of round 1: %d booked, %d not sampled, want %d", booked, len(cov.NotSampled), len(mine))
				}
				p, err := a.PurgeRound(ctx, "c1", "2026-12-01")
				if err != nil || p.Tickets != len(mine) {
					t.Fatalf("PurgeRound = %+v, %v; want %d tickets", p, err, len(mine))
				}
				for _, id := range mine {
					if n, _ := c.Exists(ctx, "natq:{c1}:t:"+strconv.FormatUint(id, 10)).Result(); n != 0 {
						t.Errorf("round 1's ticket %d is left after the purge", id)
					}
				}
				for _, id := range theirs {
					if n, _ := c.Exists(ctx, "natq:{c1}:t:"+strconv.FormatUint(id, 10)).Result(); n != 1 {
						t.Errorf("round 2's ticket %d is gone after round 1's purge", id)
					}
				}
			})
		})
	}
}

// testOtherSecret: an instance started with another NATQ_SECRET on the
// store of a round already open is refused at start, saying why: its
// tickets would be "not found" on the others, and theirs on it. One with
// the same secret opens the round as before.
func testOtherSecret(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, _ := queuetest.Service(t, c, nil)
	if _, _, err := s.Book(ctx, "c1", hh("b1", "", "101", 1)); err != nil {
		t.Fatal(err)
	}
	other, err := qr.NewSigner([]byte("another-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	o := queue.DefaultOptions()
	err = queue.New(c, other, o).OpenRound(ctx, queuetest.Plan(t, "c1.plan.geojson"))
	wantCode(t, "opening the round with another secret", err, errs.Invalid)
	if err == nil || !strings.Contains(err.Error(), "NATQ_SECRET") || !strings.Contains(err.Error(), "2026-12-01") {
		t.Errorf("opening with another secret = %v; want it to name NATQ_SECRET and the round", err)
	}
	if err := queue.New(c, queuetest.Signer(t), o).OpenRound(ctx, queuetest.Plan(t, "c1.plan.geojson")); err != nil {
		t.Errorf("opening with the same secret: %v", err)
	}
	// The next day's round may be signed with a new secret.
	next := queuetest.Plan(t, "c1-next.plan.geojson")
	if next.Date == "2026-12-01" {
		t.Fatalf("c1-next.plan.geojson is for %s, want another day", next.Date)
	}
	if err := queue.New(c, other, o).OpenRound(ctx, next); err != nil {
		t.Errorf("opening the next day's round with a new secret: %v", err)
	}
}

// testOldPlanNextToToday: plans whose newest is for a day before a round
// the store has are refused before anything is opened, saying which day
// to load; with the later day's plan among them they are fine.
func testOldPlanNextToToday(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	o := queue.DefaultOptions()
	today := queue.New(c, queuetest.Signer(t), o)
	next := queuetest.Plan(t, "c1-next.plan.geojson")
	if err := today.CheckLatest(ctx, []*queue.Plan{next}); err != nil {
		t.Fatalf("CheckLatest on an empty store: %v", err)
	}
	if err := today.OpenRound(ctx, next); err != nil {
		t.Fatal(err)
	}
	old := queuetest.Plan(t, "c1.plan.geojson")
	late := queue.New(c, queuetest.Signer(t), o)
	err := late.CheckLatest(ctx, []*queue.Plan{old})
	wantCode(t, "yesterday's plan next to today's round", err, errs.Invalid)
	if err == nil || !strings.Contains(err.Error(), next.Date) || !strings.Contains(err.Error(), old.Date) {
		t.Errorf("CheckLatest(yesterday's plan) = %v; want it to name both days", err)
	}
	if n, _ := c.Exists(ctx, "natq:{c1}:r:"+old.Date+":state").Result(); n != 0 {
		t.Errorf("the refused plan's round was opened")
	}
	if err := late.CheckLatest(ctx, []*queue.Plan{old, next}); err != nil {
		t.Errorf("CheckLatest(both days): %v", err)
	}
}
