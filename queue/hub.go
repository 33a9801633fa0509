package queue

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// hub is the service's Redis subscription, fanned out in process to
// every listener (an event stream): however many residents watch, an
// instance holds one pub/sub connection (one per compound on a sharded
// cluster), and a listener costs a channel and a map entry, not a socket
// to Redis. On one Redis, or a cluster without sharded pub/sub, the
// subscription is a pattern per compound (natq:{c}:ev:*), added the first
// time one of the compound's channels is watched, and another for its
// sites' bookings (natq:{c}:bk:*) the first time a listener watches one
// of those (a tablet); the scripts PUBLISH. On a Redis 7 cluster the
// scripts SPUBLISH, which only the compound's shard carries (a PUBLISH
// goes to every node of the cluster),
// and the hub SSUBSCRIBEs to each channel a listener watches, on the
// compound's shard, until its last listener goes. go-redis re-subscribes
// after a reconnection.
type hub struct {
	rdb redis.UniversalClient
	// expand turns a script's compact event (raw_event in prelude.lua;
	// a JSON array from an instance before "natq2") into the Event JSON
	// listeners get; nil drops it.
	expand func(channel, raw string) []byte
	// sharded: SSUBSCRIBE per channel (pubsub.go's sharded decides it
	// with the scripts' SPUBLISH), else a pattern per compound.
	sharded func() bool

	mu sync.Mutex
	ps *redis.PubSub
	// patterns are the pattern subscription's patterns, each with a
	// channel closed once Redis confirmed it.
	patterns map[string]chan struct{}
	shards   map[string]*shard                 // sharded: by compound prefix "natq:{c}:"
	subs     map[string]map[*listener]struct{} // channel -> listeners
	n        int                               // listeners
}

// shard is a compound's sharded subscription: the channels asked for,
// each with a channel closed once Redis confirmed it.
type shard struct {
	ps    *redis.PubSub
	ready map[string]chan struct{}
}

// listenerBuffer is how many events a listener may fall behind by (the
// events are shared, so a waiting one costs a slice header); a listener
// further behind (a stalled client, or a site's burst on a starved
// machine) is dropped, and its page reconnects and reads the state afresh.
const listenerBuffer = 256

// A listener's events wait in a queue that grows only while it is
// behind: an idle listener (most of them, most of the time) holds no
// buffer, where a channel of listenerBuffer would hold 6 KB each.
type listener struct {
	channels []string
	ready    chan struct{} // one token: events wait, or it has ended
	once     sync.Once

	mu    sync.Mutex
	q     [][]byte
	ended bool
	wake  func() // besides ready, when set (Stream.OnReady)

	resynced time.Time // when last handed resyncEvent (h.mu)
}

// push queues an event for l; false when l is too far behind.
func (l *listener) push(b []byte) bool {
	l.mu.Lock()
	if l.ended {
		l.mu.Unlock()
		return true
	}
	if len(l.q) >= listenerBuffer {
		l.mu.Unlock()
		return false
	}
	l.q = append(l.q, b)
	w := l.wake
	l.mu.Unlock()
	l.signal(w)
	return true
}

func (l *listener) signal(wake func()) {
	select {
	case l.ready <- struct{}{}:
	default:
	}
	if wake != nil {
		wake()
	}
}

// take appends the waiting events to dst; ended is true once l has ended
// and nothing waits (the events queued before its end are taken first).
func (l *listener) take(dst [][]byte) (_ [][]byte, ended bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.q)
	dst = append(dst, l.q...)
	if cap(l.q) > 16 {
		l.q = nil // a burst's queue is not kept
	} else {
		clear(l.q)
		l.q = l.q[:0]
	}
	if l.ended && n > 0 {
		l.signal(l.wake) // to come back for the end
	}
	return dst, l.ended && n == 0
}

func newHub(rdb redis.UniversalClient, expand func(channel, raw string) []byte, sharded func() bool) *hub {
	return &hub{rdb: rdb, expand: expand, sharded: sharded, patterns: map[string]chan struct{}{}, shards: map[string]*shard{},
		subs: map[string]map[*listener]struct{}{}}
}

// pattern is the subscription pattern that covers an event channel: its
// compound's of its kind, "natq:{c}:ev:*" for the tickets' and sites'
// events, "natq:{c}:bk:*" for the sites' bookings (held from the first
// listener of a bookings channel: an instance without one is not sent
// the compound's bookings).
func pattern(channel string) string {
	p := compoundPrefix(channel)
	kind, _, _ := strings.Cut(channel[len(p):], ":")
	return p + kind + ":*"
}

// watch registers a listener on channels; it ends when ctx ends, when it
// falls too far behind, or when the store's client is closed. The
// subscription is in place when it returns: Redis confirmed each pattern
// (or, sharded, each channel) the channels need.
func (h *hub) watch(ctx context.Context, channels ...string) (*listener, error) {
	sharded := h.sharded != nil && h.sharded()
	h.mu.Lock()
	subscribe := h.subscribePatterns
	if sharded {
		subscribe = h.subscribeShards
	}
	wait, err := subscribe(ctx, channels)
	if err != nil {
		h.mu.Unlock()
		return nil, err
	}
	l := h.add(ctx, channels)
	h.mu.Unlock()
	if err := confirmed(ctx, wait); err != nil {
		h.drop(l)
		return nil, err
	}
	return l, nil
}

// subscribePatterns subscribes to the patterns of channels the hub does
// not hold yet, and returns the channels closed once Redis confirmed each
// pattern they need; h.mu is held.
func (h *hub) subscribePatterns(ctx context.Context, channels []string) ([]chan struct{}, error) {
	var add []string
	var wait []chan struct{}
	for _, c := range channels {
		p := pattern(c)
		ready := h.patterns[p]
		if ready == nil {
			ready = make(chan struct{})
			h.patterns[p] = ready
			add = append(add, p)
		}
		wait = append(wait, ready)
	}
	if len(add) > 0 {
		if err := h.subscribe(ctx, add); err != nil {
			for _, p := range add {
				delete(h.patterns, p)
			}
			return nil, err
		}
	}
	return wait, nil
}

// subscribeWait is how long a watch waits for Redis to confirm its
// subscriptions: a store that took the command and does not answer has
// the page told the store is unavailable (and retry) rather than hang.
var subscribeWait = 10 * time.Second

// confirmed waits until every channel of wait is closed (Redis confirmed
// a subscription), ctx ends or subscribeWait has passed.
func confirmed(ctx context.Context, wait []chan struct{}) error {
	timeout := time.NewTimer(subscribeWait)
	defer timeout.Stop()
	for _, ready := range wait {
		select {
		case <-ready:
		case <-ctx.Done():
			return storeErr(ctx.Err())
		case <-timeout.C:
			return unavailable(errors.New("the store did not confirm the subscription"))
		}
	}
	return nil
}

// add registers a listener on channels; h.mu is held.
func (h *hub) add(ctx context.Context, channels []string) *listener {
	l := &listener{ready: make(chan struct{}, 1), channels: channels}
	for _, c := range channels {
		if h.subs[c] == nil {
			h.subs[c] = map[*listener]struct{}{}
		}
		h.subs[c][l] = struct{}{}
	}
	h.n++
	context.AfterFunc(ctx, func() { h.drop(l) })
	return l
}

// subscribeShards is subscribePatterns on a sharded cluster: each
// channel no listener watches yet is SSUBSCRIBEd on its compound's shard,
// and the channels returned are closed once Redis confirmed each of
// channels; h.mu is held.
func (h *hub) subscribeShards(ctx context.Context, channels []string) ([]chan struct{}, error) {
	var wait []chan struct{}
	var added []string // the channels this watch subscribed, given up if it fails
	for _, c := range channels {
		tag := compoundPrefix(c)
		sh := h.shards[tag]
		if sh != nil && sh.ready[c] != nil {
			wait = append(wait, sh.ready[c])
			continue
		}
		if sh == nil {
			sh = &shard{ps: h.rdb.SSubscribe(ctx), ready: map[string]chan struct{}{}}
			h.shards[tag] = sh
			go h.runShard(tag, sh)
		}
		ready := make(chan struct{})
		sh.ready[c] = ready
		// Under h.mu, so that a drop's SUNSUBSCRIBE of the same channel
		// is written before or after it, as the state says.
		added = append(added, c)
		if err := sh.ps.SSubscribe(ctx, c); err != nil {
			for _, a := range added {
				if len(h.subs[a]) == 0 {
					h.unsubscribe(a)
				}
			}
			return nil, storeErr(err)
		}
		wait = append(wait, ready)
	}
	return wait, nil
}

// compoundPrefix is the compound part of an event channel, "natq:{c}:".
func compoundPrefix(channel string) string {
	i := strings.Index(channel, "}:")
	if i < 0 {
		return channel
	}
	return channel[:i+2]
}

// subscribe adds patterns to the hub's subscription, opening it the first
// time; h.mu is held. run closes each pattern's channel in h.patterns
// when Redis confirms it.
func (h *hub) subscribe(ctx context.Context, patterns []string) error {
	if h.ps == nil {
		ps := h.rdb.PSubscribe(ctx, patterns...)
		// The first confirmation, read here, says the store answers; the
		// others come to run.
		v, err := ps.Receive(ctx)
		if err != nil {
			ps.Close()
			return storeErr(err)
		}
		h.ps = ps
		h.confirm(v) // the first: no listener to resync
		go h.run(ps)
		return nil
	}
	if err := h.ps.PSubscribe(ctx, patterns...); err != nil {
		return storeErr(err)
	}
	return nil
}

// confirm closes the channel of a pattern Redis confirmed (v, a message
// of the pattern subscription); h.mu is held. go-redis subscribes again
// after a reconnection, and Redis confirms each pattern again: the
// pattern's listeners are then told to read their state afresh (resync),
// and those too far behind to be told are returned, to be dropped.
func (h *hub) confirm(v any) []*listener {
	m, ok := v.(*redis.Subscription)
	if !ok || m.Kind != "psubscribe" {
		return nil
	}
	ready := h.patterns[m.Channel]
	if ready == nil {
		return nil
	}
	select {
	case <-ready:
		return h.resync(func(c string) bool { return pattern(c) == m.Channel })
	default:
		close(ready)
		return nil
	}
}

// resyncEvent tells a listener that events of its channels may have been
// lost (the subscription's connection to Redis broke and is back): its
// page reads its state afresh, as after a break of its own stream.
var resyncEvent = []byte(`{"type":"resync"}`)

// resync hands resyncEvent to the listeners of the channels of, and
// returns those too far behind to take it; h.mu is held. A listener of
// several patterns (a tablet hears its site's events and bookings) is
// told once a reconnection: Redis confirms the patterns one by one.
func (h *hub) resync(of func(channel string) bool) []*listener {
	var slow []*listener
	now := time.Now()
	for c, ls := range h.subs {
		if !of(c) {
			continue
		}
		for l := range ls {
			if now.Sub(l.resynced) < resyncOnce {
				continue
			}
			l.resynced = now
			if !l.push(resyncEvent) {
				slow = append(slow, l)
			}
		}
	}
	return slow
}

// resyncOnce is how long after a resync a listener is not told again:
// the confirmations of one reconnection come within it.
const resyncOnce = 2 * time.Second

// run hands each message of the pattern subscription to the listeners of
// its channel, and each confirmation to the watches waiting for it.
func (h *hub) run(ps *redis.PubSub) {
	for v := range ps.ChannelWithSubscriptions(redis.WithChannelSize(1024)) {
		if m, ok := v.(*redis.Message); ok {
			h.deliver(m.Channel, m.Payload)
			continue
		}
		h.mu.Lock()
		slow := h.confirm(v)
		h.mu.Unlock()
		for _, l := range slow {
			h.drop(l)
		}
	}
	// The client was closed: no listener will hear anything again.
	h.mu.Lock()
	if h.ps == ps {
		h.ps, h.patterns = nil, map[string]chan struct{}{}
	}
	var all []*listener
	for _, ls := range h.subs {
		for l := range ls {
			all = append(all, l)
		}
	}
	h.mu.Unlock()
	for _, l := range all {
		h.drop(l)
	}
}

// runShard hands each message of a compound's sharded subscription to
// the listeners of its channel, and each confirmation to the watches
// waiting for it.
func (h *hub) runShard(tag string, sh *shard) {
	for v := range sh.ps.ChannelWithSubscriptions(redis.WithChannelSize(1024)) {
		switch m := v.(type) {
		case *redis.Message:
			h.deliver(m.Channel, m.Payload)
		case *redis.Subscription:
			if m.Kind != "ssubscribe" {
				continue
			}
			var slow []*listener
			h.mu.Lock()
			if ready := sh.ready[m.Channel]; ready != nil {
				select {
				case <-ready: // again, after a reconnection (confirm)
					slow = h.resync(func(c string) bool { return c == m.Channel })
				default:
					close(ready)
				}
			}
			h.mu.Unlock()
			for _, l := range slow {
				h.drop(l)
			}
		}
	}
	// The client was closed: the compound's listeners hear nothing again.
	h.mu.Lock()
	if h.shards[tag] == sh {
		delete(h.shards, tag)
	}
	var all []*listener
	for c := range sh.ready {
		for l := range h.subs[c] {
			all = append(all, l)
		}
	}
	h.mu.Unlock()
	for _, l := range all {
		h.drop(l)
	}
}

// deliver hands a message to the listeners of its channel, never waiting
// for one: a full listener is dropped.
func (h *hub) deliver(channel, msg string) {
	var payload []byte
	if len(msg) > 0 && msg[0] == '{' {
		payload = []byte(msg) // an Event already (publishSites)
	} else {
		// A script's compact event: expanded once, for all its
		// listeners, and only when there are any.
		channel = bookingsOf(channel, msg)
		h.mu.Lock()
		n := len(h.subs[channel])
		h.mu.Unlock()
		if n == 0 || h.expand == nil {
			return
		}
		if payload = h.expand(channel, msg); payload == nil {
			return
		}
	}
	var slow []*listener
	h.mu.Lock()
	for l := range h.subs[channel] {
		if !l.push(payload) {
			slow = append(slow, l)
		}
	}
	h.mu.Unlock()
	for _, l := range slow {
		h.drop(l)
	}
}

// bookingsOf is the channel whose listeners get a script's compact event
// raw, published on channel: its own, but the site's bookings channel
// (natq:{c}:bk:s:<site>) for a new booking's or a party's new size's
// event an instance from before that channel published on the site's
// events channel (natq:{c}:ev:s:<site>): those go to the listeners that
// hear bookings (the site's tablet) alone, as the newer scripts' do.
func bookingsOf(channel, raw string) string {
	const events, bookings = "}:ev:s:", "}:bk:s:"
	i := strings.Index(channel, events)
	if i < 0 || !isBooking(raw) {
		return channel
	}
	return channel[:i] + bookings + channel[i+len(events):]
}

// isBooking says whether a script's compact event is a new booking's or
// a party's new size (raw_event in prelude.lua: its type is the third
// line). An instance's older event ("natq1") says nothing of its type.
func isBooking(raw string) bool {
	rest, ok := strings.CutPrefix(raw, rawEventHead)
	if !ok {
		return false
	}
	_, rest, _ = strings.Cut(rest, "\n")
	typ, _, _ := strings.Cut(rest, "\n")
	return typ == "booked" || typ == "party"
}

// drop unregisters a listener and ends it, once.
func (h *hub) drop(l *listener) {
	l.once.Do(func() {
		h.mu.Lock()
		for _, c := range l.channels {
			delete(h.subs[c], l)
			if len(h.subs[c]) == 0 {
				delete(h.subs, c)
				h.unsubscribe(c)
			}
		}
		h.n--
		h.mu.Unlock()
		l.mu.Lock()
		l.ended = true
		w := l.wake
		l.mu.Unlock()
		l.signal(w)
	})
}

// unsubscribe ends the sharded subscription of a channel no listener
// watches any more; h.mu is held (see subscribeShards).
func (h *hub) unsubscribe(c string) {
	sh := h.shards[compoundPrefix(c)]
	if sh == nil || sh.ready[c] == nil {
		return
	}
	delete(sh.ready, c)
	// A failed write is the connection's, which go-redis re-establishes
	// with the channels it still holds: this one is gone from them.
	_ = sh.ps.SUnsubscribe(context.Background(), c)
}

// listeners is how many listeners are registered.
func (h *hub) listeners() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}
