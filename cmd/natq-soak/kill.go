package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/qr"
	"natq/queue"
	"natq/queue/server"
)

// killRedis books and cancels households through two natq instances while
// redis-server, with appendonly yes and appendfsync always, is SIGKILLed
// and restarted kills times; then it checks, in Redis, that every booking
// and cancellation natq acknowledged is there, that no household holds two
// live tickets, and that no window holds more than its seats.
func killRedis(kills, rate int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "natq-kill-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rs, err := startDurable(dir)
	if err != nil {
		return err
	}
	defer func() { rs.stop() }()
	morning := time.Date(2026, 12, 1, 6, 0, 0, 0, time.FixedZone("CST", 8*3600))
	signer, _ := qr.NewSigner([]byte("natq-soak-secret-0123456789"))
	var bases []string
	var clients []*redis.Client
	for i := 0; i < 2; i++ {
		rdb := redis.NewClient(&redis.Options{Addr: rs.addr, DialTimeout: 300 * time.Millisecond, ReadTimeout: time.Second,
			WriteTimeout: time.Second, MaxRetries: 1, PoolSize: 32})
		defer rdb.Close()
		clients = append(clients, rdb)
		o := queue.DefaultOptions()
		o.Now = func() time.Time { return morning }
		o.WalkinShare = 0
		svc := queue.New(rdb, signer, o)
		if err := openFixtures(ctx, svc); err != nil {
			return err
		}
		app := server.New(svc, server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		go app.Listener(ln)
		defer app.ShutdownWithTimeout(time.Second)
		bases = append(bases, "http://"+ln.Addr().String())
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	book := func(w, n int) (string, int, string) {
		room := fmt.Sprintf("%d%02d", 1+n%6, 1+(w*7+n/6)%99)
		code, m := callJSON(client, "POST", bases[(w+n)%2]+"/api/v1/compounds/c1/bookings", `{"building":"b1","room":"`+room+`","party":1}`)
		ticket, _ := m["ticket"].(string)
		return "b1||" + room, code, ticket
	}
	cancel := func(w, n int, ticket string) int {
		code, _ := callJSON(client, "DELETE", bases[(w+n+1)%2]+"/api/v1/tickets/"+ticket, "")
		return code
	}
	l := startLoad(ctx, rate, 2, book, cancel)
	for k := 0; k < kills; k++ {
		time.Sleep(2 * time.Second)
		if err := rs.kill(time.Duration(1+k%3) * time.Second); err != nil {
			l.stop()
			return err
		}
	}
	time.Sleep(2 * time.Second)
	l.stop()

	// Check, in Redis.
	lost, wrong, dup, err := l.check(ctx, clients[0], signer, "natq:{c1}:")
	if err != nil {
		return err
	}
	status, cs := callJSON(client, "GET", bases[0]+"/api/v1/compounds/c1", "")
	over := overCapacity(cs)
	fmt.Printf("natq-soak: %d SIGKILLs of redis-server (appendfsync always) under bookings and cancellations over two natq instances\n", kills)
	fmt.Printf("bookings attempted %d, acknowledged %d (households %d), cancellations acknowledged %d, failed during outages %d (status %d after)\n",
		l.attempted, l.ackBook, len(l.acked), l.ackCancel, l.failed, status)
	fmt.Printf("lost %d, wrong state %d, households with two live tickets %d, windows over capacity %d\n", lost, wrong, dup, over)
	if lost+wrong+dup+over > 0 {
		return fmt.Errorf("acknowledged changes lost or doubled")
	}
	return nil
}
