package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/qr"
	"natq/queue"
)

// freePort is a port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// openFixtures opens the rounds of the fixture plans c1 and c2 on svc.
func openFixtures(ctx context.Context, svc *queue.Service) error {
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
	return nil
}

// callJSON sends body (JSON, or nothing) and reads the answer's JSON
// object; the status is 0 when the request failed.
func callJSON(client *http.Client, method, url, body string) (int, map[string]any) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
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

// ack is a household's last acknowledged booking.
type ack struct {
	ticket    string
	cancelled bool
}

// load is households booking and cancelling, max(rate/20, 4) workers at
// rate requests a second in all, while the kill runs SIGKILL what serves
// them; it keeps what natq acknowledged.
type load struct {
	mu                                    sync.Mutex
	acked                                 map[string]*ack // household -> last acknowledged
	attempted, ackBook, ackCancel, failed int
	wg                                    sync.WaitGroup
	end                                   context.CancelFunc
}

// startLoad runs book(w, n) for worker w's n-th request (a household, the
// answer's status and ticket) and, on every cancelEvery-th acknowledged
// booking not cancelled yet, cancel(w, n, ticket) (the status).
func startLoad(ctx context.Context, rate, cancelEvery int, book func(w, n int) (string, int, string), cancel func(w, n int, ticket string) int) *load {
	l := &load{acked: map[string]*ack{}}
	lctx, end := context.WithCancel(ctx)
	l.end = end
	workers := max(rate/20, 4)
	for w := 0; w < workers; w++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := 0; lctx.Err() == nil; n++ {
				hh, code, ticket := book(w, n)
				ok := code == 201 || code == 200
				l.mu.Lock()
				l.attempted++
				if ok {
					l.ackBook++
					l.acked[hh] = &ack{ticket: ticket}
				} else if code >= 500 || code == 0 {
					l.failed++
				}
				r := l.acked[hh]
				l.mu.Unlock()
				if r != nil && !r.cancelled && n%cancelEvery == 0 && ok {
					code := cancel(w, n, r.ticket)
					l.mu.Lock()
					if code == 200 {
						l.ackCancel++
						r.cancelled = true
					}
					l.mu.Unlock()
				}
				time.Sleep(time.Second * time.Duration(workers) / time.Duration(max(rate, 1)))
			}
		}()
	}
	return l
}

// stop ends the load and waits for its requests.
func (l *load) stop() {
	l.end()
	l.wg.Wait()
}

// check looks in Redis, in the compound's tickets (a hash each, key
// prefix+"t:"+id, numbered up to prefix+"seq"; queue/doc.go), for every
// acknowledged change: bookings lost, cancellations in the wrong state, and
// households holding two live tickets.
func (l *load) check(ctx context.Context, rdb *redis.Client, signer *qr.Signer, prefix string) (lost, wrong, dup int, err error) {
	for _, r := range l.acked {
		_, id, err := signer.Verify(r.ticket)
		if err != nil {
			return 0, 0, 0, err
		}
		st, err := rdb.HGet(ctx, prefix+"t:"+strconv.FormatUint(id, 10), "st").Result()
		switch {
		case err == redis.Nil:
			lost++
		case err != nil:
			return 0, 0, 0, err
		case r.cancelled && st != "cancelled":
			wrong++
		}
	}
	n, err := rdb.Get(ctx, prefix+"seq").Int()
	if err != nil && err != redis.Nil {
		return 0, 0, 0, err
	}
	pipe := rdb.Pipeline()
	cmds := make([]*redis.SliceCmd, n)
	for i := range cmds {
		cmds[i] = pipe.HMGet(ctx, prefix+"t:"+strconv.Itoa(i+1), "st", "hh")
	}
	if n > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return 0, 0, 0, err
		}
	}
	live := map[string]int{}
	for _, c := range cmds {
		v := c.Val()
		if st, ok := v[0].(string); ok && st != "cancelled" && st != "no_show" {
			hh, _ := v[1].(string)
			live[hh]++
		}
	}
	for _, n := range live {
		if n > 1 {
			dup++
		}
	}
	return lost, wrong, dup, nil
}

// overCapacity counts the windows of a compound's status (GET
// /api/v1/compounds/{id}) that hold more bookings than seats.
func overCapacity(cs map[string]any) int {
	over := 0
	sites, _ := cs["sites"].([]any)
	for _, s := range sites {
		for _, w := range s.(map[string]any)["windows"].([]any) {
			wm := w.(map[string]any)
			if wm["booked"].(float64) > wm["capacity"].(float64) {
				over++
			}
		}
	}
	return over
}

// durableRedis is a redis-server in dir with appendonly yes and
// appendfsync always, which the kill runs SIGKILL and start again on the
// same port and files.
type durableRedis struct {
	dir, addr string
	port      int
	stop      func()
}

func startDurable(dir string) (*durableRedis, error) {
	redis.SetLogger(quiet{}) // the clients' complaints while it is down
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	d := &durableRedis{dir: dir, port: port}
	return d, d.start()
}

func (d *durableRedis) start() error {
	addr, stop, err := redisOn(d.dir, d.port, "--appendonly", "yes", "--appendfsync", "always")
	if err != nil {
		return err
	}
	d.addr, d.stop = addr, stop
	return nil
}

// kill SIGKILLs it, waits and starts it again.
func (d *durableRedis) kill(down time.Duration) error {
	d.stop()
	d.stop = func() {}
	time.Sleep(down)
	return d.start()
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}
