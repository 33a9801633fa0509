package queue_test

import (
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"natq/planner/errs"
	"natq/queue"
	"natq/queue/queuetest"
)

func TestLoadPlan(t *testing.T) {
	p := queuetest.Plan(t, "c1.plan.geojson")
	if p.Compound.ID != "c1" || p.Date != "2026-12-01" || p.TZ.String() != "Asia/Shanghai" {
		t.Errorf("LoadPlan = %+v %s %s", p.Compound, p.Date, p.TZ)
	}
	if len(p.Windows) != 12 || len(p.Variants) != 2 || len(p.Buildings) != 4 || len(p.Sites) != 4 {
		t.Errorf("LoadPlan: %d windows, %v, %d buildings, %d sites; want 12, [dry wet], 4, 4",
			len(p.Windows), p.Variants, len(p.Buildings), len(p.Sites))
	}
	for i := 1; i < len(p.Windows); i++ {
		if p.Windows[i].Start.Before(p.Windows[i-1].Start) {
			t.Errorf("windows not by start at %d", i)
		}
	}
	if w := p.Windows[0]; w.Capacity != 37 || w.Site != "s1" || w.Groups[0].Building != "b1" {
		t.Errorf("first window = %+v", w)
	}
}

func TestLoadPlanErrors(t *testing.T) {
	const site = `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121,31],[121.001,31],[121.001,31.001],[121,31]]]},"properties":{"natq:kind":"site","natq:site":"s1","natq:variant":"dry","natq:desks":1}}`
	const building = `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121,31],[121.001,31],[121.001,31.001],[121,31]]]},"properties":{"natq:kind":"building","natq:building":"b1","natq:variant":"dry"}}`
	const head = `{"type":"FeatureCollection","natq:compound":{"id":"c1"},"natq:params":{"date":"2026-12-01","tz":"Asia/Shanghai","spacing":1},`
	for _, c := range []struct{ in, want string }{
		{`nope`, "not JSON"},
		{`{"type":"Feature"}`, `type is "Feature", want FeatureCollection`},
		{`{"type":"FeatureCollection"}`, `"natq:compound" missing`},
		{`{"type":"FeatureCollection","natq:compound":{"id":"c 1"}}`, `its id is not`},
		{`{"type":"FeatureCollection","natq:compound":{"id":"c1"},"natq:params":{"date":"1.12.2026"}}`, `date "1.12.2026" is not YYYY-MM-DD`},
		{`{"type":"FeatureCollection","natq:compound":{"id":"c1"},"natq:params":{"date":"2026-12-01","tz":"Mars/Base"}}`, `tz "Mars/Base"`},
		{head + `"natq:schedule":[]}`, `has no windows`},
		{head + `"natq:schedule":[{"variant":"fog","site":"s1"}]}`, `"natq:schedule"[0]: variant "fog"`},
		{head + `"natq:schedule":[{"variant":"dry","site":"s1","start":"07:00","end":"x","capacity":3}]}`, `"natq:schedule"[0]: start`},
		{head + `"natq:schedule":[{"variant":"dry","site":"s1","start":"2026-12-01T07:00:00+08:00","end":"2026-12-01T06:00:00+08:00","capacity":3}]}`, `is not after start`},
		{head + `"natq:schedule":[{"variant":"dry","site":"s1","start":"2026-12-01T07:00:00+08:00","end":"2026-12-01T07:15:00+08:00"}]}`, `capacity missing`},
		{head + `"natq:schedule":[{"variant":"dry","site":"s1","start":"2026-12-01T07:00:00+08:00","end":"2026-12-01T07:15:00+08:00","capacity":3,"groups":[{"unit":"1"}]}]}`, `groups[0]: building missing`},
		{head + `"natq:schedule":[{"variant":"dry","site":"s1","start":"2026-12-01T07:00:00+08:00","end":"2026-12-01T07:15:00+08:00","capacity":3}]}`, `site s1 (dry) is not a site of the plan`},
		{head + `"natq:schedule":[{"variant":"dry","site":"s1","start":"2026-12-01T07:00:00+08:00","end":"2026-12-01T07:15:00+08:00","capacity":3}],"features":[` + site + `]}`, `capacity 3 is more than the 0 people the line of site s1 (dry) holds`},
		{head + `"natq:schedule":[{"variant":"dry","site":"s1","start":"2026-12-01T07:00:00+08:00","end":"2026-12-01T07:15:00+08:00","capacity":3,"groups":[{"building":"b|1"}]}],"features":[` + strings.Replace(site, `"natq:desks"`, `"natq:line_capacity":5,"natq:desks"`, 1) + `]}`, `building "b|1" is not a building`},
		{head + `"natq:schedule":[{"variant":"dry","site":"s1","start":"2026-12-01T07:00:00+08:00","end":"2026-12-01T07:15:00+08:00","capacity":3,"groups":[{"building":"b1","unit":"1|2"}]}],"features":[` + strings.Replace(site, `"natq:desks"`, `"natq:line_capacity":5,"natq:desks"`, 1) + `,` + building + `]}`, `"natq:schedule"[0].groups[0]: building or unit has a "|"`},
	} {
		_, err := queue.LoadPlan(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadPlan(%.60s) = %v, want an error containing %q", c.in, err, c.want)
		}
		if code := errs.CodeOf(err); err != nil && code != errs.Invalid {
			t.Errorf("LoadPlan(%.60s) error code %q, want %q (bad input)", c.in, code, errs.Invalid)
		}
	}
}

func TestOpenRoundOtherPlan(t *testing.T) {
	c := queuetest.Stores()[0].Client(t)
	s, _ := queuetest.Service(t, c, nil)
	p := queuetest.Plan(t, "c1.plan.geojson")
	if err := s.OpenRound(ctx, p); err != nil {
		t.Errorf("OpenRound(same plan again) = %v", err)
	}
	p.Windows[0].Capacity++
	err := s.OpenRound(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "open with another plan") {
		t.Errorf("OpenRound(changed plan, same day) = %v, want refused", err)
	}
}

// TestOpenRoundOldLayout: a round opened by an older natq, which kept
// every ticket's fields in one hash (natq:{c}:tk), is refused with what
// to do, and its tickets can still be purged.
func TestOpenRoundOldLayout(t *testing.T) {
	c := queuetest.Stores()[0].Client(t)
	s, _ := queuetest.Service(t, c, nil)
	p := queuetest.Plan(t, "c1.plan.geojson")
	state := "natq:{c1}:r:" + p.Date + ":state"
	if err := c.HDel(ctx, state, "layout").Err(); err != nil {
		t.Fatal(err)
	}
	err := s.OpenRound(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "opened by an older natq") || !strings.Contains(err.Error(), "natq round purge") {
		t.Errorf("OpenRound(a round of the old layout) = %v, want refused, naming the purge", err)
	}
	// An old round of the day before, its tickets 7 and 8 in the one hash
	// beside ticket 9 of another round.
	old := "2026-11-30"
	c.ZAdd(ctx, "natq:{c1}:rounds", redis.Z{Score: 1, Member: old})
	c.ZAdd(ctx, "natq:{c1}:r:"+old+":order", redis.Z{Score: 7, Member: "7"}, redis.Z{Score: 8, Member: "8"})
	c.HSet(ctx, "natq:{c1}:tk", "7:st", "booked", "7:b", "b1", "8:st", "sampled", "9:st", "booked")
	if _, err := s.PurgeRound(ctx, "c1", old); err != nil {
		t.Fatal(err)
	}
	left, _ := c.HKeys(ctx, "natq:{c1}:tk").Result()
	if len(left) != 1 || left[0] != "9:st" {
		t.Errorf("the old hash after purging round %s holds %v; want only 9:st", old, left)
	}
}
