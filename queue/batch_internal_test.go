package queue

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
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
			got[i], errs[i] = b.run(ctx, echo, []string{fmt.Sprint("k", i)}, []any{arg})
		}()
	}
	for {
		b.mu.Lock()
		q := len(b.queue)
		b.mu.Unlock()
		if q == n {
			break
		}
	}
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
	v, err := b.run(context.Background(), redis.NewScript(`return ARGV[1]`), nil, []any{"x"})
	if err != nil || v != "x" {
		t.Fatalf("run = %v, %v", v, err)
	}
	if count.pipes.Load() != 0 || b.busy != 0 {
		t.Errorf("%d pipelines, %d in flight after; want 0, 0", count.pipes.Load(), b.busy)
	}
}
