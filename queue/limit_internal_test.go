package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"natq/qr"
)

// TestLimiterStoreFails: when a booking's budget cannot be counted (the
// budgets hash refuses the write: here it holds another type), the
// booking is admitted (fail open, the default) or refused with 503
// (FailClosed), and the log says which, once however many requests fail.
func TestLimiterStoreFails(t *testing.T) {
	for _, closed := range []bool{false, true} {
		m := miniredis.NewMiniRedis()
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		c := redis.NewClient(&redis.Options{Addr: m.Addr()})
		defer c.Close()
		signer, _ := qr.NewSigner([]byte("limit-test-secret-0123456789"))
		o := DefaultOptions()
		o.Now = func() time.Time { return time.Date(2026, 12, 1, 6, 0, 0, 0, time.FixedZone("CST", 8*3600)) }
		o.BookingLimit = BookingLimit{Households: 2, Window: 10 * time.Minute, FailClosed: closed}
		s := New(c, signer, o)
		f, err := os.Open("testdata/c1.plan.geojson")
		if err != nil {
			t.Fatal(err)
		}
		p, err := LoadPlan(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.OpenRound(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		w := o.Now().UnixMilli() / (10 * time.Minute).Milliseconds()
		if err := c.Set(context.Background(), keysOf("c1").budgets(w), "not a hash", 0).Err(); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		old := slog.Default()
		slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
		var errs []error
		for i := 0; i < 5; i++ {
			_, _, err := s.BookOnline(context.Background(), "c1", Household{Building: "b1", Room: fmt.Sprintf("1%02d", i+1), Party: 1}, "10.0.0.1", nil, Held{})
			errs = append(errs, err)
		}
		slog.SetDefault(old)
		for i, err := range errs {
			if closed && !errors.Is(err, ErrUnavailable) {
				t.Errorf("fail closed: booking %d = %v, want unavailable", i, err)
			}
			if !closed && err != nil {
				t.Errorf("fail open: booking %d = %v, want admitted past the budget of 2", i, err)
			}
		}
		want := "fail open"
		if closed {
			want = "fail closed"
		}
		if n := strings.Count(logs.String(), "booking limiter: store failed"); n != 1 || !strings.Contains(logs.String(), want) {
			t.Errorf("log = %q, want one line saying %s", logs.String(), want)
		}
	}
}
