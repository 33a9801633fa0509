package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	redis.SetLogger(quiet{})
	dir, err := os.MkdirTemp("", "natq-kill-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	aof := []string{"--appendonly", "yes", "--appendfsync", "always"}
	addr, stop, err := redisOn(dir, port, aof...)
	if err != nil {
		return err
	}
	defer func() { stop() }()
	morning := time.Date(2026, 12, 1, 6, 0, 0, 0, time.FixedZone("CST", 8*3600))
	signer, _ := qr.NewSigner([]byte("natq-soak-secret-0123456789"))
	var bases []string
	var clients []*redis.Client
	for i := 0; i < 2; i++ {
		rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 300 * time.Millisecond, ReadTimeout: time.Second,
			WriteTimeout: time.Second, MaxRetries: 1, PoolSize: 32})
		defer rdb.Close()
		clients = append(clients, rdb)
		o := queue.DefaultOptions()
		o.Now = func() time.Time { return morning }
		o.WalkinShare = 0
		svc := queue.New(rdb, signer, o)
		for _, name := range []string{"c1.plan.geojson", "c2.plan.geojson"} {
			f, err := os.Open(filepath.Join("queue", "testdata", name))
			if err != nil {
				return fmt.Errorf("%w (run from the repository's root)", err)
			}
			p, err := queue.LoadPlan(f)
			f.Close()
			if err != nil {
				return err
			}
			if err := svc.OpenRound(ctx, p); err != nil {
				return err
			}
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
	type result struct {
		household, ticket string
		cancelled         bool
	}
	var mu sync.Mutex
	acked := map[string]*result{} // household -> last acknowledged
	attempted, ackBook, ackCancel, failed := 0, 0, 0, 0
	post := func(base, method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		return resp.StatusCode, m
	}
	lctx, endLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	workers := max(rate/20, 4)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; lctx.Err() == nil; n++ {
				base := bases[(w+n)%2]
				room := fmt.Sprintf("%d%02d", 1+n%6, 1+(w*7+n/6)%99)
				hh := "b1||" + room
				code, m := post(base, "POST", "/api/v1/compounds/c1/bookings", `{"building":"b1","room":"`+room+`","party":1}`)
				mu.Lock()
				attempted++
				if code == 201 || code == 200 {
					ackBook++
					acked[hh] = &result{household: hh, ticket: m["ticket"].(string)}
				} else if code >= 500 || code == 0 {
					failed++
				}
				r := acked[hh]
				mu.Unlock()
				if r != nil && !r.cancelled && n%2 == 0 && (code == 201 || code == 200) {
					code, _ := post(bases[(w+n+1)%2], "DELETE", "/api/v1/tickets/"+r.ticket, "")
					mu.Lock()
					if code == 200 {
						ackCancel++
						r.cancelled = true
					}
					mu.Unlock()
				}
				time.Sleep(time.Second * time.Duration(workers) / time.Duration(max(rate, 1)))
			}
		}()
	}
	for k := 0; k < kills; k++ {
		time.Sleep(2 * time.Second)
		stop()
		time.Sleep(time.Duration(1+k%3) * time.Second)
		if _, stop, err = redisOn(dir, port, aof...); err != nil {
			endLoad()
			wg.Wait()
			return err
		}
	}
	time.Sleep(2 * time.Second)
	endLoad()
	wg.Wait()

	// Check, in Redis.
	rdb := clients[0]
	lost, wrong := 0, 0
	live := map[string]int{}
	for hh, r := range acked {
		_, id, err := signer.Verify(r.ticket)
		if err != nil {
			return err
		}
		st, err := rdb.HGet(ctx, "natq:{c1}:tk", fmt.Sprintf("%d:st", id)).Result()
		switch {
		case err == redis.Nil:
			lost++
		case err != nil:
			return err
		case r.cancelled && st != "cancelled":
			wrong++
		}
		_ = hh
	}
	all, err := rdb.HGetAll(ctx, "natq:{c1}:tk").Result()
	if err != nil {
		return err
	}
	for f, v := range all {
		if id, ok := strings.CutSuffix(f, ":st"); ok && v != "cancelled" && v != "no_show" {
			live[all[id+":hh"]]++
		}
	}
	dup := 0
	for _, n := range live {
		if n > 1 {
			dup++
		}
	}
	status, _ := post(bases[0], "GET", "/api/v1/compounds/c1", "")
	_, cs := post(bases[0], "GET", "/api/v1/compounds/c1", "")
	over := 0
	if sites, ok := cs["sites"].([]any); ok {
		for _, s := range sites {
			for _, w := range s.(map[string]any)["windows"].([]any) {
				wm := w.(map[string]any)
				if wm["booked"].(float64) > wm["capacity"].(float64) {
					over++
				}
			}
		}
	}
	fmt.Printf("natq-soak: %d SIGKILLs of redis-server (appendfsync always) under bookings and cancellations over two natq instances\n", kills)
	fmt.Printf("bookings attempted %d, acknowledged %d (households %d), cancellations acknowledged %d, failed during outages %d (status %d after)\n",
		attempted, ackBook, len(acked), ackCancel, failed, status)
	fmt.Printf("lost %d, wrong state %d, households with two live tickets %d, windows over capacity %d\n", lost, wrong, dup, over)
	if lost+wrong+dup+over > 0 {
		return fmt.Errorf("acknowledged changes lost or doubled")
	}
	return nil
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}
