// Command natq-soak runs natq's queue service under a steady load for a
// few minutes and reports whether it stays flat: heap, goroutines, file
// descriptors and Redis clients at the start and at the end.
//
//	go run ./cmd/natq-soak -duration 3m
//
// It starts its own redis-server (or uses REDIS_URL), serves the fixture
// plans in-process on a free port, and drives it from the same process:
// households booking, asking again and cancelling, tickets read, and event
// streams opened and closed while others stay open. It exits 1 when a
// figure grew beyond its allowance. It is not part of go test: it takes
// minutes by design.
//
//	go run ./cmd/natq-soak -listeners 10000
//
// is the live-updates run instead (listeners.go): 10,000 event streams on
// one instance in a process of its own, from 100 client addresses, real
// changes through the API, and each delivery's time, misses, memory per
// stream and the freeing of dropped and closed streams (BENCHMARKS.md,
// "Live updates").
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/qr"
	"natq/queue"
	"natq/queue/server"
)

func main() {
	if spec := os.Getenv(childEnv); spec != "" {
		serveChild(spec)
	}
	duration := flag.Duration("duration", 3*time.Minute, "how long to run the load")
	rate := flag.Int("rate", 100, "booking requests per second (each followed by a repeat, a read and a cancel)")
	held := flag.Int("streams", 200, "event streams held open throughout")
	churn := flag.Int("churn", 20, "event streams opened and closed per second")
	flood := flag.Int("flood", 0, "instead of the soak: open this many event streams from one address, then close them")
	kills := flag.Int("kill", 0, "instead of the soak: book and cancel while redis-server (appendfsync always) is SIGKILLed this many times, then check every acknowledged change")
	procs := flag.Bool("natq", false, "with -kill: run two `natq serve` processes (built here, on the wall clock) and SIGKILL them in turn with Redis")
	listeners := flag.Int("listeners", 0, "instead of the soak: hold this many event streams open on one instance, publish changes and measure their delivery (see listeners.go)")
	addrs := flag.Int("addrs", 0, "with -listeners: client addresses, 127.0.0.2 on (default: 100 streams each)")
	updates := flag.Int("updates", 40, "with -listeners: changes per second")
	updFor := flag.Duration("for", 20*time.Second, "with -listeners: how long to publish changes")
	drop := flag.Int("drop", 100, "with -listeners: streams whose clients then reset their connections")
	flag.Parse()
	var err error
	if *listeners > 0 {
		err = listenersRun(listenersConfig{n: *listeners, addrs: max(*addrs, (*listeners+99)/100), rate: *updates, dur: *updFor, drop: *drop})
	} else if *kills > 0 && *procs {
		err = killBoth(*kills, *rate)
	} else if *kills > 0 {
		err = killRedis(*kills, *rate)
	} else {
		err = run(*duration, *rate, *held, *churn, *flood)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "natq-soak:", err)
		os.Exit(1)
	}
}

type figures struct {
	heapMB     float64
	goroutines int
	fds        int
	clients    int
	streams    int
}

func measure(ctx context.Context, rdb redis.UniversalClient, svc *queue.Service) figures {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fds, _ := os.ReadDir("/proc/self/fd")
	info, _ := rdb.Info(ctx, "clients").Result()
	clients := 0
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "connected_clients:"); ok {
			clients, _ = strconv.Atoi(v)
		}
	}
	return figures{float64(m.HeapInuse) / (1 << 20), runtime.NumGoroutine(), len(fds), clients, svc.Listeners()}
}

func startRedis(dir string, extra ...string) (string, func(), error) {
	if u := os.Getenv("REDIS_URL"); u != "" && len(extra) == 0 {
		o, err := redis.ParseURL(u)
		if err != nil {
			return "", nil, err
		}
		return o.Addr, func() {}, nil
	}
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	return redisOn(dir, port, extra...)
}

// redisOn runs redis-server on port in dir; the returned stop SIGKILLs it.
func redisOn(dir string, port int, extra ...string) (string, func(), error) {
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir}, extra...)
	cmd := exec.Command("redis-server", args...)
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("redis-server: %w", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, func() { cmd.Process.Kill(); cmd.Wait() }, nil
		}
		time.Sleep(25 * time.Millisecond)
	}
	cmd.Process.Kill()
	return "", nil, fmt.Errorf("redis-server on %s did not answer", addr)
}

func run(duration time.Duration, rate, held, churn, flood int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "natq-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	addr, stop, err := startRedis(dir)
	if err != nil {
		return err
	}
	defer stop()
	// The pool grows with concurrency during the warm-up, up to its bound:
	// Redis clients are flat when they have not grown since, or stay
	// within the bound.
	const pool = 32
	// go-redis keeps a pipeline pool of 10 connections beside the main
	// pool's MaxActiveConns; with the subscription and INFO's own, that
	// is the most Redis may see of this process.
	const bound = pool + 10 + 2
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: pool, MaxActiveConns: pool})
	defer rdb.Close()
	signer, _ := qr.NewSigner([]byte("natq-soak-secret-0123456789"))
	morning := time.Date(2026, 12, 1, 6, 0, 0, 0, time.FixedZone("CST", 8*3600))
	o := queue.DefaultOptions()
	o.Now = func() time.Time { return morning }
	svc := queue.New(rdb, signer, o)
	if err := openFixtures(ctx, svc); err != nil {
		return err
	}
	opts := server.Options{MaxStreamsPerAddress: held + churn*4}
	if flood > 0 {
		opts.MaxStreamsPerAddress = 0 // the default cap
	}
	app := server.New(svc, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go app.Listener(server.Listener(ln, nil))
	defer app.ShutdownWithTimeout(2 * time.Second)
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

	if flood > 0 {
		return floodStreams(ctx, base, rdb, svc, flood)
	}
	var requests, failures atomic.Int64
	call := func(method, url, body string) (int, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		requests.Add(1)
		if err != nil {
			failures.Add(1)
			return 0, ""
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			failures.Add(1)
		}
		return resp.StatusCode, string(b)
	}
	openStream := func(sctx context.Context) {
		req, _ := http.NewRequestWithContext(sctx, "GET", base+"/api/v1/sites/s1/events", nil)
		resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err != nil {
			if sctx.Err() == nil {
				failures.Add(1)
			}
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			failures.Add(1)
			return
		}
		// Read as a page does, until the stream is closed.
		r := bufio.NewReader(resp.Body)
		if _, err := r.ReadString('\n'); err != nil {
			failures.Add(1)
			return
		}
		io.Copy(io.Discard, r)
	}

	loadCtx, endLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Streams held throughout; one that natq drops (it fell behind) is
	// opened again, as EventSource does.
	var reopened atomic.Int64
	for i := 0; i < held; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for openStream(loadCtx); loadCtx.Err() == nil; openStream(loadCtx) {
				reopened.Add(1)
				time.Sleep(2 * time.Second) // the stream's retry
			}
		}()
	}
	// Streams opened and closed.
	every(loadCtx, &wg, churn, func() {
		sctx, cancel := context.WithTimeout(loadCtx, 2*time.Second)
		defer cancel()
		openStream(sctx)
	})
	// Households: book, ask again, read, cancel.
	var seq atomic.Int64
	every(loadCtx, &wg, rate, func() {
		n := seq.Add(1)
		body := fmt.Sprintf(`{"building":"b1","room":"%d%02d","party":1}`, 1+n%6, 1+n%97)
		code, resp := call("POST", base+"/api/v1/compounds/c1/bookings", body)
		if code != 201 && code != 200 {
			return
		}
		call("POST", base+"/api/v1/compounds/c1/bookings", body)
		i := strings.Index(resp, `"ticket":"`)
		if i < 0 {
			return
		}
		tok := resp[i+len(`"ticket":"`):]
		tok = tok[:strings.IndexByte(tok, '"')]
		call("GET", base+"/api/v1/tickets/"+tok, "")
		call("DELETE", base+"/api/v1/tickets/"+tok, "")
	})

	warm := min(duration/6, 30*time.Second)
	time.Sleep(warm)
	start := measure(ctx, rdb, svc)
	t0 := requests.Load()
	fmt.Printf("natq-soak: %v at %d bookings/s (+repeat, read, cancel), %d streams held, %d opened and closed per second\n",
		duration, rate, held, churn)
	time.Sleep((duration - warm) / 2)
	mid := measure(ctx, rdb, svc)
	time.Sleep((duration - warm) / 2)
	end := measure(ctx, rdb, svc)
	n := requests.Load() - t0
	endLoad()
	wg.Wait()
	after := measure(ctx, rdb, svc)

	fmt.Printf("%-22s %10s %10s %10s %14s\n", "", "start", "middle", "end", "after the load")
	fmt.Printf("%-22s %10.1f %10.1f %10.1f %14.1f\n", "heap in use (MB)", start.heapMB, mid.heapMB, end.heapMB, after.heapMB)
	fmt.Printf("%-22s %10d %10d %10d %14d\n", "goroutines", start.goroutines, mid.goroutines, end.goroutines, after.goroutines)
	fmt.Printf("%-22s %10d %10d %10d %14d\n", "file descriptors", start.fds, mid.fds, end.fds, after.fds)
	fmt.Printf("%-22s %10d %10d %10d %14d\n", "Redis clients", start.clients, mid.clients, end.clients, after.clients)
	fmt.Printf("%-22s %10d %10d %10d %14d\n", "event listeners", start.streams, mid.streams, end.streams, after.streams)
	fmt.Printf("Redis clients bounded by %d (pool %d, pipeline pool 10, the subscription, this check)\n", bound, pool)
	fmt.Printf("requests in the measured span: %d (%.0f/s), 5xx or failed: %d\n", n, float64(n)/(duration-warm).Seconds(), failures.Load())
	fmt.Printf("held streams reopened after natq dropped them (fell behind): %d\n", reopened.Load())
	var grew []string
	// Requests in flight come and go with the machine's pace (each costs
	// goroutines and sockets on both sides); a leak keeps growing. The
	// allowance is the in-flight load's: a tenth of a second of requests.
	inflight := rate * 4 / 10
	if end.heapMB > mid.heapMB*1.25+8 {
		grew = append(grew, "heap")
	}
	if end.goroutines > mid.goroutines+2*churn+3*inflight+50 {
		grew = append(grew, "goroutines")
	}
	if end.fds > mid.fds+2*churn+2*inflight+50 {
		grew = append(grew, "file descriptors")
	}
	if end.clients > start.clients+2 && end.clients > bound {
		grew = append(grew, "Redis clients")
	}
	if end.streams < held*9/10 {
		grew = append(grew, "streams held")
	}
	if failures.Load() > 0 {
		grew = append(grew, "failures")
	}
	if len(grew) > 0 {
		return fmt.Errorf("not flat: %s", strings.Join(grew, ", "))
	}
	fmt.Println("natq-soak: flat")
	return nil
}

// floodStreams opens n event streams from one address, as the attack that
// made natq exit did, and reports what was held and refused, what Redis
// and the process saw, and how soon closed streams were freed.
// every runs f, each in its own goroutine counted in wg, perSecond times a
// second until ctx ends.
func every(ctx context.Context, wg *sync.WaitGroup, perSecond int, f func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Second / time.Duration(max(perSecond, 1)))
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				wg.Add(1)
				go func() {
					defer wg.Done()
					f()
				}()
			}
		}
	}()
}

func floodStreams(ctx context.Context, base string, rdb redis.UniversalClient, svc *queue.Service, n int) error {
	before := measure(ctx, rdb, svc)
	tr := &http.Transport{DisableKeepAlives: true, MaxConnsPerHost: 0}
	client := &http.Client{Transport: tr}
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	codes := map[int]int{}
	var bodies []io.Closer
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			req, _ := http.NewRequestWithContext(fctx, "GET", base+"/api/v1/sites/s1/events", nil)
			resp, err := client.Do(req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				codes[0]++
				return
			}
			codes[resp.StatusCode]++
			if resp.StatusCode == 200 {
				bodies = append(bodies, resp.Body)
			} else {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	opened := time.Since(t0)
	during := measure(ctx, rdb, svc)
	hc, err := http.Get(base + "/healthz")
	health := 0
	if err == nil {
		health = hc.StatusCode
		hc.Body.Close()
	}
	t1 := time.Now()
	cancel()
	for _, b := range bodies {
		b.Close()
	}
	for svc.Listeners() > 0 && time.Since(t1) < 30*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	freed := time.Since(t1)
	time.Sleep(200 * time.Millisecond)
	after := measure(ctx, rdb, svc)
	fmt.Printf("natq-soak: %d event streams from one address in %v: %d held (200), %d refused 429, %d refused 503, %d failed\n",
		n, opened.Round(time.Millisecond), codes[200], codes[429], codes[503], codes[0])
	fmt.Printf("natq still up: /healthz %d; closed streams freed in %v\n", health, freed.Round(time.Millisecond))
	fmt.Printf("%-22s %10s %10s %10s\n", "", "before", "during", "after")
	fmt.Printf("%-22s %10d %10d %10d\n", "Redis clients", before.clients, during.clients, after.clients)
	fmt.Printf("%-22s %10d %10d %10d\n", "event listeners", before.streams, during.streams, after.streams)
	fmt.Printf("%-22s %10d %10d %10d\n", "file descriptors", before.fds, during.fds, after.fds)
	fmt.Printf("%-22s %10d %10d %10d\n", "goroutines", before.goroutines, during.goroutines, after.goroutines)
	fmt.Printf("%-22s %10.1f %10.1f %10.1f\n", "heap in use (MB)", before.heapMB, during.heapMB, after.heapMB)
	if health != 200 || during.clients > before.clients+2 || after.streams != 0 {
		return fmt.Errorf("the flood was not contained")
	}
	return nil
}
