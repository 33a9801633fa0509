// Package queuetest gives queue and HTTP tests their stores (a real
// redis-server started for the test binary, and the embedded store), a
// settable clock and the fixture plans, so that one suite runs against
// every store the way perkeep's storagetest runs every blob server.
package queuetest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"natq/qr"
	"natq/queue"
	"natq/queue/internal/redistest"
)

var (
	realServer    *redistest.Server
	clusterServer *redistest.Server
	realDir       string
)

// Main runs a package's tests with one redis-server started for them, on
// a free port in a temporary directory, and stops it afterwards.
func Main(m *testing.M) {
	// The tests that stop a store on purpose would fill the log with the
	// client's dial failures.
	redis.SetLogger(quiet{})
	dir, err := os.MkdirTemp("", "natq-redis-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	realDir = dir
	realServer, err = redistest.Start(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "queuetest:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	if err := os.Mkdir(dir+"/cluster", 0o755); err == nil {
		clusterServer, err = redistest.StartCluster(dir + "/cluster")
	}
	if clusterServer == nil {
		fmt.Fprintln(os.Stderr, "queuetest: no redis-server cluster node")
		realServer.Stop()
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	realServer.Stop()
	clusterServer.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Store is one kind of store the suite runs against.
type Store struct {
	Name string
	// Client returns a client on an empty store (the real server is
	// flushed; the embedded store is new), closed at the end of t.
	Client func(t testing.TB) redis.UniversalClient
	// Addr is the store's address, for a second client or instance.
	Addr func(c redis.UniversalClient) string
	// Stoppable returns a client on a store of its own that can be stopped
	// and started again with its data kept.
	Stoppable func(t testing.TB) (c redis.UniversalClient, stop, start func())
}

// Stores returns a real redis-server, a one-node Redis Cluster (Main must
// be running) and the embedded store.
func Stores() []Store {
	return []Store{
		{
			Name: "redis-server",
			Client: func(t testing.TB) redis.UniversalClient {
				if realServer == nil {
					t.Fatal("queuetest: no redis-server: call queuetest.Main from TestMain")
				}
				c := redis.NewClient(&redis.Options{Addr: realServer.Addr, PoolSize: 64})
				if err := c.FlushAll(context.Background()).Err(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			},
			Addr: func(redis.UniversalClient) string { return realServer.Addr },
			Stoppable: func(t testing.TB) (redis.UniversalClient, func(), func()) {
				s, err := redistest.Start(t.TempDir(), "--appendonly", "yes", "--appendfsync", "always")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(s.Stop)
				c := fastFail(s.Addr)
				t.Cleanup(func() { c.Close() })
				return c, s.Stop, func() {
					if err := s.Restart(); err != nil {
						t.Fatal(err)
					}
				}
			},
		},
		{
			// One node holding every slot: the cluster client's routing,
			// and Redis refusing any script whose keys span slots.
			Name: "redis-cluster",
			Client: func(t testing.TB) redis.UniversalClient {
				if clusterServer == nil {
					t.Fatal("queuetest: no cluster: call queuetest.Main from TestMain")
				}
				c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{clusterServer.Addr}, PoolSize: 64})
				if err := c.ForEachMaster(context.Background(), func(ctx context.Context, n *redis.Client) error {
					return n.FlushAll(ctx).Err()
				}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			},
			Addr: func(redis.UniversalClient) string { return clusterServer.Addr },
			Stoppable: func(t testing.TB) (redis.UniversalClient, func(), func()) {
				s, err := redistest.StartCluster(t.TempDir(), "--appendonly", "yes", "--appendfsync", "always")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(s.Stop)
				c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{s.Addr}, DialTimeout: 300 * time.Millisecond,
					ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: 1, MaxRedirects: 1, PoolSize: 32})
				t.Cleanup(func() { c.Close() })
				return c, s.Stop, func() {
					if err := s.Restart(); err != nil {
						t.Fatal(err)
					}
					if err := s.WaitCluster(); err != nil {
						t.Fatal(err)
					}
				}
			},
		},
		{
			Name: "embedded",
			Client: func(t testing.TB) redis.UniversalClient {
				m := miniredis.NewMiniRedis()
				if err := m.Start(); err != nil {
					t.Fatal(err)
				}
				c := redis.NewClient(&redis.Options{Addr: m.Addr(), PoolSize: 64})
				t.Cleanup(func() { c.Close(); m.Close() })
				return c
			},
			Addr: func(c redis.UniversalClient) string { return c.(*redis.Client).Options().Addr },
			Stoppable: func(t testing.TB) (redis.UniversalClient, func(), func()) {
				m := miniredis.NewMiniRedis()
				if err := m.Start(); err != nil {
					t.Fatal(err)
				}
				c := fastFail(m.Addr())
				t.Cleanup(func() { c.Close(); m.Close() })
				return c, m.Close, func() {
					if err := m.Restart(); err != nil {
						t.Fatal(err)
					}
				}
			},
		},
	}
}

// EachStore runs fn as a subtest of t for every store, named for it.
func EachStore(t *testing.T, fn func(t *testing.T, st Store)) {
	for _, st := range Stores() {
		t.Run(st.Name, func(t *testing.T) { fn(t, st) })
	}
}

// Case is one test of a suite that runs against every store: {name, run}
// (an alias, so that a suite's table may list its cases unkeyed).
type Case = struct {
	Name string
	Run  func(t *testing.T, st Store)
}

// Suite runs every case against every store, as subtests store/case.
func Suite(t *testing.T, cases []Case) {
	EachStore(t, func(t *testing.T, st Store) {
		for _, c := range cases {
			t.Run(c.Name, func(t *testing.T) { c.Run(t, st) })
		}
	})
}

// fastFail is a client that gives up quickly when the store is down.
func fastFail(addr string) redis.UniversalClient {
	return redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 300 * time.Millisecond,
		ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: 1, PoolSize: 32})
}

// Clock is a settable clock for queue.Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Plan loads a fixture plan from queue/testdata by file name.
func Plan(t testing.TB, name string) *queue.Plan {
	_, file, _, _ := runtime.Caller(0)
	f, err := os.Open(filepath.Join(filepath.Dir(file), "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := queue.LoadPlan(f)
	if err != nil {
		t.Fatalf("LoadPlan(%s): %v", name, err)
	}
	return p
}

// Secret is the ticket secret tests sign with.
var Secret = []byte("queuetest-secret-0123456789")

// Signer returns a signer on Secret.
func Signer(t testing.TB) *qr.Signer {
	s, err := qr.NewSigner(Secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Morning is 06:00 on the fixtures' day, before their first window.
var Morning = time.Date(2026, 12, 1, 6, 0, 0, 0, time.FixedZone("CST", 8*3600))

// At returns hh:mm on the fixtures' day.
func At(hh, mm int) time.Time {
	return time.Date(2026, 12, 1, hh, mm, 0, 0, time.FixedZone("CST", 8*3600))
}

// Service returns a service on c with the fixture plans c1 and c2 open, a
// clock at Morning, and opts changed by edit (may be nil).
func Service(t testing.TB, c redis.UniversalClient, edit func(*queue.Options)) (*queue.Service, *Clock) {
	clk := NewClock(Morning)
	o := queue.DefaultOptions()
	o.Now = clk.Now
	o.BaseURL = "https://natq.test"
	if edit != nil {
		edit(&o)
	}
	s := queue.New(c, Signer(t), o)
	for _, name := range []string{"c1.plan.geojson", "c2.plan.geojson"} {
		if err := s.OpenRound(context.Background(), Plan(t, name)); err != nil {
			t.Fatalf("OpenRound(%s): %v", name, err)
		}
	}
	return s, clk
}

// BenchService is a benchmark's service on a redis-server of its own:
// the c1 fixture's plan with every window and line a thousand times
// bigger (a benchmark never runs out of seats), not yet opened; a clock
// at Morning, and any ticket may be checked in at any hour (Early and
// Grace a day), so that desk benchmarks do not wait for windows.
func BenchService(b *testing.B) (*redis.Client, *queue.Plan, *queue.Service) {
	b.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: StartRedis(b), PoolSize: 64})
	b.Cleanup(func() { rdb.Close() })
	p := Plan(b, "c1.plan.geojson")
	for i := range p.Windows {
		p.Windows[i].Capacity *= 1000
	}
	for i := range p.Sites {
		p.Sites[i].LineCapacity *= 1000
	}
	clk := NewClock(Morning)
	o := queue.DefaultOptions()
	o.Now, o.BaseURL = clk.Now, "https://natq.test"
	o.Early, o.Grace = 24*time.Hour, 24*time.Hour
	return rdb, p, queue.New(rdb, Signer(b), o)
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// StartRedis starts a redis-server of t's own, stopped when t ends, and
// returns its address.
func StartRedis(t testing.TB) string {
	s, err := redistest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s.Addr
}

// StartCluster starts a Redis Cluster of n masters of t's own, stopped
// when t ends, and returns its nodes' addresses.
func StartCluster(t testing.TB, n int) []string {
	c, err := redistest.StartClusterOf(t.TempDir(), n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	return c.Addrs()
}

// StartSentinel starts a Redis Sentinel of t's own watching the master at
// addr under name, and returns its address.
func StartSentinel(t testing.TB, name, master string) string {
	s, err := redistest.StartSentinel(t.TempDir(), name, master)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s.Addr
}

// StartRedisTLS starts a redis-server of t's own that also listens with
// TLS, on a certificate of a CA made for the test, and returns the TLS
// address and the CA's PEM file.
func StartRedisTLS(t testing.TB) (addr, caFile string) {
	dir := t.TempDir()
	ca, cert, key, err := redistest.Certs(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s, err := redistest.Start(dir, "--tls-port", strconv.Itoa(port), "--tls-cert-file", cert, "--tls-key-file", key,
		"--tls-ca-cert-file", ca, "--tls-auth-clients", "no")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return fmt.Sprintf("localhost:%d", port), ca
}
