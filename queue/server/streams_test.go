package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/queue"
	"natq/queue/queuetest"
	"natq/queue/server"
)

// openStream opens an event stream on a connection of its own and waits
// for its first line; it returns the status and, for 200, a closer.
func openStream(t *testing.T, tr *http.Transport, url string) (int, http.Header, func()) {
	t.Helper()
	return openStreamWith(t, tr, url)
}

// openStreamWith is openStream through any round tripper.
func openStreamWith(t *testing.T, tr http.RoundTripper, url string) (int, http.Header, func()) {
	t.Helper()
	rctx, cancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(rctx, "GET", url, nil)
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		cancel()
		return resp.StatusCode, resp.Header, nil
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "retry:") {
		t.Fatalf("GET %s: first line %q, %v", url, line, err)
	}
	return 200, resp.Header, func() { cancel(); resp.Body.Close() }
}

func clients(t *testing.T, c redis.UniversalClient) int {
	t.Helper()
	s, err := c.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(s, "\n")
}

// ours counts the goroutines running natq's code but this one: a stream's
// writer and connection watcher, the hub. (fasthttp keeps idle workers
// for 10 s; they are not the streams'.)
func ours() int {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "natq/queue") && !strings.Contains(g, "[running]") {
			n++
		}
	}
	return n
}

// waitFor polls cond for up to 10 s (a bound, not a timing claim).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStreamFlood is one address opening more event streams than its
// cap: the extra ones are refused with 429, natq keeps serving, Redis
// sees no more clients than before, and closed streams are freed at once
// (listeners and goroutines back down) so that they can be opened again.
func TestStreamFlood(t *testing.T) {
	st := queuetest.Stores()[0] // a real redis-server, for CLIENT LIST
	c := st.Client(t)
	const perAddr = 40
	in := start(t, c, nil, server.Options{MaxStreamsPerAddress: perAddr, MaxStreams: 1000})
	tr := &http.Transport{MaxConnsPerHost: 0, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	url := in.url + "/api/v1/sites/s1/events"
	// One stream first: the instance's one subscription is then in place.
	_, _, first := openStream(t, tr, url)
	first()
	waitFor(t, "first stream freed", func() bool { return in.svc.Listeners() == 0 })
	baseClients, baseG := clients(t, c), ours()
	for round := 0; round < 2; round++ {
		var closers []func()
		refused := 0
		for i := 0; i < perAddr+25; i++ {
			code, h, closer := openStream(t, tr, url)
			switch {
			case code == 200:
				closers = append(closers, closer)
			case code == 429 && h.Get("Retry-After") != "":
				refused++
			default:
				t.Fatalf("stream %d = %d, want 200 or 429 with Retry-After", i, code)
			}
		}
		if len(closers) != perAddr || refused != 25 {
			t.Errorf("round %d: %d streams held, %d refused; want %d and 25", round, len(closers), refused, perAddr)
		}
		if n := clients(t, c); n > baseClients+1 {
			t.Errorf("round %d: Redis has %d clients with %d streams open, %d before: want one subscription for all", round, n, len(closers), baseClients)
		}
		if n := ours(); n < baseG+perAddr {
			t.Errorf("round %d: %d goroutines of natq with %d streams open, %d before: the count does not see streams", round, n, perAddr, baseG)
		}
		if in.svc.Listeners() != perAddr {
			t.Errorf("round %d: %d listeners, want %d", round, in.svc.Listeners(), perAddr)
		}
		if code, _ := do(t, "GET", in.url+"/healthz", "", ""); code != 200 {
			t.Fatalf("/healthz during the flood = %d", code)
		}
		if code, _ := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", fmt.Sprintf(`{"building":"b1","room":"1%02d","party":1}`, round+1)); code != 201 {
			t.Errorf("booking during the flood = %d", code)
		}
		for _, cl := range closers {
			cl()
		}
		waitFor(t, "streams freed", func() bool { return in.svc.Listeners() == 0 })
		waitFor(t, "goroutines back down", func() bool { return ours() <= baseG })
	}
}

// TestStreamTotalCap: beyond the instance's total, a stream is answered
// 503 with Retry-After, and the server stays up.
func TestStreamTotalCap(t *testing.T) {
	in := start(t, queuetest.Stores()[2].Client(t), nil, server.Options{MaxStreams: 5})
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	var closers []func()
	for i := 0; i < 5; i++ {
		code, _, cl := openStream(t, tr, in.url+"/api/v1/sites/s1/events")
		if code != 200 {
			t.Fatalf("stream %d = %d, want 200", i, code)
		}
		closers = append(closers, cl)
	}
	code, h, _ := openStream(t, tr, in.url+"/api/v1/sites/s2/events")
	if code != 503 || h.Get("Retry-After") == "" {
		t.Errorf("stream beyond the total = %d Retry-After %q, want 503 with Retry-After", code, h.Get("Retry-After"))
	}
	if code, _ := do(t, "GET", in.url+"/healthz", "", ""); code != 200 {
		t.Errorf("/healthz at the cap = %d", code)
	}
	for _, cl := range closers {
		cl()
	}
}

// notServing makes every command answer as Redis does while it replays
// its append-only file.
type notServing struct{ on bool }

type loadingErr string

func (e loadingErr) Error() string { return string(e) }
func (loadingErr) RedisError()     {}

const loading = loadingErr("LOADING Redis is loading the dataset in memory")

func (h *notServing) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *notServing) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if h.on {
			cmd.SetErr(loading)
			return loading
		}
		return next(ctx, cmd)
	}
}
func (h *notServing) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if h.on {
			for _, c := range cmds {
				c.SetErr(loading)
			}
			return loading
		}
		return next(ctx, cmds)
	}
}

// TestLoadingIs503 is Redis replaying its AOF after a restart: every
// answer is 503 with Retry-After (ticket reads answered 500), and the 5xx
// log lines name no ticket.
func TestLoadingIs503(t *testing.T) {
	c := queuetest.Stores()[0].Client(t)
	var logs bytes.Buffer
	in := start(t, c, nil, server.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	_, b := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":1}`)
	tk := b["ticket"].(string)
	marshal, _ := in.svc.AddStaff(ctx, "c1", "m", queue.RoleMarshal)
	hook := &notServing{}
	c.AddHook(hook)
	hook.on = true
	for _, r := range []struct{ method, path, token, body string }{
		{"GET", "/api/v1/tickets/" + tk, "", ""},
		{"DELETE", "/api/v1/tickets/" + tk, "", ""},
		{"GET", "/api/v1/tickets/" + tk + "/events", "", ""},
		{"POST", "/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"102","party":1}`},
		{"GET", "/api/v1/compounds/c1", "", ""},
		{"GET", "/api/v1/compounds", "", ""},
		{"POST", "/api/v1/sites/s1/calls", marshal, ""},
		{"GET", "/readyz", "", ""},
	} {
		req, _ := http.NewRequest(r.method, in.url+r.path, strings.NewReader(r.body))
		if r.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if r.token != "" {
			req.Header.Set("Authorization", "Bearer "+r.token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s while Redis loads = %d Retry-After %q, want 503 with Retry-After", r.method, r.path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	hook.on = false
	if code, e := do(t, "GET", in.url+"/api/v1/tickets/"+tk, "", ""); code != 200 {
		t.Errorf("ticket after loading = %d %v", code, e)
	}
	if !strings.Contains(logs.String(), "status=503") {
		t.Errorf("no 503 logged:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), tk) || strings.Contains(logs.String(), tk[strings.LastIndexByte(tk, '.'):]) {
		t.Errorf("the log holds the ticket token %s:\n%s", tk, logs.String())
	}
	if strings.Contains(logs.String(), marshal[strings.LastIndexByte(marshal, '.')+1:]) {
		t.Errorf("the log holds the staff token:\n%s", logs.String())
	}
}

// TestStreamHeartbeats: an idle stream gets heartbeats (comments, which
// EventSource ignores) and nothing else; an event between them is sent
// once, and the heartbeats after it carry no data.
func TestStreamHeartbeats(t *testing.T) {
	defer server.SetHeartbeat(5 * time.Millisecond)()
	in := start(t, queuetest.Stores()[2].Client(t), nil, server.Options{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /api/v1/sites/s1/events?bookings=1 HTTP/1.1\r\nHost: natq\r\n\r\n") // a tablet's, with bookings
	r := bufio.NewReader(conn)
	line := func() string {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second)) // a bound, not a timing claim
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		return strings.TrimRight(l, "\r\n")
	}
	if l := line(); l != "HTTP/1.1 200 OK" {
		t.Fatalf("status line %q", l)
	}
	head := map[string]string{}
	for l := line(); l != ""; l = line() {
		k, v, _ := strings.Cut(l, ": ")
		head[strings.ToLower(k)] = v
	}
	if head["content-type"] != "text/event-stream" || head["cache-control"] != "no-cache" || head["connection"] != "close" ||
		head["content-length"] != "" || head["transfer-encoding"] != "" {
		t.Errorf("head %v: want an event stream to the connection's end, uncached", head)
	}
	// Frames: lines up to a blank one.
	frame := func() []string {
		var f []string
		for l := line(); l != ""; l = line() {
			f = append(f, l)
		}
		return f
	}
	f := frame()
	retry, err := strconv.Atoi(strings.TrimPrefix(f[0], "retry: "))
	if len(f) != 2 || !strings.HasPrefix(f[0], "retry: ") || err != nil || retry < 2000 || retry >= 5000 || f[1] != ": connected" {
		t.Fatalf("first frame %q, want a reconnection in 2 to 5 s and the comment", f)
	}
	for i := 0; i < 3; i++ {
		if f := frame(); len(f) != 1 || f[0] != ": ping" {
			t.Fatalf("idle frame %d = %q, want a heartbeat", i, f)
		}
	}
	if code, _ := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":1}`); code != 201 {
		t.Fatalf("booking = %d", code)
	}
	events, pings := 0, 0
	for pings < 5 {
		f := frame()
		switch {
		case len(f) == 1 && f[0] == ": ping":
			pings++
		case len(f) == 1 && strings.HasPrefix(f[0], `data: {"type":"booked"`):
			events++
		default:
			t.Fatalf("frame %q, want a heartbeat or the booking's event", f)
		}
	}
	if events != 1 {
		t.Errorf("the booking's event came %d times, want once", events)
	}
}

// TestSiteStreamBookings: a site's stream carries its new bookings'
// events only when asked (?bookings=1, the tablet's); without, its phones
// and display get the changes that move the line (a cancellation here)
// and not the booking before it. Any other value is refused, saying which.
func TestSiteStreamBookings(t *testing.T) {
	defer server.SetHeartbeat(5 * time.Millisecond)()
	in := start(t, queuetest.Stores()[2].Client(t), nil, server.Options{})
	if code, body := do(t, "GET", in.url+"/api/v1/sites/s1/events?bookings=yes", "", ""); code != 400 || !strings.Contains(fmt.Sprint(body), "bookings") {
		t.Errorf("?bookings=yes = %d %v, want 400 naming bookings", code, body)
	}
	// events opens a stream and returns its events' types until a
	// "cancelled", heartbeats left out.
	open := func(path string) func() []string {
		conn, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: natq\r\n\r\n", path)
		r := bufio.NewReader(conn)
		// The head and the first frame (": connected") end at blank lines.
		for blank := 0; blank < 2; {
			l, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if l == "\r\n" || l == "\n" {
				blank++
			}
		}
		return func() []string {
			var types []string
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					t.Fatalf("%s: after %q: %v", path, types, err)
				}
				if d, ok := strings.CutPrefix(strings.TrimRight(l, "\r\n"), "data: "); ok {
					var ev struct{ Type string }
					if err := json.Unmarshal([]byte(d), &ev); err != nil {
						t.Fatalf("%s: event %s: %v", path, d, err)
					}
					if types = append(types, ev.Type); ev.Type == "cancelled" {
						return types
					}
				}
			}
		}
	}
	phone, tablet := open("/api/v1/sites/s1/events"), open("/api/v1/sites/s1/events?bookings=1")
	code, b := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":1}`)
	tok, _ := b["ticket"].(string)
	if code != 201 || tok == "" {
		t.Fatalf("booking = %d %v", code, b)
	}
	if code, b := do(t, "DELETE", in.url+"/api/v1/tickets/"+tok, "", ""); code != 200 {
		t.Fatalf("cancel = %d %v", code, b)
	}
	if got := phone(); !slices.Equal(got, []string{"cancelled"}) {
		t.Errorf("the stream without bookings had %q, want only the cancellation", got)
	}
	if got := tablet(); !slices.Equal(got, []string{"booked", "cancelled"}) {
		t.Errorf("the stream with bookings had %q, want the booking and the cancellation", got)
	}
}
