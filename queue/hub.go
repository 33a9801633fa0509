package queue

import (
	"context"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// hub is the service's one Redis subscription, fanned out in process to
// every listener (an event stream): however many residents watch, an
// instance holds one pub/sub connection, and a listener costs a channel
// and a map entry, not a socket to Redis. The subscription is a pattern
// per compound (natq:{c}:ev:*), added the first time one of the
// compound's channels is watched; go-redis re-subscribes after a
// reconnection.
type hub struct {
	rdb redis.UniversalClient
	// expand turns a script's compact event (a JSON array, see raw_event
	// in prelude.lua) into the Event JSON listeners get; nil drops it.
	expand func(channel string, raw []byte) []byte

	mu       sync.Mutex
	ps       *redis.PubSub
	patterns map[string]bool
	subs     map[string]map[*listener]struct{} // channel -> listeners
	n        int                               // listeners
}

// listenerBuffer is how many events a listener may fall behind by (the
// events are shared, so a slot costs a slice header); a listener further
// behind (a stalled client, or a site's burst on a starved machine) is
// dropped, and its page reconnects and reads the state afresh.
const listenerBuffer = 256

type listener struct {
	ch       chan []byte
	channels []string
	once     sync.Once
}

func newHub(rdb redis.UniversalClient, expand func(channel string, raw []byte) []byte) *hub {
	return &hub{rdb: rdb, expand: expand, patterns: map[string]bool{}, subs: map[string]map[*listener]struct{}{}}
}

// pattern is the subscription pattern that covers an event channel: its
// compound's, "natq:{c}:ev:*".
func pattern(channel string) string {
	i := strings.Index(channel, "}:ev:")
	return channel[:i+len("}:ev:")] + "*"
}

// watch registers a listener on channels; the channel it returns closes
// when ctx ends, when the listener falls too far behind, or when the
// store's client is closed. The subscription is in place when it returns.
func (h *hub) watch(ctx context.Context, channels ...string) (<-chan []byte, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var add []string
	for _, c := range channels {
		if p := pattern(c); !h.patterns[p] {
			add = append(add, p)
		}
	}
	if len(add) > 0 {
		if err := h.subscribe(ctx, add); err != nil {
			return nil, err
		}
	}
	l := &listener{ch: make(chan []byte, listenerBuffer), channels: channels}
	for _, c := range channels {
		if h.subs[c] == nil {
			h.subs[c] = map[*listener]struct{}{}
		}
		h.subs[c][l] = struct{}{}
	}
	h.n++
	context.AfterFunc(ctx, func() { h.drop(l) })
	return l.ch, nil
}

// subscribe adds patterns to the hub's subscription, opening it the first
// time; h.mu is held.
func (h *hub) subscribe(ctx context.Context, patterns []string) error {
	if h.ps == nil {
		ps := h.rdb.PSubscribe(ctx, patterns...)
		if _, err := ps.Receive(ctx); err != nil {
			ps.Close()
			return storeErr(err)
		}
		h.ps = ps
		go h.run(ps)
	} else if err := h.ps.PSubscribe(ctx, patterns...); err != nil {
		return storeErr(err)
	}
	for _, p := range patterns {
		h.patterns[p] = true
	}
	return nil
}

// run hands each message to the listeners of its channel, never waiting
// for one: a full listener is dropped.
func (h *hub) run(ps *redis.PubSub) {
	for m := range ps.Channel(redis.WithChannelSize(1024)) {
		payload := []byte(m.Payload)
		if len(payload) > 0 && payload[0] == '[' {
			// A script's compact event: expanded once, for all its
			// listeners, and only when there are any.
			h.mu.Lock()
			n := len(h.subs[m.Channel])
			h.mu.Unlock()
			if n == 0 || h.expand == nil {
				continue
			}
			if payload = h.expand(m.Channel, payload); payload == nil {
				continue
			}
		}
		var slow []*listener
		h.mu.Lock()
		for l := range h.subs[m.Channel] {
			select {
			case l.ch <- payload:
			default:
				slow = append(slow, l)
			}
		}
		h.mu.Unlock()
		for _, l := range slow {
			h.drop(l)
		}
	}
	// The client was closed: no listener will hear anything again.
	h.mu.Lock()
	if h.ps == ps {
		h.ps, h.patterns = nil, map[string]bool{}
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

// drop unregisters a listener and closes its channel, once.
func (h *hub) drop(l *listener) {
	l.once.Do(func() {
		h.mu.Lock()
		for _, c := range l.channels {
			delete(h.subs[c], l)
			if len(h.subs[c]) == 0 {
				delete(h.subs, c)
			}
		}
		h.n--
		close(l.ch)
		h.mu.Unlock()
	})
}

// listeners is how many listeners are registered.
func (h *hub) listeners() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}
