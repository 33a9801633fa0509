package queue_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"natq/qr"
	"natq/queue"
)

// A day on the embedded store: load a plan, open its round, book a
// household, check it in at its site.
func Example() {
	ctx := context.Background()
	mr := miniredis.NewMiniRedis()
	if err := mr.Start(); err != nil {
		panic(err)
	}
	defer mr.Close()
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	defer rdb.Close()

	f, _ := os.Open("testdata/c1.plan.geojson")
	plan, err := queue.LoadPlan(f)
	f.Close()
	if err != nil {
		panic(err)
	}
	signer, _ := qr.NewSigner([]byte("an example secret, 16+ bytes"))
	now := time.Date(2026, 12, 1, 6, 58, 0, 0, plan.TZ)
	opts := queue.DefaultOptions()
	opts.Now = func() time.Time { return now }
	svc := queue.New(rdb, signer, opts)
	if err := svc.OpenRound(ctx, plan); err != nil {
		panic(err)
	}

	b, created, _ := svc.Book(ctx, "c1", queue.Household{Building: "b1", Room: "502", Party: 2})
	fmt.Println(created, b.Site, b.Window.Start.Format("15:04"), b.Window.End.Format("15:04"), b.Party)

	// In-process callers may act as staff without a token.
	marshal := &queue.Staff{Compound: "c1", Name: "marshal", Role: queue.RoleMarshal}
	t, err := svc.CheckIn(ctx, marshal, "s1", b.Ticket)
	fmt.Println(t.State, err)
	_, err = svc.CheckIn(ctx, marshal, "s2", b.Ticket)
	fmt.Println(err)
	// Output:
	// true s1 07:00 07:15 2
	// checked_in <nil>
	// the ticket is for another site; send the resident to site s1 北广场
}
