package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"natq/queue"
	"natq/queue/queuetest"
)

// lockedBuf is a bytes.Buffer a running command and a test may share.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuf) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// serveEnv is an env whose clock starts at the fixtures' morning, so that
// their windows are ahead whatever the date the test runs on.
func serveEnv(vars map[string]string) (*env, *lockedBuf, *lockedBuf) {
	out, errb := &lockedBuf{}, &lockedBuf{}
	return &env{stdout: out, stderr: errb, getenv: func(k string) string { return vars[k] }, now: clockAt(queuetest.Morning)}, out, errb
}

// clockAt is a clock that reads t0 now and runs at the wall clock's pace
// from there: a test's date is t0's, never the machine's.
func clockAt(t0 time.Time) func() time.Time {
	start := time.Now()
	return func() time.Time { return t0.Add(time.Since(start)) }
}

var fixture = filepath.Join("..", "..", "queue", "testdata", "c1.plan.geojson")

func TestServeBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.geojson")
	os.WriteFile(bad, []byte(`{"type":"FeatureCollection"}`), 0o644)
	for _, c := range []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"serve"}, nil, "at least one --plan"},
		{[]string{"serve", "--plan", "nope.geojson"}, nil, "nope.geojson: no such file"},
		{[]string{"serve", "--plan", bad}, nil, `"natq:compound" missing`},
		{[]string{"serve", "--plan", fixture, "--walkin-share", "1.5"}, nil, "--walkin-share"},
		{[]string{"serve", "--plan", fixture, "--base-url", "https://natq.example.org/?x=1"}, nil, "--base-url \"https://natq.example.org/?x=1\" has a query (?)"},
		{[]string{"serve", "--plan", fixture, "--forecast-share", "1.5"}, nil, "--forecast-share 1.5: want 0 (no bound) to 1"},
		{[]string{"serve", "--plan", fixture, "--forecast-share", "-0.2"}, nil, "--forecast-share"},
		{[]string{"serve", "--plan", fixture, "--booking-limit", "-1"}, nil, "--booking-limit"},
		{[]string{"serve", "--plan", fixture, "--calls-before-noshow", "0"}, nil, "--calls-before-noshow"},
		{[]string{"serve", "--plan", fixture}, map[string]string{"REDIS_URL": "redis://" + queuetest.StartRedis(t)}, "NATQ_SECRET is required"},
		{[]string{"serve", "--plan", fixture}, map[string]string{"REDIS_URL": "http://x"}, "REDIS_URL"},
		{[]string{"staff", "add", "张三", "--compound", "c1", "--role", "marshal"}, nil, "embedded store lives inside"},
		{[]string{"round", "purge", "--compound", "c1", "--date", "2026-12-01"}, nil, "natq round works on the Redis natq serve uses"},
		{[]string{"staff", "add", "张三", "--compound", "c1"}, nil, "--role"},
		{[]string{"staff", "add", "张三", "--compound", "c1", "--role", "boss"}, map[string]string{"REDIS_URL": "redis://" + queuetest.StartRedis(t)}, "role"},
	} {
		e, _, errb := serveEnv(c.vars)
		if code := run(context.Background(), e, c.args); code != 2 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("natq %s = %d, %q; want 2 and a message containing %q", strings.Join(c.args, " "), code, errb.String(), c.want)
		}
	}
}

// TestServeEndedRound: serving a plan whose day has ended (yesterday's
// file) stops with what happened and what to do, not with a token's
// validity.
func TestServeEndedRound(t *testing.T) {
	e, _, errb := serveEnv(nil)
	e.now = clockAt(queuetest.Morning.Add(48 * time.Hour))
	if code := run(context.Background(), e, []string{"serve", "--plan", fixture, "--addr", "127.0.0.1:0"}); code != 2 ||
		!strings.Contains(errb.String(), "compound c1's latest round ended at") || !strings.Contains(errb.String(), "natq plan --date") {
		t.Errorf("natq serve with a plan of two days ago = %d, %q; want 2 and a message that the round ended, and what to do", code, errb.String())
	}
}

// TestAddrInUse: natq serve and natq demo on an address another program
// holds say so, and what to do, with the usage exit code.
func TestAddrInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	for _, args := range [][]string{{"serve", "--plan", fixture, "--addr", addr}, {"demo", "--addr", addr}} {
		e, _, errb := serveEnv(nil)
		if code := run(context.Background(), e, args); code != 2 || !strings.Contains(errb.String(), "--addr "+addr+": another program (another natq?) already listens there") {
			t.Errorf("natq %s = %d, %q; want 2 and that another program listens there", strings.Join(args, " "), code, errb.String())
		}
	}
}

// TestServeForecastShare: --forecast-share sets the model's share of the
// cores, 0 turns the bound off, and the default is the service's.
func TestServeForecastShare(t *testing.T) {
	for _, c := range []struct {
		args []string
		want float64
	}{
		{nil, queue.DefaultForecastShare},
		{[]string{"--forecast-share", "0.5"}, 0.5},
		{[]string{"--forecast-share", "0"}, -1},
	} {
		e, _, _ := serveEnv(nil)
		cfg, err := parseServe(e, append([]string{"--plan", fixture}, c.args...))
		if err != nil || cfg.opts.ForecastShare != c.want {
			t.Errorf("natq serve %s: forecast share %v, %v; want %v", strings.Join(c.args, " "), cfg.opts.ForecastShare, err, c.want)
		}
	}
}

var listening = regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`)

// stopped waits for a natq command run in the background to end once its
// context is cancelled: with 0, within 10 s.
func stopped(t *testing.T, what string, done <-chan int, stderr *lockedBuf) {
	t.Helper()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("natq %s exited %d, want 0; stderr:\n%s", what, code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Errorf("natq %s did not stop within 10s", what)
	}
}

// serve runs natq serve until the test ends and returns its base URL.
func serve(t *testing.T, e *env, errb *lockedBuf, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)) }()
	t.Cleanup(func() {
		cancel()
		stopped(t, "serve", done, errb)
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(errb.String()); m != nil {
			return "http://" + m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("natq serve exited %d: %s", code, errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("natq serve did not listen: %s", errb.String())
	return ""
}

func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeEmbedded(t *testing.T) {
	e, out, errb := serveEnv(nil)
	url := serve(t, e, errb, "--plan", fixture)
	for _, want := range []string{"EMBEDDED IN-MEMORY", "only this one instance", "NATQ_SECRET is not set"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("natq serve (embedded) stderr lacks %q:\n%s", want, errb.String())
		}
	}
	m := regexp.MustCompile(`coordinator token for c1 \(shown once\): (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no bootstrap coordinator token on stdout: %q", out.String())
	}
	code, body := call(t, "POST", url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":2}`)
	if code != 201 {
		t.Fatalf("booking = %d %s", code, body)
	}
	var b struct{ Ticket, URL string }
	json.Unmarshal([]byte(body), &b)
	if !strings.HasPrefix(b.URL, url+"/t/") {
		t.Errorf("ticket url %s, want it under %s", b.URL, url)
	}
	if code, body := call(t, "GET", b.URL, "", ""); code != 200 || !strings.Contains(body, "<html") {
		t.Errorf("the ticket page %s = %d %.80s", b.URL, code, body)
	}
	if code, body := call(t, "GET", url+"/api/v1/compounds/c1/map.json", "", ""); code != 200 {
		t.Errorf("the map = %d %.80s", code, body)
	}
	if code, body := call(t, "GET", url+"/api/v1/compounds/c1/coverage", m[1], ""); code != 200 {
		t.Errorf("coverage with the bootstrap token = %d %s", code, body)
	}
}

func TestStaffAddAndServeOnRedis(t *testing.T) {
	vars := map[string]string{"REDIS_URL": "redis://" + queuetest.StartRedis(t), "NATQ_SECRET": "a-secret-for-the-test-0123"}
	e, out, errb := serveEnv(vars)
	if code := run(context.Background(), e, []string{"staff", "add", "张三", "--compound", "c1", "--role", "marshal"}); code != 0 {
		t.Fatalf("natq staff add = %d: %s", code, errb.String())
	}
	token := strings.TrimSpace(out.String())
	staffFile := filepath.Join(t.TempDir(), "staff.csv")
	os.WriteFile(staffFile, []byte("# name,compound,role\n李四,c1,coordinator\n"), 0o644)
	e2, out2, errb2 := serveEnv(vars)
	url := serve(t, e2, errb2, "--plan", fixture, "--staff-file", staffFile, "--booking-limit", "0")
	if strings.Contains(errb2.String(), "EMBEDDED") {
		t.Errorf("natq serve with REDIS_URL says embedded: %s", errb2.String())
	}
	if code, body := call(t, "POST", url+"/api/v1/sites/s1/calls", token, ""); code != 409 || !strings.Contains(body, "line_empty") {
		t.Errorf("call with the staff add token = %d %s, want 409 line_empty", code, body)
	}
	m := regexp.MustCompile(`coordinator token for c1, 李四 \(shown once\): (\S+)`).FindStringSubmatch(out2.String())
	if m == nil {
		t.Fatalf("no staff-file token on stdout: %q", out2.String())
	}
	if code, body := call(t, "PUT", url+"/api/v1/compounds/c1/variant", m[1], `{"variant":"wet"}`); code != 200 {
		t.Errorf("variant with the staff-file token = %d %s", code, body)
	}
}

// TestPlanAndServeAYearOn plans the contest compound with no --date and
// serves the plan, both on a clock a year after the fixtures' day: the
// plan is dated by the binary's clock, and the queue books into it.
func TestPlanAndServeAYearOn(t *testing.T) {
	out := filepath.Join(t.TempDir(), "plans", "contest.plan.geojson") // -o makes the folder
	if status, _, stderr := natq(t, "plan", "../../testdata/contest.geojson", "-o", out, "--desks", "30", "--tz", "Asia/Shanghai"); status != 0 {
		t.Fatalf("natq plan = %d: %s", status, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"date":"2027-12-01"`; !strings.Contains(string(data), want) {
		t.Errorf("plan made on the clock %v lacks %s", yearOn, want)
	}
	e, outb, errb := serveEnv(nil)
	e.now = clockAt(yearOn)
	url := serve(t, e, errb, "--plan", out, "--booking-limit", "0")
	if !strings.Contains(outb.String(), "coordinator token") {
		t.Fatalf("no coordinator token: %s", outb.String())
	}
	var plan struct {
		Compound struct{ ID string } `json:"natq:compound"`
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &plan); err != nil {
		t.Fatal(err)
	}
	building := ""
	for _, f := range plan.Features {
		if f.Properties["natq:kind"] == "building" {
			building, _ = f.Properties["natq:building"].(string)
			break
		}
	}
	body := `{"building":"` + building + `","unit":"1","room":"101","party":1}`
	if code, resp := call(t, "POST", url+"/api/v1/compounds/"+plan.Compound.ID+"/bookings", "", body); code != 201 {
		t.Errorf("booking %s on a year-on clock = %d %s, want 201", body, code, resp)
	}
}
