package queue_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"natq/queue"
	"natq/queue/queuetest"
)

// TestOpenStore connects with each form of REDIS_URL an operator uses, to
// servers the test starts: a standalone Redis, a node of a 3-master
// Cluster (found by asking it, or told by REDIS_CLUSTER=1), a comma list
// of the Cluster's nodes, and a Sentinel.
func TestOpenStore(t *testing.T) {
	single := queuetest.StartRedis(t)
	nodes := queuetest.StartCluster(t, 3)
	sentinel := queuetest.StartSentinel(t, "natqmaster", single)
	tlsAddr, ca := queuetest.StartRedisTLS(t)
	urls := make([]string, len(nodes))
	for i, n := range nodes {
		urls[i] = "redis://" + n
	}
	cases := []struct {
		name    string
		env     map[string]string
		cluster bool
		desc    string
	}{
		{"standalone", map[string]string{"REDIS_URL": "redis://" + single}, false, "Redis at " + single},
		{"cluster node", map[string]string{"REDIS_URL": urls[1]}, true, "Redis Cluster via " + nodes[1]},
		{"cluster node, REDIS_CLUSTER=1", map[string]string{"REDIS_URL": urls[0], "REDIS_CLUSTER": "1"}, true, "Redis Cluster"},
		{"comma list", map[string]string{"REDIS_URL": strings.Join(urls, ",")}, true, "Redis Cluster via " + strings.Join(nodes, ",")},
		{"comma list, one scheme", map[string]string{"REDIS_URL": "redis://" + strings.Join(nodes, ",")}, true, "Redis Cluster"},
		{"REDIS_ADDRS", map[string]string{"REDIS_ADDRS": strings.Join(nodes, ",")}, true, "Redis Cluster"},
		{"TLS", map[string]string{"REDIS_URL": "rediss://" + tlsAddr, "REDIS_CA_FILE": ca}, false, "Redis at " + tlsAddr + " (TLS)"},
		{"sentinel", map[string]string{"REDIS_URL": "redis+sentinel://" + sentinel + "/natqmaster"}, false, "Redis Sentinel master natqmaster via " + sentinel},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := queue.OpenStore(context.Background(), queue.StoreConfigFromEnv(func(k string) string { return tc.env[k] }))
			if err != nil {
				t.Fatalf("OpenStore(%v): %v", tc.env, err)
			}
			defer s.Close()
			_, isCluster := s.Client.(*redis.ClusterClient)
			if isCluster != tc.cluster || !strings.Contains(s.Desc, tc.desc) {
				t.Errorf("OpenStore(%v) = %T %q, want cluster %v, %q", tc.env, s.Client, s.Desc, tc.cluster, tc.desc)
			}
			// Keys of many slots: a cluster client routes each; MOVED
			// would surface here.
			for i := range 20 {
				k := fmt.Sprintf("natq:{c%d}:probe", i)
				if err := s.Client.Set(context.Background(), k, i, 0).Err(); err != nil {
					t.Fatalf("SET %s: %v", k, err)
				}
			}
		})
	}
}

// TestStoreConfigErrors: a bad REDIS_URL is refused before connecting,
// naming REDIS_URL and what is wrong.
func TestStoreConfigErrors(t *testing.T) {
	for url, want := range map[string]string{
		"http://x":                      "REDIS_URL",
		"redis://a:1,rediss://b:2":      "mixes",
		"redis://a:1/3,redis://b:2":     "database 0",
		"redis+sentinel://a:1":          "mastername",
		"redis+sentinel://a:1/m/x":      "database",
		"redis+sentinel:///m":           "mastername",
		"redis://a:1?dial_timeout=soon": "REDIS_URL",
		"redis+sentinel://a:1/m?x=%zz":  "REDIS_URL",
		"redis+sentinel://u:%zz@a:1/m":  "escape",
	} {
		_, err := queue.OpenStore(context.Background(), queue.StoreConfig{URL: url})
		if err == nil {
			t.Errorf("OpenStore(%q) = nil error", url)
			continue
		}
		if want != "" && (!strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "REDIS_URL")) {
			t.Errorf("OpenStore(%q) = %v, want REDIS_URL and %q", url, err, want)
		}
	}
	if _, err := queue.OpenStore(context.Background(), queue.StoreConfig{URL: "redis://x:1", CAFile: "ca.pem"}); err == nil || !strings.Contains(err.Error(), "rediss://") {
		t.Errorf("REDIS_CA_FILE without TLS = %v, want refused", err)
	}
	if _, err := queue.OpenStore(context.Background(), queue.StoreConfig{URL: "redis://x:1", Addrs: []string{"y:2"}}); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("REDIS_URL and REDIS_ADDRS = %v, want refused", err)
	}
}
