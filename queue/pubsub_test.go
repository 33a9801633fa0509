package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/queue/queuetest"
)

// TestShardedPubSub: on a Redis 7 cluster the scripts SPUBLISH and each
// instance's hub SSUBSCRIBEs to the channels its listeners watch, for as
// long as one of them does, so an event stays on the compound's shard; on
// one redis-server and the embedded store they PUBLISH to the hub's
// pattern. Either way every listener hears its events, a channel shared
// by two listeners keeps its subscription while one of them is left, and
// a channel watched again after its last listener left is heard again.
func TestShardedPubSub(t *testing.T) {
	queuetest.EachStore(t, func(t *testing.T, st queuetest.Store) {
		c := st.Client(t)
		a, _ := queuetest.Service(t, c, nil)
		b, _ := queuetest.Service(t, c, nil)
		sharded := st.Name == "redis-cluster"
		site := "natq:{c1}:ev:s:s1"
		shardSubs := func() int64 {
			t.Helper()
			if !sharded {
				return 0
			}
			n, err := c.PubSubShardNumSub(ctx, site).Result()
			if err != nil {
				t.Fatal(err)
			}
			return n[site]
		}
		// A plain subscriber to every bookings channel of the compound
		// hears the bookings only where they are not sharded.
		var raw *redis.PubSub
		if st.Name != "embedded" {
			raw = c.PSubscribe(ctx, "natq:{c1}:bk:*")
			defer raw.Close()
			if _, err := raw.Receive(ctx); err != nil {
				t.Fatal(err)
			}
		}
		w1ctx, end1 := context.WithCancel(ctx)
		w1, err := b.WatchSite(w1ctx, "c1~s1")
		if err != nil {
			t.Fatal(err)
		}
		w2ctx, end2 := context.WithCancel(ctx)
		defer end2()
		w2, err := b.WatchSite(w2ctx, "c1~s1")
		if err != nil {
			t.Fatal(err)
		}
		if n := shardSubs(); sharded && n != 1 {
			t.Errorf("two listeners of one instance on %s: %d shard subscriptions, want 1", site, n)
		}
		book := func(room string) uint64 {
			t.Helper()
			bk, _, err := a.Book(ctx, "c1", hh("b1", "", room, 1))
			if err != nil {
				t.Fatal(err)
			}
			return bk.ID
		}
		id := book("101")
		for i, w := range []<-chan []byte{w1, w2} {
			if e := next(t, w); e.Type != "booked" || e.TicketID != id {
				t.Errorf("listener %d heard %+v, want ticket %d booked", i+1, e, id)
			}
		}
		if raw != nil {
			// The event was published before Book returned: a pattern
			// subscriber has it at once, or never.
			wait := 5 * time.Second
			if sharded {
				wait = 300 * time.Millisecond
			}
			select {
			case m := <-raw.Channel():
				if sharded {
					t.Errorf("the sharded cluster's event reached a pattern subscriber: %s %.60s", m.Channel, m.Payload)
				}
			case <-time.After(wait):
				if !sharded {
					t.Errorf("no PUBLISHed event reached the pattern subscriber on %s", st.Name)
				}
			}
		}
		end1()
		waitFor(t, func() bool { return b.Listeners() == 1 })
		if id = book("102"); next(t, w2).TicketID != id {
			t.Errorf("the listener left on the channel missed ticket %d", id)
		}
		if n := shardSubs(); sharded && n != 1 {
			t.Errorf("one listener left: %d shard subscriptions, want 1", n)
		}
		end2()
		waitFor(t, func() bool { return b.Listeners() == 0 && shardSubs() == 0 })
		w3ctx, end3 := context.WithCancel(ctx)
		defer end3()
		w3, err := b.WatchSite(w3ctx, "c1~s1")
		if err != nil {
			t.Fatal(err)
		}
		if id = book("103"); next(t, w3).TicketID != id {
			t.Errorf("the channel watched again missed ticket %d", id)
		}
	})
}

// waitFor waits up to 5 s for ok.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("not so within 5 s")
		}
	}
}
