package queue_test

import (
	"strings"
	"testing"
	"time"

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
