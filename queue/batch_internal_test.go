package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"natq/qr"
	"natq/queue/internal/redistest"
)

// pipeCounter counts pipelines of scripts and the scripts in them (not
// the client's own, which sets up each connection).
type pipeCounter struct{ pipes, cmds, single atomic.Int64 }

func (*pipeCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (p *pipeCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		p.single.Add(1)
		return next(ctx, cmd)
	}
}
func (p *pipeCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && cmds[0].Name() == "evalsha" {
			p.pipes.Add(1)
			p.cmds.Add(int64(len(cmds)))
		}
		return next(ctx, cmds)
	}
}

// TestBatcherPipelinesWaitingScripts: scripts that come while every round
// trip is taken go in the next one, as one pipeline, and each gets its own
// reply or error, a script the store does not have yet included.
func TestBatcherPipelinesWaitingScripts(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	count := &pipeCounter{}
	rdb.AddHook(count)
	ctx := context.Background()
	echo := redis.NewScript(`if ARGV[1] == 'no' then return redis.error_reply('REFUSED ' .. KEYS[1]) end
return {KEYS[1], ARGV[1], redis.call('INCR', 'n')}`)
	b := &batcher{rdb: rdb}
	b.busy = maxBatches // every round trip taken: the calls below queue
	const n = 20
	var wg sync.WaitGroup
	got := make([]any, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			arg := "yes"
			if i%5 == 0 {
				arg = "no"
			}
			got[i], errs[i] = b.run(ctx, echo, []string{fmt.Sprint("k", i)}, []any{arg}, false)
		}()
	}
	waitQueued(t, b, n)
	// One round trip ends: the queued scripts go, together.
	first := &call{sc: echo, keys: []string{"first"}, args: []any{"yes"}}
	b.lead(ctx, []*call{first})
	wg.Wait()
	if first.err != nil {
		t.Fatal(first.err)
	}
	for i := range n {
		if i%5 == 0 {
			if want := fmt.Sprint("REFUSED k", i); errs[i] == nil || errs[i].Error() != want {
				t.Errorf("call %d: error %v, want %s", i, errs[i], want)
			}
			continue
		}
		v, ok := got[i].([]any)
		if errs[i] != nil || !ok || len(v) != 3 || v[0] != fmt.Sprint("k", i) || v[1] != "yes" {
			t.Errorf("call %d: %v, %v", i, got[i], errs[i])
		}
	}
	if p, c := count.pipes.Load(), count.cmds.Load(); p != 1 || c != n {
		t.Errorf("%d pipelines of %d commands in all, want one of %d", p, c, n)
	}
	if b.busy != maxBatches-1 || len(b.queue) != 0 {
		t.Errorf("after the round trips: %d in flight, %d waiting; want %d, 0", b.busy, len(b.queue), maxBatches-1)
	}
	if v, _ := rdb.Get(ctx, "n").Int(); v != n-n/5+1 {
		t.Errorf("the scripts ran %d times, want %d", v, n-n/5+1)
	}
}

// TestBatcherAlone: a script that finds a round trip free goes at once,
// on its own.
func TestBatcherAlone(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	count := &pipeCounter{}
	rdb.AddHook(count)
	b := &batcher{rdb: rdb}
	v, err := b.run(context.Background(), redis.NewScript(`return ARGV[1]`), nil, []any{"x"}, false)
	if err != nil || v != "x" {
		t.Fatalf("run = %v, %v", v, err)
	}
	if count.pipes.Load() != 0 || b.busy != 0 {
		t.Errorf("%d pipelines, %d in flight after; want 0, 0", count.pipes.Load(), b.busy)
	}
}

// TestBatcherJoinsRecords: calls of a records script (one record of
// arguments each, a list of replies) that wait for the same round trip
// with the same keys go as one script run, up to maxRecords a run, calls
// with other keys as another; each call gets its own record's reply or
// error, in a pipeline with other scripts, the store not having the
// script yet; a call alone gets its record's reply unwrapped.
func TestBatcherJoinsRecords(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()
	count := &pipeCounter{}
	rdb.AddHook(count)
	ctx := context.Background()
	each := redis.NewScript(`local out = {}
for o = 1, #ARGV, 2 do
  if ARGV[o] == 'no' then out[#out + 1] = redis.error_reply('REFUSED ' .. ARGV[o + 1])
  else out[#out + 1] = {KEYS[1], ARGV[o + 1], redis.call('INCR', KEYS[1])} end
end
return out`)
	plain := redis.NewScript(`return ARGV[1]`)
	b := &batcher{rdb: rdb}
	b.busy = maxBatches
	const n = 80 // 70 on {a}: three runs (32, 32, 6); 10 on {b}: one
	var wg sync.WaitGroup
	got := make([]any, n+1)
	errs := make([]error, n+1)
	for i := range n + 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == n {
				got[i], errs[i] = b.run(ctx, plain, nil, []any{"plain"}, false)
				return
			}
			key, arg := "{a}", "yes"
			if i%8 == 0 {
				key = "{b}"
			}
			if i%7 == 0 {
				arg = "no"
			}
			got[i], errs[i] = b.run(ctx, each, []string{key}, []any{arg, fmt.Sprint("r", i)}, true)
		}()
	}
	waitQueued(t, b, n+1)
	b.lead(ctx, []*call{{sc: plain, args: []any{"first"}}})
	wg.Wait()
	seen := map[string]map[int64]bool{"{a}": {}, "{b}": {}}
	for i := range n {
		if i%7 == 0 {
			if want := fmt.Sprint("REFUSED r", i); errs[i] == nil || errs[i].Error() != want {
				t.Errorf("call %d: error %v, want %s", i, errs[i], want)
			}
			continue
		}
		v, ok := got[i].([]any)
		if errs[i] != nil || !ok || len(v) != 3 || v[1] != fmt.Sprint("r", i) {
			t.Errorf("call %d: %v, %v", i, got[i], errs[i])
			continue
		}
		k, _ := v[0].(string)
		if m := seen[k]; m == nil || m[v[2].(int64)] {
			t.Errorf("call %d: key %v count %v again or unknown", i, v[0], v[2])
		} else {
			m[v[2].(int64)] = true
		}
	}
	if got[n] != "plain" || errs[n] != nil {
		t.Errorf("the plain script in the pipeline: %v, %v", got[n], errs[n])
	}
	if p, c := count.pipes.Load(), count.cmds.Load(); p != 1 || c != 5 {
		t.Errorf("%d pipelines of %d commands in all, want one of 5 (three runs on {a}, one on {b}, the plain one)", p, c)
	}
	v, err := b.run(ctx, each, []string{"{b}"}, []any{"yes", "alone"}, true)
	if r, ok := v.([]any); err != nil || !ok || len(r) != 3 || r[1] != "alone" {
		t.Errorf("a records call alone = %v, %v; want its own reply", v, err)
	}
}

// TestBookRunKeepsEachRecord: bookings joined into one run of book.lua
// answer each for itself: when one fails inside the script (here its
// window's counter is not a number), the others are booked and told so,
// as if each had run alone, on every store.
func TestBookRunKeepsEachRecord(t *testing.T) {
	for _, store := range []string{"embedded", "redis-server"} {
		t.Run(store, func(t *testing.T) {
			var rdb redis.UniversalClient
			if store == "embedded" {
				rdb = redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
			} else {
				rdb = redis.NewClient(&redis.Options{Addr: redistestAddr(t)})
			}
			defer rdb.Close()
			s, p := serviceOn(t, rdb)
			// b1's first window of the day (its booking goes there) made
			// unreadable; b2's is another window.
			ctx := context.Background()
			w1, w2 := p.Windows[p.candidates("dry", "b1", "")[0]].Index, p.Windows[p.candidates("dry", "b2", "1")[0]].Index
			if w1 == w2 {
				t.Fatalf("b1 and b2 share window %d: the test needs two", w1)
			}
			if err := rdb.HSet(ctx, keysOf("c1").r(p.Date, "win"), strconv.Itoa(w1)+":booked", "not a number").Err(); err != nil {
				t.Fatal(err)
			}
			s.b.busy = maxBatches // the bookings below wait for one round trip, together
			type answer struct {
				b   *Booking
				err error
			}
			got := make([]answer, 2)
			var wg sync.WaitGroup
			for i, h := range []Household{{Building: "b1", Room: "101", Party: 1}, {Building: "b2", Unit: "1", Room: "101", Party: 1}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					b, _, err := s.Book(ctx, "c1", h)
					got[i] = answer{b, err}
				}()
			}
			waitQueued(t, s.b, 2)
			s.b.lead(ctx, []*call{{sc: redis.NewScript(`return 1`)}})
			wg.Wait()
			if got[0].err == nil {
				t.Errorf("b1's booking into its broken window = %+v, want an error", got[0].b)
			}
			if got[1].err != nil || got[1].b == nil || got[1].b.Household.Building != "b2" {
				t.Errorf("b2's booking in the same run = %+v, %v; want its ticket", got[1].b, got[1].err)
			}
		})
	}
}

// redistestAddr starts a redis-server of the test's own.
func redistestAddr(t *testing.T) string {
	srv, err := redistest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return srv.Addr
}

// serviceOn is a service on rdb with the fixture plan c1 open, on the
// fixtures' morning.
func serviceOn(t *testing.T, rdb redis.UniversalClient) (*Service, *Plan) {
	t.Helper()
	signer, _ := qr.NewSigner([]byte("batch-test-secret-0123456789"))
	o := DefaultOptions()
	o.Now = func() time.Time { return time.Date(2026, 12, 1, 6, 0, 0, 0, time.FixedZone("CST", 8*3600)) }
	s := New(rdb, signer, o)
	f, err := os.Open("testdata/c1.plan.geojson")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := LoadPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.OpenRound(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return s, p
}

// TestDeskRunKeepsEachRecord: check-ins joined into one run of checkin.lua
// answer each for itself, a refused one (the wrong site) beside one that
// is let in, and the call joined after them takes the one let in.
func TestDeskRunKeepsEachRecord(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistestAddr(t)})
	defer rdb.Close()
	s, _ := serviceOn(t, rdb)
	ctx := context.Background()
	tok, err := s.AddStaff(ctx, "c1", "marshal", RoleMarshal)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	var tickets []*Booking
	for _, room := range []string{"101", "102", "103", "104"} {
		b, _, err := s.Book(ctx, "c1", Household{Building: "b1", Room: room, Party: 1})
		if err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, b)
	}
	s.opts.Now = func() time.Time { return tickets[0].Window.Start }
	joined := func(fns ...func() error) []error {
		t.Helper()
		s.b.busy = maxBatches
		errs := make([]error, len(fns))
		var wg sync.WaitGroup
		for i, fn := range fns {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = fn() }()
		}
		waitQueued(t, s.b, len(fns))
		s.b.lead(ctx, []*call{{sc: redis.NewScript(`return 1`)}})
		wg.Wait()
		s.b.busy = 0
		return errs
	}
	other := "s1" // a site of the plan, not the first ticket's: refused in the script
	if tickets[0].Site == "s1" {
		other = "s2"
	}
	var in *TicketView
	errs := joined(
		func() error { _, err := s.CheckIn(ctx, st, other, tickets[0].Ticket); return err },
		func() (err error) { in, err = s.CheckIn(ctx, st, tickets[1].Site, tickets[1].Ticket); return err })
	if errs[0] == nil || errs[1] != nil || in == nil || in.State != "checked_in" || in.ID != tickets[1].ID {
		t.Fatalf("joined check-ins: %v / %v, %+v; want the first refused, the second in line", errs[0], errs[1], in)
	}
	var called *TicketView
	errs = joined(func() (err error) { called, err = s.CallNext(ctx, st, tickets[1].Site, 1); return err },
		func() error { _, err := s.CallNext(ctx, st, tickets[1].Site, 2); return err })
	if errs[0] != nil && errs[1] != nil || called != nil && called.ID != tickets[1].ID {
		t.Errorf("joined calls: %v / %v, %+v; want one of them to call ticket %d", errs[0], errs[1], called, tickets[1].ID)
	}
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Errorf("joined calls to two desks with one in line: %v / %v; want one called, one told the line is empty", errs[0], errs[1])
	}
	// One run of three check-ins whose tokens the script checks (StaffOf,
	// as over HTTP), the second a token never issued: each record's token
	// is checked as its own (staff_check reads a token once a run).
	marshal, err := s.StaffOf(tok)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := s.StaffOf("c1.never-issued")
	if err != nil {
		t.Fatal(err)
	}
	errs = joined(
		func() error { _, err := s.CheckIn(ctx, marshal, tickets[2].Site, tickets[2].Ticket); return err },
		func() error { _, err := s.CheckIn(ctx, stranger, tickets[3].Site, tickets[3].Ticket); return err },
		func() error { _, err := s.CheckIn(ctx, marshal, tickets[3].Site, tickets[3].Ticket); return err })
	if errs[0] != nil || !errors.Is(errs[1], ErrUnauthorized) || errs[2] != nil {
		t.Fatalf("joined check-ins by marshal, stranger, marshal: %v / %v / %v; want ok, unauthorized, ok", errs[0], errs[1], errs[2])
	}
}

// waitQueued waits, up to 5 s, until n calls wait in b's queue for a round
// trip.
func waitQueued(t *testing.T, b *batcher, n int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); ; {
		b.mu.Lock()
		q := len(b.queue)
		b.mu.Unlock()
		if q == n {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%d of %d calls waiting for a round trip after 5 s", q, n)
		}
	}
}
