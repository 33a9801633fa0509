package queue

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// StoreConfig selects the Redis the service runs on.
//
// REDIS_URL takes the forms operators use:
//
//	redis://[user:password@]host:port[/db]     one Redis, or a Cluster node (found with CLUSTER INFO)
//	rediss://...                               the same over TLS
//	redis://host1:port,redis://host2:port,...  a Redis Cluster, by several of its nodes
//	redis+sentinel://[:password@]host:port[,host:port...]/master[/db][?sentinel_password=...]
//	                                           a Sentinel-managed master (rediss+sentinel:// for TLS)
//
// REDIS_CLUSTER=1 says a single redis:// URL is a Cluster node without
// asking it. REDIS_CA_FILE names PEM certificates to trust over TLS
// besides the system's. REDIS_ADDRS (comma list: Cluster, or Sentinels with
// REDIS_MASTER) and REDIS_PASSWORD are the older form, still read.
type StoreConfig struct {
	URL      string   // REDIS_URL
	Cluster  bool     // REDIS_CLUSTER
	Addrs    []string // REDIS_ADDRS: several for Cluster, or Sentinels with Master
	Master   string   // REDIS_MASTER: the Sentinel master name
	Password string   // REDIS_PASSWORD, for Addrs
	CAFile   string   // REDIS_CA_FILE: PEM certificates to trust for rediss:// (a private CA)
}

// StoreConfigFromEnv reads REDIS_URL, REDIS_CLUSTER, REDIS_ADDRS,
// REDIS_MASTER and REDIS_PASSWORD.
func StoreConfigFromEnv(getenv func(string) string) StoreConfig {
	cl := strings.TrimSpace(getenv("REDIS_CLUSTER"))
	c := StoreConfig{URL: strings.TrimSpace(getenv("REDIS_URL")), Master: strings.TrimSpace(getenv("REDIS_MASTER")),
		Password: getenv("REDIS_PASSWORD"), CAFile: strings.TrimSpace(getenv("REDIS_CA_FILE")), Cluster: cl == "1" || strings.EqualFold(cl, "true") || strings.EqualFold(cl, "yes")}
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

// storeKind is what a configuration names.
type storeKind int

const (
	standalone storeKind = iota
	cluster
	sentinel
	maybeCluster // one node: a Cluster node if CLUSTER INFO says so
)

// plan is a configuration resolved into client options, before any
// connection.
type storePlan struct {
	kind storeKind
	opts redis.UniversalOptions
}

func urlErr(zh, en string) error {
	return &Error{Code: "bad_input", Field: "REDIS_URL", Message: "REDIS_URL " + zh, MessageEn: "REDIS_URL: " + en}
}

// resolve turns a configuration into client options.
func (c StoreConfig) resolve() (storePlan, error) {
	if c.URL == "" {
		p := storePlan{opts: redis.UniversalOptions{Addrs: c.Addrs, MasterName: c.Master, Password: c.Password}}
		switch {
		case c.Master != "":
			p.kind = sentinel
		case len(c.Addrs) > 1 || c.Cluster:
			p.kind = cluster
		default:
			p.kind = maybeCluster
		}
		return p, nil
	}
	if c.Master != "" || len(c.Addrs) > 0 {
		return storePlan{}, urlErr("与 REDIS_ADDRS 只能设一个", "set REDIS_URL or REDIS_ADDRS (+ REDIS_MASTER), not both")
	}
	if strings.HasPrefix(c.URL, "redis+sentinel://") || strings.HasPrefix(c.URL, "rediss+sentinel://") {
		return parseSentinel(c.URL)
	}
	parts := strings.Split(c.URL, ",")
	var p storePlan
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if !strings.Contains(part, "://") && i > 0 {
			// "redis://a:1,b:2": the scheme of the first for the rest.
			part = strings.SplitN(parts[0], "://", 2)[0] + "://" + part
		}
		o, err := redis.ParseURL(part)
		if err != nil {
			return storePlan{}, urlErr("无效", fmt.Sprintf("%q: %v (want redis://host:port, rediss://, a comma list of them, or redis+sentinel://host:port/master)", part, err))
		}
		if i == 0 {
			p.opts = redis.UniversalOptions{Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig,
				DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout, PoolSize: o.PoolSize}
		} else if (o.TLSConfig != nil) != (p.opts.TLSConfig != nil) {
			return storePlan{}, urlErr("混用了 redis:// 与 rediss://", "mixes redis:// and rediss:// nodes")
		}
		p.opts.Addrs = append(p.opts.Addrs, o.Addr)
	}
	switch {
	case len(p.opts.Addrs) > 1 || c.Cluster:
		p.kind = cluster
		if p.opts.DB != 0 {
			return storePlan{}, urlErr("集群只有 0 号库", "a Redis Cluster has only database 0")
		}
	default:
		p.kind = maybeCluster
	}
	return p, nil
}

// parseSentinel reads redis+sentinel://[user:password@]h:p[,h:p]/master[/db].
func parseSentinel(s string) (storePlan, error) {
	scheme, rest, _ := strings.Cut(s, "://")
	p := storePlan{kind: sentinel}
	if scheme == "rediss+sentinel" {
		p.opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	rest, query, _ := strings.Cut(rest, "?")
	hosts, path, _ := strings.Cut(rest, "/")
	if i := strings.LastIndexByte(hosts, '@'); i >= 0 {
		user, pass, ok := strings.Cut(hosts[:i], ":")
		if ok {
			p.opts.Username, p.opts.Password = user, pass
		} else {
			p.opts.Password = user
		}
		var err error
		if p.opts.Username, err = url.PathUnescape(p.opts.Username); err == nil {
			p.opts.Password, err = url.PathUnescape(p.opts.Password)
		}
		if err != nil {
			return storePlan{}, urlErr("密码无效", "bad escape in the user or password")
		}
		hosts = hosts[i+1:]
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if !strings.Contains(h, ":") {
			h += ":26379"
		}
		p.opts.Addrs = append(p.opts.Addrs, h)
	}
	master, db, _ := strings.Cut(path, "/")
	if len(p.opts.Addrs) == 0 || master == "" {
		return storePlan{}, urlErr("无效", "want redis+sentinel://host:port[,host:port]/mastername")
	}
	p.opts.MasterName = master
	if db != "" {
		n, err := strconv.Atoi(db)
		if err != nil || n < 0 {
			return storePlan{}, urlErr("库号无效", fmt.Sprintf("database %q is not a number", db))
		}
		p.opts.DB = n
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return storePlan{}, urlErr("参数无效", err.Error())
	}
	p.opts.SentinelPassword = q.Get("sentinel_password")
	if p.opts.TLSConfig != nil {
		p.opts.TLSConfig.ServerName = strings.Split(p.opts.Addrs[0], ":")[0]
	}
	return p, nil
}

// MaxRedisConns bounds an instance's connections to each Redis node (its
// main pool; go-redis adds a pipeline pool of 10, and event streams share
// one more): go-redis opens connections beyond its pool size under a
// burst unless told not to, and every instance shares the node's client
// limit.
const MaxRedisConns = 128

// RedisPoolSize is an instance's pool of connections to each Redis node
// unless REDIS_URL's pool_size says otherwise. go-redis's default, ten a
// core, is 20 here: 64 requests in flight then wait their turn for a
// connection, and the goroutines parked and woken cost natq a fifth of
// its CPU per booking (52 -> 41 µs with 64).
const RedisPoolSize = 64

// RedisProtocol is the Redis protocol natq speaks unless REDIS_URL's
// protocol says otherwise: RESP2. natq reads nothing RESP3 adds (its
// replies decode the same), and over RESP3 go-redis looks for push
// notifications before every reply it reads, 7% of natq's CPU per
// booking and 5% per ticket read.
const RedisProtocol = 2

// client makes the client for a resolved configuration.
func (p storePlan) client() (redis.UniversalClient, string) {
	o := p.opts
	if o.PoolSize == 0 {
		o.PoolSize = RedisPoolSize
	}
	if o.TLSConfig == nil && o.Dialer == nil {
		o.Dialer = plainDialer(o.DialTimeout)
	}
	if o.Protocol == 0 {
		o.Protocol = RedisProtocol
	}
	if o.MaxActiveConns == 0 {
		o.MaxActiveConns = MaxRedisConns
		if o.PoolSize > MaxRedisConns {
			o.MaxActiveConns = o.PoolSize
		}
	}
	tlsNote := ""
	if o.TLSConfig != nil {
		tlsNote = " (TLS)"
	}
	switch p.kind {
	case cluster:
		return redis.NewClusterClient(o.Cluster()), "Redis Cluster via " + strings.Join(o.Addrs, ",") + tlsNote
	case sentinel:
		return redis.NewFailoverClient(o.Failover()), "Redis Sentinel master " + o.MasterName + " via " + strings.Join(o.Addrs, ",") + tlsNote
	default:
		return redis.NewClient(o.Simple()), "Redis at " + o.Addrs[0] + tlsNote
	}
}

// OpenStore connects to the configured Redis and checks that it answers,
// or starts the embedded store (github.com/alicebob/miniredis/v2: in
// memory, in this process, single-instance, running the same Lua scripts).
// A single node that says it is in a Cluster is used as the Cluster's
// entry point.
func OpenStore(ctx context.Context, c StoreConfig) (*Store, error) {
	if c.Embedded() {
		mr := miniredis.NewMiniRedis()
		if err := mr.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("queue: embedded store: %w", err)
		}
		return &Store{Client: redis.NewClient(&redis.Options{Addr: mr.Addr(), PoolSize: 64}), Embedded: true,
			Desc: "embedded in-memory store at " + mr.Addr(), mr: mr}, nil
	}
	p, err := c.resolve()
	if err != nil {
		return nil, err
	}
	if c.CAFile != "" {
		if p.opts.TLSConfig == nil {
			return nil, &Error{Code: "bad_input", Field: "REDIS_CA_FILE", Message: "REDIS_CA_FILE 只用于 rediss://",
				MessageEn: "REDIS_CA_FILE is for TLS: use a rediss:// URL"}
		}
		pem, err := os.ReadFile(c.CAFile)
		pool, _ := x509.SystemCertPool()
		if pool == nil {
			pool = x509.NewCertPool()
		}
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			return nil, &Error{Code: "bad_input", Field: "REDIS_CA_FILE", Message: "REDIS_CA_FILE 无法读取",
				MessageEn: fmt.Sprintf("REDIS_CA_FILE %s: no PEM certificates (%v)", c.CAFile, err)}
		}
		p.opts.TLSConfig.RootCAs = pool
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	rdb, desc := p.client()
	if err := rdb.Ping(pctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("queue: %s does not answer: %w", desc, err)
	}
	if p.kind == maybeCluster {
		info, err := rdb.ClusterInfo(pctx).Result()
		var re redis.Error
		switch {
		case err == nil && strings.Contains(info, "cluster_state:"):
			if p.opts.DB != 0 {
				rdb.Close()
				return nil, urlErr("集群只有 0 号库", "a Redis Cluster has only database 0")
			}
			rdb.Close()
			p.kind = cluster
			rdb, desc = p.client()
			if err := rdb.Ping(pctx).Err(); err != nil {
				rdb.Close()
				return nil, fmt.Errorf("queue: %s does not answer: %w", desc, err)
			}
		case err == nil, errors.As(err, &re):
			// "cluster support disabled" (or CLUSTER refused): one Redis.
		default:
			rdb.Close()
			return nil, fmt.Errorf("queue: %s does not answer: %w", desc, err)
		}
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

// plainDialer dials Redis as go-redis does without TLS, and hands go-redis
// a connection it cannot peek at: before every command taken from the
// pool go-redis otherwise makes a system call (a non-blocking MSG_PEEK
// read) to see whether the idle connection was closed, 4% of natq's CPU
// on a booking and more on the desk's several round trips. It makes none
// over TLS either. A connection the server closed fails its next command
// instead, which go-redis retries on a new one (MaxRetries).
func plainDialer(timeout time.Duration) func(context.Context, string, string) (net.Conn, error) {
	if timeout == 0 {
		timeout = 5 * time.Second // go-redis's
	}
	d := &net.Dialer{Timeout: timeout, KeepAlive: 5 * time.Minute}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return opaqueConn{c}, nil
	}
}

// opaqueConn is a net.Conn without its SyscallConn method.
type opaqueConn struct{ net.Conn }
