package queue

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sharded pub/sub. On a Redis Cluster a PUBLISH is carried to every node
// of the cluster, and each instance's pattern subscription hears every
// compound's events; Redis 7's sharded channels (SPUBLISH, SSUBSCRIBE)
// stay on the shard that holds the channel's slot, which for natq's
// channels (natq:{c}:ev:...) is the compound's. On such a store the
// scripts publish with SPUBLISH and the hub subscribes to each watched
// channel on its compound's shard (hub.go); on one Redis, a cluster of
// Redis 6 and the embedded store (which has no SPUBLISH) they PUBLISH and
// the hub holds a pattern per compound. Every instance on one store
// decides alike, from the store: instances of a cluster deployment are to
// be upgraded together, as an older instance's pattern subscription does
// not hear SPUBLISH.

// shardedOf is each change script's variant for a sharded store: the same
// script with SPUBLISH for PUBLISH (script in service.go registers it).
var shardedOf = map[*redis.Script]*redis.Script{}

// shardedSource is a script's source with its PUBLISHes sharded.
func shardedSource(src string) string {
	return strings.ReplaceAll(src, "redis.call('PUBLISH',", "redis.call('SPUBLISH',")
}

// sharded reports whether the service's store is a Redis Cluster of Redis
// 7 or later. It asks the store once it can answer: until then (a store
// down at start), it says no and asks again next time. Once known, the
// answer is read without a lock: every script run asks.
func (s *Service) sharded() bool {
	switch s.shard.state.Load() {
	case shardOff:
		return false
	case shardOn:
		return true
	}
	s.shard.mu.Lock()
	defer s.shard.mu.Unlock()
	if st := s.shard.state.Load(); st != shardUnknown {
		return st == shardOn
	}
	on, known := probeSharded(s.rdb)
	if known {
		st := int32(shardOff)
		if on {
			st = shardOn
		}
		s.shard.state.Store(st)
	}
	return on
}

// shardState is what sharded found.
type shardState struct {
	mu    sync.Mutex   // held while asking the store
	state atomic.Int32 // shardUnknown, shardOff or shardOn
}

const (
	shardUnknown = iota
	shardOff
	shardOn
)

// probeSharded asks the store whether it has sharded pub/sub: a cluster
// node (cluster_enabled, whichever client reaches it) of Redis 7 or
// later; known is false when the store did not answer. The embedded store
// is not asked: it has neither.
func probeSharded(rdb redis.UniversalClient) (on, known bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	info, err := rdb.Info(ctx, "server", "cluster").Result()
	var refused redis.Error
	if errors.As(err, &refused) {
		return false, true // a store that answers INFO so has no cluster
	}
	if err != nil {
		return false, false
	}
	return strings.Contains(info, "cluster_enabled:1") && redisMajor(info) >= 7, true
}

// redisMajor is the major version in an INFO server reply (0 when it has
// none).
func redisMajor(info string) int {
	_, v, ok := strings.Cut(info, "redis_version:")
	if !ok {
		return 0
	}
	major, _, _ := strings.Cut(v, ".")
	n, _ := strconv.Atoi(strings.TrimSpace(major))
	return n
}

// scriptOn is the script name runs on the service's store.
func (s *Service) scriptOn(name string) *redis.Script {
	sc := scripts[name]
	if v := shardedOf[sc]; v != nil && s.sharded() {
		return v
	}
	return sc
}
