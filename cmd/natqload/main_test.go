package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/queue"
	"natq/queue/queuetest"
	"natq/queue/server"
)

const fixture = "../../queue/testdata/c1.plan.geojson"

func noenv(string) string { return "" }

func TestParseRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no plan", nil, "--plan FILE is required"},
		{"remote host", []string{"--plan", fixture, "--url", "http://192.0.2.7:8080"}, "not a loopback address"},
		{"https", []string{"--plan", fixture, "--url", "https://127.0.0.1:8080"}, "want http://HOST:PORT"},
		{"path", []string{"--plan", fixture, "--url", "http://127.0.0.1:8080/api"}, "without a path"},
		{"long", []string{"--plan", fixture, "--duration", "11m"}, "at most 10m"},
		{"zero", []string{"--plan", fixture, "--duration", "0s"}, "want more than 0"},
		{"concurrency", []string{"--plan", fixture, "--concurrency", "0"}, "want 1 to 4096"},
		{"mix kind", []string{"--plan", fixture, "--mix", "book=1,cancel=2"}, `no kind "cancel"`},
		{"mix weight", []string{"--plan", fixture, "--mix", "book=x"}, "want KIND=WEIGHT"},
		{"mix zero", []string{"--plan", fixture, "--mix", "book=0"}, "every weight is 0"},
		{"desk token", []string{"--plan", fixture, "--mix", "desk=1"}, "marshal's token"},
		{"party", []string{"--plan", fixture, "--max-party", "9"}, "want 1 to 8"},
		{"listeners", []string{"--plan", fixture, "--listeners", "-1"}, "want 0 to 20000"},
		{"watch", []string{"--plan", fixture, "--watch", "natq"}, "want NAME=PID"},
		{"pprof alone", []string{"--plan", fixture, "--pprof-url", "http://127.0.0.1:6060/debug/pprof/profile"}, "go together"},
		{"argument", []string{"--plan", fixture, "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.args, noenv, &bytes.Buffer{})
			if _, ok := err.(usageError); !ok || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parse(%q) = %v, want a usage error with %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	env := func(k string) string {
		if k == "NATQLOAD_STAFF_TOKEN" {
			return "c1.token"
		}
		return ""
	}
	c, err := parse([]string{"--plan", fixture, "--url", "http://localhost:9/", "--mix", "book=3,desk=1"}, env, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.staffToken != "c1.token" || c.host != "localhost:9" || c.prebook != 1000 || c.mix != (mix{3, 0, 0, 1}) {
		t.Errorf("parse = token %q host %q prebook %d mix %v", c.staffToken, c.host, c.prebook, c.mix)
	}
	if c, err = parse([]string{"--plan", fixture, "--url", "http://192.0.2.7:8080", "--allow-remote", "--mix", "book=1"}, noenv, &bytes.Buffer{}); err != nil || c.prebook != 0 {
		t.Errorf("parse(--allow-remote, only bookings) = %+v, %v; want it allowed, no prebookings", c, err)
	}
}

func TestHouseholds(t *testing.T) {
	slots, compound, err := households(fixture, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := queuetest.Plan(t, "c1.plan.geojson")
	want := map[household]int{}
	for _, w := range p.Windows {
		if w.Variant == "dry" {
			for _, g := range w.Groups {
				want[household{g.Building, g.Unit, p.File.Building(g.Building).Levels}] += g.People
			}
		}
	}
	got := map[household]int{}
	for _, h := range slots {
		got[h]++
	}
	if compound != "c1" || len(got) != len(want) {
		t.Fatalf("households = %d units of %q, want %d of c1", len(got), compound, len(want))
	}
	for h, people := range want {
		if n := max(1, people/4); got[h] != n {
			t.Errorf("unit %v: %d slots, want %d (people %d / 4)", h, got[h], n, people)
		}
	}
}

func TestField(t *testing.T) {
	b := []byte(`{"ticket":"c1.1.abc","site":"s1","household":{"building":"b1"},"error":{"code":"full"}}`)
	for name, want := range map[string]string{"ticket": "c1.1.abc", "site": "s1", "code": "full", "building": "b1", "none": ""} {
		if got := field(b, name); got != want {
			t.Errorf("field(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestQuantile(t *testing.T) {
	lat := make([]time.Duration, 1000)
	for i := range lat {
		lat[i] = time.Duration(i+1) * time.Millisecond
	}
	for q, want := range map[float64]time.Duration{0.5: 500 * time.Millisecond, 0.99: 990 * time.Millisecond, 0.999: 999 * time.Millisecond, 1: time.Second} {
		if got := quantile(lat, q); got != want {
			t.Errorf("quantile(%v) = %v, want %v", q, got, want)
		}
	}
}

// TestRunNatq drives a real natq (the queue service and its HTTP layer on
// a redis-server) with every kind of request until the fixture compound is
// booked out, and checks the report against the store.
func TestRunNatq(t *testing.T) {
	ctx := context.Background()
	svc, url, token := startNatq(t)
	var out bytes.Buffer
	err := run(ctx, []string{"--url", url, "--plan", fixture, "--duration", "1m",
		"--requests", "400", "--concurrency", "4", "--mix", "book=10,repeat=3,ticket=3,desk=2", "--staff-token", token, "--prebook", "20",
		"--max-party", "3", "--watch", "self=" + itoa(os.Getpid()), "--listeners", "20"}, noenv, &out, &bytes.Buffer{})
	report := out.String()
	if err != nil {
		t.Fatalf("run = %v\n%s", err, report)
	}
	for _, want := range []string{"requests/s", "\nbook ", "201: ", "\nrepeat ", "\nticket ", "\ncheckin ", "\ncall ", "\nsampled ",
		"check: no window over capacity", "cpu (cores busy): natqload ", "listeners: 20 site streams (20 open at the end, 0 failed or dropped): "} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	// The site streams heard the desk's changes (the bookings are not
	// theirs).
	var events int
	var kb float64
	if i := strings.Index(report, "listeners: "); i >= 0 {
		fmt.Sscanf(report[i:][strings.Index(report[i:], "): ")+3:], "%d events, %f KB", &events, &kb)
	}
	if events == 0 || kb <= 0 {
		t.Errorf("the site streams heard %d events, %v KB a stream: want the desk's changes\n%s", events, kb, report)
	}
	// The booked people the check read equal the store's, and the seats of
	// natqload's new tickets: none lost, none counted twice.
	cs, err := svc.Compound(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	booked := 0
	for _, s := range cs.Sites {
		for _, w := range s.Windows {
			booked += w.Booked
		}
	}
	want := "check: " + itoa(len(queuetest.Plan(t, "c1.plan.geojson").Windows)) + " windows, " + itoa(booked) + " people booked in them (" + itoa(booked) + " seats"
	if !strings.Contains(report, want) {
		t.Errorf("report lacks %q:\n%s", want, report)
	}
}

// startNatq serves the queue (its HTTP layer on a redis-server) with the
// fixture's round open, and returns it, its URL and a marshal's token.
func startNatq(t *testing.T) (*queue.Service, string, string) {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: queuetest.StartRedis(t)})
	t.Cleanup(func() { rdb.Close() })
	o := queue.DefaultOptions()
	o.Now = queuetest.NewClock(queuetest.Morning).Now
	o.Early, o.Grace = 24*time.Hour, 24*time.Hour
	svc := queue.New(rdb, queuetest.Signer(t), o)
	if err := svc.OpenRound(ctx, queuetest.Plan(t, "c1.plan.geojson")); err != nil {
		t.Fatal(err)
	}
	token, err := svc.AddStaff(ctx, "c1", "desk", queue.RoleMarshal)
	if err != nil {
		t.Fatal(err)
	}
	app := server.New(svc, server.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	return svc, "http://" + ln.Addr().String(), token
}

// TestRunDesksOwnDesk: more desk workers than a site has desks, on a
// compound of few sites; each calls at a desk of its own, so no call is
// refused desk_busy and every call finds someone.
func TestRunDesksOwnDesk(t *testing.T) {
	_, url, token := startNatq(t)
	var out bytes.Buffer
	err := run(context.Background(), []string{"--url", url, "--plan", fixture, "--duration", "1m",
		"--requests", "200", "--concurrency", "12", "--mix", "desk=1", "--staff-token", token}, noenv, &out, &bytes.Buffer{})
	report := out.String()
	if err != nil {
		t.Fatalf("run = %v\n%s", err, report)
	}
	var call string
	for _, l := range strings.Split(report, "\n") {
		if strings.HasPrefix(l, "call ") {
			call = l
		}
	}
	if call == "" || !strings.Contains(call, "200: ") || strings.Contains(call, "409") {
		t.Errorf("the calls were answered %q; want every one 200:\n%s", call, report)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestRunFindsOverbooking runs against a server that books everyone and
// then reports a window over its capacity: natqload must fail.
func TestRunFindsOverbooking(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" && r.URL.Path == "/api/v1/compounds/c1" {
			w.Write([]byte(`{"sites":[{"id":"s1","variant":"dry","windows":[{"index":0,"capacity":37,"online":33,"booked":38},{"index":1,"capacity":37,"online":33,"booked":2}]}]}`))
			return
		}
		w.WriteHeader(201)
		w.Write([]byte(`{"ticket":"c1.1.x","site":"s1"}`))
	}))
	defer srv.Close()
	var out bytes.Buffer
	err := run(context.Background(), []string{"--url", srv.URL, "--plan", fixture, "--duration", "1m", "--requests", "20", "--concurrency", "2", "--mix", "book=1"},
		noenv, &out, &bytes.Buffer{})
	if err == nil || !strings.Contains(out.String(), "OVER: site s1 (dry) window 0: 38 booked, capacity 37") ||
		!strings.Contains(out.String(), "FAIL: 1 windows hold more people than their capacity") {
		t.Errorf("run = %v, want a failure naming window 0:\n%s", err, out.String())
	}
}

// TestRunFindsRepeatMismatch: a server answering a household's second
// booking with another ticket breaks idempotency, and natqload says so.
func TestRunFindsRepeatMismatch(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.WriteHeader(201)
		w.Write([]byte(`{"ticket":"c1.` + itoa(n) + `.x","site":"s1"}`))
	}))
	defer srv.Close()
	var out bytes.Buffer
	err := run(context.Background(), []string{"--url", srv.URL, "--plan", fixture, "--duration", "1m", "--requests", "20", "--concurrency", "1",
		"--mix", "repeat=1", "--prebook", "5", "--check=false"}, noenv, &out, &bytes.Buffer{})
	if err == nil || !strings.Contains(out.String(), "repeat bookings were answered with another ticket") {
		t.Errorf("run = %v, want a repeat mismatch:\n%s", err, out.String())
	}
}

// TestRunProfiles: --pprof-url fetches a CPU profile over the timed part
// and writes it to --pprof-out.
func TestRunProfiles(t *testing.T) {
	var asked string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/debug/pprof/profile" {
			asked = r.URL.Query().Get("seconds")
			w.Write([]byte("a profile"))
			return
		}
		w.WriteHeader(201)
		w.Write([]byte(`{"ticket":"c1.1.x","site":"s1"}`))
	}))
	defer srv.Close()
	out := t.TempDir() + "/p.pprof"
	err := run(context.Background(), []string{"--url", srv.URL, "--plan", fixture, "--duration", "1m", "--requests", "5", "--rate", "1000", "--mix", "book=1",
		"--check=false", "--pprof-url", srv.URL + "/debug/pprof/profile", "--pprof-out", out}, noenv, &bytes.Buffer{}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "a profile" || asked != "59" {
		t.Errorf("profile = %q, %v, asked for %q seconds; want \"a profile\" over 59", b, err, asked)
	}
	if _, err := parse([]string{"--plan", fixture, "--pprof-url", "http://192.0.2.7:6060/debug/pprof/profile", "--pprof-out", out}, noenv, &bytes.Buffer{}); err == nil {
		t.Errorf("parse(--pprof-url remote) = nil error, want a refusal")
	}
}
