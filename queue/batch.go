package queue

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// batcher runs scripts on the store, those that come while it is busy in
// one pipeline: at most maxBatches round trips are in flight, and a script
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

// call is one script run.
type call struct {
	sc   *redis.Script
	keys []string
	args []any

	v   any
	err error

	done  chan struct{} // given when v, err are set, or when the call is to lead batch
	batch []*call       // the scripts this call is to send, when it leads
}

// run runs script sc on keys and args.
func (b *batcher) run(ctx context.Context, sc *redis.Script, keys []string, args []any) (any, error) {
	c := &call{sc: sc, keys: keys, args: args}
	b.mu.Lock()
	if b.busy < maxBatches {
		b.busy++
		b.mu.Unlock()
		b.lead(ctx, []*call{c})
		return c.v, c.err
	}
	c.done = make(chan struct{}, 1)
	b.queue = append(b.queue, c)
	b.mu.Unlock()
	<-c.done
	if c.batch != nil {
		b.lead(ctx, c.batch)
	}
	return c.v, c.err
}

// lead sends batch (whose first call is the caller's), gives each other
// call its reply, and hands the round trip to the scripts that queued
// meanwhile, if any.
func (b *batcher) lead(ctx context.Context, batch []*call) {
	b.send(ctx, batch)
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

// send runs batch's scripts: one EVALSHA (EVAL when the store does not
// have the script yet), or a pipeline of them.
func (b *batcher) send(ctx context.Context, batch []*call) {
	if len(batch) == 1 {
		c := batch[0]
		c.v, c.err = c.sc.Run(ctx, b.rdb, c.keys, c.args...).Result()
		return
	}
	// The pipeline serves other requests than the leader's: its end must
	// not end theirs.
	ctx = context.WithoutCancel(ctx)
	pipe := b.rdb.Pipeline()
	cmds := make([]*redis.Cmd, len(batch))
	for i, c := range batch {
		cmds[i] = pipe.EvalSha(ctx, c.sc.Hash(), c.keys, c.args...)
	}
	pipe.Exec(ctx) // each command has its own error
	for i, c := range batch {
		c.v, c.err = cmds[i].Result()
		if c.err != nil && redis.HasErrorPrefix(c.err, "NOSCRIPT") {
			c.v, c.err = c.sc.Run(ctx, b.rdb, c.keys, c.args...).Result()
		}
	}
}
