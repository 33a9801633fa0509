package queue

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// StoreConfig selects the Redis the service runs on.
type StoreConfig struct {
	URL      string   // REDIS_URL: redis:// or rediss://
	Addrs    []string // REDIS_ADDRS: several for Cluster, or Sentinels with Master
	Master   string   // REDIS_MASTER: the Sentinel master name
	Password string   // REDIS_PASSWORD, for Addrs
}

// StoreConfigFromEnv reads REDIS_URL, REDIS_ADDRS, REDIS_MASTER and
// REDIS_PASSWORD.
func StoreConfigFromEnv(getenv func(string) string) StoreConfig {
	c := StoreConfig{URL: strings.TrimSpace(getenv("REDIS_URL")), Master: strings.TrimSpace(getenv("REDIS_MASTER")),
		Password: getenv("REDIS_PASSWORD")}
	for _, a := range strings.Split(getenv("REDIS_ADDRS"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			c.Addrs = append(c.Addrs, a)
		}
	}
	return c
}

// Embedded reports whether no Redis is configured.
func (c StoreConfig) Embedded() bool { return c.URL == "" && len(c.Addrs) == 0 }

// Store is the Redis client the service runs on, and the embedded server
// when there is no Redis.
type Store struct {
	Client   redis.UniversalClient
	Embedded bool
	Desc     string // where the data lives, for the start-up message
	mr       *miniredis.Miniredis
}

// OpenStore connects to the configured Redis and checks that it answers,
// or starts the embedded store (github.com/alicebob/miniredis/v2: in
// memory, in this process, single-instance, running the same Lua scripts).
func OpenStore(ctx context.Context, c StoreConfig) (*Store, error) {
	if c.Embedded() {
		mr := miniredis.NewMiniRedis()
		if err := mr.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("queue: embedded store: %w", err)
		}
		return &Store{Client: redis.NewClient(&redis.Options{Addr: mr.Addr(), PoolSize: 64}), Embedded: true,
			Desc: "embedded in-memory store at " + mr.Addr(), mr: mr}, nil
	}
	var rdb redis.UniversalClient
	var desc string
	switch {
	case c.URL != "":
		if c.Master != "" || len(c.Addrs) > 0 {
			return nil, &Error{Code: "bad_input", Field: "REDIS_URL", Message: "REDIS_URL 与 REDIS_ADDRS 只能设一个",
				MessageEn: "set REDIS_URL or REDIS_ADDRS (+ REDIS_MASTER), not both"}
		}
		o, err := redis.ParseURL(c.URL)
		if err != nil {
			return nil, &Error{Code: "bad_input", Field: "REDIS_URL", Message: "REDIS_URL 无效", MessageEn: "REDIS_URL: " + err.Error()}
		}
		rdb, desc = redis.NewClient(o), "Redis at "+o.Addr
	default:
		rdb = redis.NewUniversalClient(&redis.UniversalOptions{Addrs: c.Addrs, MasterName: c.Master, Password: c.Password})
		switch {
		case c.Master != "":
			desc = "Redis Sentinel master " + c.Master + " via " + strings.Join(c.Addrs, ",")
		case len(c.Addrs) > 1:
			desc = "Redis Cluster via " + strings.Join(c.Addrs, ",")
		default:
			desc = "Redis at " + c.Addrs[0]
		}
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("queue: %s does not answer: %w", desc, err)
	}
	return &Store{Client: rdb, Desc: desc}, nil
}

// Close closes the client and stops the embedded store.
func (s *Store) Close() error {
	err := s.Client.Close()
	if s.mr != nil {
		s.mr.Close()
	}
	return err
}
