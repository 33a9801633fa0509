package queue

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/redis/go-redis/v9"
)

// batcher runs scripts and reads on the store, those that come while it
// is busy in one pipeline: at most maxBatches round trips are in flight, and a script
// that finds them all taken waits for the next, which takes every script
// waiting then. Each script is still one atomic EVALSHA with its own
// reply; what is shared is the system calls of a round trip, a write and a
// read on natq's side and Redis's, which cost more than natq's own work on
// a booking. A script alone (a quiet store) goes at once, as before.
type batcher struct {
	rdb redis.UniversalClient

	mu    sync.Mutex
	busy  int     // round trips in flight
	queue []*call // scripts waiting for one
}

// maxBatches is how many round trips of scripts may be in flight at
// once. Redis runs one script at a time; with four, one pipeline is being
// written or read while another runs.
const maxBatches = 4

// call is one script run, or one set of reads (add).
type call struct {
	sc   *redis.Script
	keys []string
	args []any

	add func(redis.Pipeliner) // queues the reads, when sc is nil

	// records: sc takes its arguments as one record per call and answers
	// a list of one reply per record (book.lua and the desk's changes:
	// records in service.go, each_record in prelude.lua), so that calls of it with
	// the same keys that wait for one round trip are sent as one script
	// run (up to maxRecords), which costs Redis less than one run each.
	records bool

	v   any
	err error

	done  chan struct{} // given when v, err are set, or when the call is to lead batch
	batch []*call       // the scripts this call is to send, when it leads
}

// maxRecords is how many calls of a records script one run may take:
// the run is atomic, so it holds Redis for all of them (a booking is ~15
// µs of Redis time).
const maxRecords = 32

// run runs script sc on keys and args; records as for call.records, in
// which case the reply is the record's own.
func (b *batcher) run(ctx context.Context, sc *redis.Script, keys []string, args []any, records bool) (any, error) {
	c := &call{sc: sc, keys: keys, args: args, records: records}
	b.do(ctx, c)
	return c.v, c.err
}

// pipelined runs the commands add queues, in one round trip with others
// waiting for one; each command keeps its own reply and error.
func (b *batcher) pipelined(ctx context.Context, add func(redis.Pipeliner)) {
	b.do(ctx, &call{add: add})
}

func (b *batcher) do(ctx context.Context, c *call) {
	b.mu.Lock()
	if b.busy < maxBatches {
		b.busy++
		b.mu.Unlock()
		b.lead(ctx, []*call{c})
		return
	}
	c.done = make(chan struct{}, 1)
	b.queue = append(b.queue, c)
	b.mu.Unlock()
	<-c.done
	if c.batch != nil {
		b.lead(ctx, c.batch)
	}
}

// lead sends batch (whose first call is the caller's), gives each other
// call its reply, and hands the round trip to the scripts that queued
// meanwhile, if any.
func (b *batcher) lead(ctx context.Context, batch []*call) {
	// Deferred, so that a panic in the client does not leave the other
	// calls waiting, nor the round trip taken for good.
	defer b.handOff(batch)
	b.send(ctx, batch)
}

func (b *batcher) handOff(batch []*call) {
	for _, c := range batch[1:] {
		c.done <- struct{}{}
	}
	b.mu.Lock()
	next := b.queue
	b.queue = nil
	if len(next) == 0 {
		b.busy--
	}
	b.mu.Unlock()
	if len(next) > 0 {
		next[0].batch = next
		next[0].done <- struct{}{}
	}
}

// send runs batch: a script alone as one EVALSHA (EVAL when the store
// does not have the script yet), else one pipeline of every call's
// commands, in which the calls of a records script with the same keys go
// as one run.
func (b *batcher) send(ctx context.Context, batch []*call) {
	if c := batch[0]; len(batch) == 1 && c.sc != nil {
		v, err := c.sc.Run(ctx, b.rdb, c.keys, c.args...).Result()
		deliver(batch, v, err)
		return
	}
	if len(batch) > 1 {
		// The pipeline serves other requests than the leader's: its end
		// must not end theirs.
		ctx = context.WithoutCancel(ctx)
	}
	runs := make([]*scriptRun, 0, len(batch))
	for _, c := range batch {
		if c.records {
			if r := joinable(runs, c); r != nil {
				r.calls = append(r.calls, c)
				continue
			}
		}
		runs = append(runs, &scriptRun{sc: c.sc, keys: c.keys, calls: []*call{c}, args: c.args})
	}
	for _, r := range runs {
		if len(r.calls) > 1 {
			r.args = make([]any, 0, len(r.calls)*len(r.args))
			for _, c := range r.calls {
				r.args = append(r.args, c.args...)
			}
		}
	}
	pipe := b.rdb.Pipeline()
	for _, r := range runs {
		if r.sc != nil {
			r.cmd = pipe.EvalSha(ctx, r.sc.Hash(), r.keys, r.args...)
		} else {
			r.calls[0].add(pipe)
		}
	}
	pipe.Exec(ctx) // each command has its own error
	for _, r := range runs {
		if r.sc == nil {
			continue
		}
		v, err := r.cmd.Result()
		if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			v, err = r.sc.Run(ctx, b.rdb, r.keys, r.args...).Result()
		}
		deliver(r.calls, v, err)
	}
}

// joinable is the run of runs that records call c may join: the same
// script on the same keys, with room for one more record; nil when none.
// A batch has a few runs, so a scan costs less than a map of joined keys.
func joinable(runs []*scriptRun, c *call) *scriptRun {
	for _, r := range runs {
		if r.sc == c.sc && r.calls[0].records && len(r.calls) < maxRecords && slices.Equal(r.keys, c.keys) {
			return r
		}
	}
	return nil
}

// scriptRun is one EVALSHA of a pipeline: one call's, or the calls of a
// records script joined (args theirs in order); or, sc nil, one call's
// reads.
type scriptRun struct {
	sc    *redis.Script
	keys  []string
	args  []any
	calls []*call
	cmd   *redis.Cmd
}

// deliver gives calls the reply of their script run: a records script's
// list, one reply per call (an error reply in it is that call's error),
// else the one call its reply.
func deliver(calls []*call, v any, err error) {
	if !calls[0].records {
		calls[0].v, calls[0].err = v, err
		return
	}
	list, ok := v.([]any)
	if err == nil && (!ok || len(list) != len(calls)) {
		err = fmt.Errorf("queue: a script run for %d records answered %T of %d", len(calls), v, len(list))
	}
	for i, c := range calls {
		if err != nil {
			c.err = err
			continue
		}
		if e, ok := list[i].(error); ok {
			c.err = e
			continue
		}
		c.v = list[i]
	}
}
