package queue

import (
	"context"
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
	cmd  *redis.Cmd // sc's EVALSHA, in a pipeline

	add func(redis.Pipeliner) // queues the reads, when sc is nil

	v   any
	err error

	done  chan struct{} // given when v, err are set, or when the call is to lead batch
	batch []*call       // the scripts this call is to send, when it leads
}

// run runs script sc on keys and args.
func (b *batcher) run(ctx context.Context, sc *redis.Script, keys []string, args []any) (any, error) {
	c := &call{sc: sc, keys: keys, args: args}
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
// commands.
func (b *batcher) send(ctx context.Context, batch []*call) {
	if c := batch[0]; len(batch) == 1 && c.sc != nil {
		c.v, c.err = c.sc.Run(ctx, b.rdb, c.keys, c.args...).Result()
		return
	}
	if len(batch) > 1 {
		// The pipeline serves other requests than the leader's: its end
		// must not end theirs.
		ctx = context.WithoutCancel(ctx)
	}
	pipe := b.rdb.Pipeline()
	for _, c := range batch {
		if c.sc != nil {
			c.cmd = pipe.EvalSha(ctx, c.sc.Hash(), c.keys, c.args...)
		} else {
			c.add(pipe)
		}
	}
	pipe.Exec(ctx) // each command has its own error
	for _, c := range batch {
		if c.sc == nil {
			continue
		}
		c.v, c.err = c.cmd.Result()
		if c.err != nil && redis.HasErrorPrefix(c.err, "NOSCRIPT") {
			c.v, c.err = c.sc.Run(ctx, b.rdb, c.keys, c.args...).Result()
		}
	}
}
