package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"natq/queue/queuetest"
)

// TestRoutes runs one resident through the baseline on a real
// redis-server: every route does its two commands and answers what
// natqload reads.
func TestRoutes(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: queuetest.StartRedis(t)})
	defer rdb.Close()
	app := newApp(rdb)
	for _, tt := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "/api/v1/compounds/c1/bookings", `{"building":"b1","unit":"1","room":"101","party":1}`, 201, `"ticket":"1"`},
		{"POST", "/api/v1/compounds/c1/bookings", `{"building":"b1","unit":"1","room":"102","party":2}`, 201, `"ticket":"2"`},
		{"GET", "/api/v1/tickets/1", "", 200, `room\":\"101`},
		{"POST", "/api/v1/sites/base/checkins", `{"ticket":"1"}`, 200, `"ticket":"1"`},
		{"GET", "/api/v1/tickets/2", "", 200, `"ahead":1`},
		{"POST", "/api/v1/sites/base/calls", "", 200, `"ticket":"1"`},
		{"POST", "/api/v1/sites/base/calls", "", 409, `"line_empty"`},
		{"POST", "/api/v1/tickets/1/sampled", "", 200, `"state":"sampled"`},
	} {
		req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
		resp, err := app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tt.status || !bytes.Contains(b, []byte(tt.want)) {
			t.Errorf("%s %s = %d %s, want %d with %s", tt.method, tt.path, resp.StatusCode, b, tt.status, tt.want)
		}
	}
	ctx := context.Background()
	if n, err := rdb.HGet(ctx, occKey, "base").Int(); err != nil || n != 0 {
		t.Errorf("occupancy after check-in and sampled = %d, %v; want 0", n, err)
	}
	if n, err := rdb.HLen(ctx, tkKey).Result(); err != nil || n != 3 {
		t.Errorf("ticket hash has %d fields, %v; want 2 bookings and a sampled time", n, err)
	}
}

func TestRunRefuses(t *testing.T) {
	err := run(context.Background(), nil, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "REDIS_URL is required") {
		t.Errorf("run without REDIS_URL = %v", err)
	}
	err = run(context.Background(), nil, func(string) string { return "mysql://x" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Errorf("run with a bad REDIS_URL = %v", err)
	}
}
