package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"natq/queue"
	"natq/queue/queuetest"
	"natq/queue/server"
)

func TestMain(m *testing.M) { queuetest.Main(m) }

var ctx = context.Background()

// instance is one natq server on a real listener.
type instance struct {
	url string
	svc *queue.Service
	clk *queuetest.Clock
}

func start(t *testing.T, c redis.UniversalClient, edit func(*queue.Options), opts server.Options) *instance {
	t.Helper()
	reg := prometheus.NewRegistry()
	svc, clk := queuetest.Service(t, c, func(o *queue.Options) {
		o.Metrics = queue.NewMetrics(reg)
		if edit != nil {
			edit(o)
		}
	})
	opts.Registry = reg
	app := server.New(svc, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.ShutdownWithTimeout(time.Second) })
	return &instance{url: "http://" + ln.Addr().String(), svc: svc, clk: clk}
}

var client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 600}}

// do sends a request and returns its status and decoded JSON body.
func do(t testing.TB, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" && (body[0] == '{' || body[0] == '[') {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// errField is an error answer's field ("" for none).
func errField(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	f, _ := e["field"].(string)
	return f
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestHTTP(t *testing.T) {
	queuetest.Suite(t, httpSuite)
}

var httpSuite = []queuetest.Case{
	{"Booking", testBooking},
	{"HeldTicket", testHeldTicket},
	{"StudentsPartyAfterRain", testStudentsPartyAfterRain},
	{"Forgery", testForgery},
	{"StaffAuth", testStaffAuth},
	{"DayAtTheSite", testDay},
	{"Concurrent500TwoInstances", testConcurrentHTTP},
	{"RateLimitAcrossInstances", testRateLimit},
	{"StoreStopped", testStopped},
	{"Events", testEvents},
	{"HealthMetricsQR", testHealth},
}

func testBooking(t *testing.T, st queuetest.Store) {
	in := start(t, st.Client(t), nil, server.Options{})
	u := in.url + "/api/v1/compounds/c1/bookings"
	code, b := do(t, "POST", u, "", `{"building":"b2","unit":"1","room":"301","party":3}`)
	if code != 201 || b["site"] != "s2" || b["party"] != 3.0 || b["ticket"] == "" {
		t.Fatalf("POST bookings = %d %v, want 201 at s2", code, b)
	}
	w := b["window"].(map[string]any)
	if w["start"] != "2026-12-01T07:00:00+08:00" || w["end"] != "2026-12-01T07:15:00+08:00" {
		t.Errorf("window = %v, want 07:00-07:15 +08:00", w)
	}
	if !strings.HasSuffix(b["url"].(string), "/t/"+b["ticket"].(string)) {
		t.Errorf("url = %v", b["url"])
	}
	code, again := do(t, "POST", u, "", `{"building":"b2","unit":"1","room":"301","party":3,"ticket":"`+b["ticket"].(string)+`"}`)
	if code != 200 || again["ticket"] != b["ticket"] {
		t.Errorf("repeat with its ticket = %d %v, want 200 with the same ticket", code, again)
	}
	// Anyone can type a room number: without the ticket the household's
	// phone holds, a repeat tells no token, and a party change changes
	// nothing. A forged token, or another household's, holds nothing.
	_, other := do(t, "POST", u, "", `{"building":"b2","unit":"1","room":"302","party":1}`)
	for name, held := range map[string]string{"none": "", "forged": b["ticket"].(string)[:10] + "x" + b["ticket"].(string)[11:],
		"another household's": other["ticket"].(string)} {
		code, again = do(t, "POST", u, "", `{"building":"b2","unit":"1","room":"301","party":1,"ticket":"`+held+`"}`)
		if code != 409 || again["ticket"] != nil || errCode(again) != "already_booked" {
			t.Errorf("repeat holding %s = %d %v, want 409 already_booked without the ticket", name, code, again)
		}
	}
	if _, tk := do(t, "GET", in.url+"/api/v1/tickets/"+b["ticket"].(string), "", ""); tk["party"] != 3.0 {
		t.Errorf("the ticket after strangers' party changes = %v, want its party of 3", tk)
	}
	code, again = do(t, "POST", u, "", `{"building":"b2","unit":"1","room":"301","party":2,"ticket":" `+b["ticket"].(string)+` "}`)
	if code != 200 || again["ticket"] != b["ticket"] || again["party"] != 2.0 || again["party_changed"] != true {
		t.Errorf("party change holding the ticket = %d %v, want 200, party 2", code, again)
	}
	for body, field := range map[string]string{
		`{"building":"b2","unit":"1","room":"301","party":"3"}`: "party",
		`{"building":"b2","unit":"1","room":"301","party":0}`:   "party",
		`{"building":"zz","unit":"1","room":"301","party":1}`:   "building",
		`{"building":"b2","unit":"7","room":"301","party":1}`:   "unit",
		`{"building":"b2","unit":"1","room":"","party":1}`:      "room",
		`{"building":"b2","unit":1,"room":"1","party":1}`:       "unit",
		`{"building":`: "body",
		``:             "body",
	} {
		code, e := do(t, "POST", u, "", body)
		ee, _ := e["error"].(map[string]any)
		if code != 400 || ee["field"] != field || !strings.Contains(ee["message_en"].(string), field) || ee["message"] == "" {
			t.Errorf("POST %s = %d %v, want 400 naming %s", body, code, e, field)
		}
	}
	for i := 0; i < 33; i++ {
		do(t, "POST", u[:len(u)-len("c1/bookings")]+"c1/bookings", "", fmt.Sprintf(`{"building":"b4","room":"%d%02d","party":1}`, 1+i/99, 1+i%99))
	}
	code, e := do(t, "POST", u, "", `{"building":"b4","room":"601","party":1}`)
	if code != 409 || errCode(e) != "full" {
		t.Errorf("booking a full building = %d %v, want 409 full", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/compounds/nope/bookings", "", `{"building":"b4","room":"601","party":1}`); code != 404 {
		t.Errorf("booking in an unknown compound = %d %v, want 404", code, e)
	}
	code, tk := do(t, "GET", in.url+"/api/v1/tickets/"+b["ticket"].(string), "", "")
	if code != 200 || tk["state"] != "booked" || tk["site"] != "s2" {
		t.Errorf("GET ticket = %d %v", code, tk)
	}
	code, cs := do(t, "GET", in.url+"/api/v1/compounds/c1", "", "")
	if code != 200 || cs["variant"] != "dry" || len(cs["sites"].([]any)) != 4 {
		t.Errorf("GET compound = %d %v", code, cs)
	}
	code, all := do(t, "GET", in.url+"/api/v1/compounds", "", "")
	if code != 200 || len(all["compounds"].([]any)) != 2 {
		t.Errorf("GET compounds = %d %v", code, all)
	}
	code, del := do(t, "DELETE", in.url+"/api/v1/tickets/"+b["ticket"].(string), "", "")
	if code != 200 || del["state"] != "cancelled" {
		t.Errorf("DELETE ticket = %d %v", code, del)
	}
}

type counter struct{ n atomic.Int64 }

func (h *counter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(int64(len(cmds))); return next(ctx, cmds) }
}

func testForgery(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	in := start(t, c, nil, server.Options{})
	_, b := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":1}`)
	good := b["ticket"].(string)
	marshal, _ := in.svc.AddStaff(ctx, "c1", "m", queue.RoleMarshal)
	hook := &counter{}
	c.AddHook(hook)
	dot := strings.LastIndexByte(good, '.')
	flip := []byte(good)
	flip[len(flip)-2] ^= 1
	forged := map[string]string{
		"truncated":    good[:len(good)-4],
		"no mac":       good[:dot],
		"flipped":      string(flip),
		"altered id":   good[:strings.LastIndexByte(good[:dot], '.')+1] + "zz" + good[dot:],
		"other name":   "c2" + good[2:],
		"random":       "c1.1.AAAAAAAAAAAAAAAA",
		"plain random": "8f3kd93kd03kd",
	}
	for name, tok := range forged {
		t.Run(name, func(t *testing.T) {
			before := hook.n.Load()
			for _, r := range []struct{ method, path, token, body string }{
				{"GET", "/api/v1/tickets/" + tok, "", ""},
				{"DELETE", "/api/v1/tickets/" + tok, "", ""},
				{"GET", "/api/v1/tickets/" + tok + "/events", "", ""},
				{"GET", "/qr/" + tok + ".png", "", ""},
				{"GET", "/qr/" + tok + ".svg", "", ""},
			} {
				if code, e := do(t, r.method, in.url+r.path, r.token, r.body); code != 404 || errCode(e) != "not_found" {
					t.Errorf("%s %s = %d %v, want 404 not_found", r.method, r.path, code, e)
				}
			}
			if n := hook.n.Load() - before; n != 0 {
				t.Errorf("forged ticket %q reached Redis with %d commands", tok, n)
			}
			// Staff routes ask Redis for the staff token only.
			before = hook.n.Load()
			if code, _ := do(t, "POST", in.url+"/api/v1/tickets/"+tok+"/sampled", marshal, ""); code != 404 {
				t.Errorf("sampled(forged) = %d, want 404", code)
			}
			if n := hook.n.Load() - before; n != 1 {
				t.Errorf("sampled(forged) sent %d commands, want 1 (the staff token)", n)
			}
		})
	}
}

func testStaffAuth(t *testing.T, st queuetest.Store) {
	in := start(t, st.Client(t), nil, server.Options{})
	_, b := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":1}`)
	tk := b["ticket"].(string)
	marshal, _ := in.svc.AddStaff(ctx, "c1", "m", queue.RoleMarshal)
	coord, _ := in.svc.AddStaff(ctx, "c1", "c", queue.RoleCoordinator)
	otherM, _ := in.svc.AddStaff(ctx, "c2", "m2", queue.RoleMarshal)
	otherC, _ := in.svc.AddStaff(ctx, "c2", "c2", queue.RoleCoordinator)
	disp, _ := in.svc.AddStaff(ctx, "c1", "叫号屏 s1", queue.RoleDisplay)
	routes := []struct {
		method, path, body string
		coordOnly          bool
	}{
		{"POST", "/api/v1/sites/s1/checkins", `{"ticket":"` + tk + `"}`, false},
		{"POST", "/api/v1/sites/s1/calls", ``, false},
		{"POST", "/api/v1/tickets/" + tk + "/noshow", ``, false},
		{"POST", "/api/v1/tickets/" + tk + "/sampled", `{"tube":"T1"}`, false},
		{"GET", "/api/v1/compounds/c1/tubes/T1", ``, false},
		{"PUT", "/api/v1/compounds/c1/variant", `{"variant":"wet"}`, true},
		{"POST", "/api/v1/compounds/c1/prebookings", "b1,,102,1\n", true},
		{"GET", "/api/v1/compounds/c1/coverage", ``, true},
		{"POST", "/api/v1/compounds/c1/cancellations", `{"building":"b1","room":"101"}`, true},
		{"POST", "/api/v1/sites/s1/displays", ``, false},
		{"POST", "/api/v1/tickets/" + tk + "/requeue", ``, false},
		{"POST", "/api/v1/tickets/" + tk + "/repeat", ``, false},
		{"GET", "/api/v1/compounds/c1/staff", ``, true},
		{"GET", "/api/v1/compounds/c1/tickets/" + fmt.Sprint(b["id"]), ``, false},
		{"POST", "/api/v1/compounds/c1/walkins", `{"building":"b1","room":"103","party":1}`, false},
		{"POST", "/api/v1/compounds/c1/homesamples", `{"building":"b1","room":"105","party":1,"tube":""}`, false},
		{"DELETE", "/api/v1/tickets/" + tk + "/home", ``, false},
		{"GET", "/api/v1/compounds/c1/homesamples", ``, false},
	}
	for _, r := range routes {
		cases := []struct {
			name, token string
			want        int
		}{
			{"no token", "", 401},
			{"bad token", coord + "x", 401},
			{"garbage token", "hello", 401},
			{"other compound", otherC, 403},
			{"other compound marshal", otherM, 403},
			{"a display's token", disp, 403},
		}
		if r.coordOnly {
			cases = append(cases, struct {
				name, token string
				want        int
			}{"marshal", marshal, 403})
		}
		for _, c := range cases {
			code, e := do(t, r.method, in.url+r.path, c.token, r.body)
			if code != c.want {
				t.Errorf("%s %s with %s = %d %v, want %d", r.method, r.path, c.name, code, e, c.want)
			}
		}
	}
	// And the right staff gets through (past auth, whatever the refusal).
	for _, r := range routes {
		token := marshal
		if r.coordOnly {
			token = coord
		}
		if code, e := do(t, r.method, in.url+r.path, token, r.body); code == 401 || code == 403 {
			t.Errorf("%s %s with its staff = %d %v", r.method, r.path, code, e)
		}
	}
	// A display's token reads its line and says whose it is, and nothing
	// more; a marshal issues one, with its link and QR code.
	if code, e := do(t, "GET", in.url+"/api/v1/sites/s1/line", disp, ""); code != 200 || e["site"] != "s1" {
		t.Errorf("the line with a display's token = %d %v, want 200", code, e)
	}
	if code, e := do(t, "GET", in.url+"/api/v1/staff/me", disp, ""); code != 200 || e["role"] != "display" || e["compound"] != "c1" || e["name"] != "叫号屏 s1" {
		t.Errorf("/staff/me with a display's token = %d %v", code, e)
	}
	if code, e := do(t, "GET", in.url+"/api/v1/staff/me", "", ""); code != 401 {
		t.Errorf("/staff/me without a token = %d %v, want 401", code, e)
	}
	code, e := do(t, "POST", in.url+"/api/v1/sites/s1/displays", marshal, "")
	svg, _ := e["qr_svg"].(string)
	link, _ := e["url"].(string)
	if code != 201 || !strings.HasPrefix(svg, "<svg") || !strings.Contains(link, "/display/c1/s1#t=c1.") || e["token"] == nil {
		t.Fatalf("a marshal issuing s1's display = %d %v", code, e)
	}
	if code, e := do(t, "GET", in.url+"/api/v1/sites/s1/line", e["token"].(string), ""); code != 200 {
		t.Errorf("the line with the issued display token = %d %v", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/sites/s1/displays", marshal, `{"site":"s2"}`); code != 400 {
		t.Errorf("issuing a display with an unknown member = %d %v, want 400", code, e)
	}
	// A ticket by the number a marshal types from a card: as written on it.
	for _, n := range []string{fmt.Sprint(b["id"]), url.PathEscape("票 " + fmt.Sprint(b["id"])), url.PathEscape("No." + fmt.Sprint(b["id"]))} {
		if code, e := do(t, "GET", in.url+"/api/v1/compounds/c1/tickets/"+n, marshal, ""); code != 200 || e["ticket"] != tk {
			t.Errorf("ticket by number %s = %d %v, want its token %s", n, code, e, tk)
		}
	}
	if code, e := do(t, "GET", in.url+"/api/v1/compounds/c1/tickets/abc", marshal, ""); code != 400 || e["error"].(map[string]any)["field"] != "number" {
		t.Errorf("ticket by number abc = %d %v, want 400 on number", code, e)
	}
	if code, e := do(t, "GET", in.url+"/api/v1/compounds/c1/tickets/99999", marshal, ""); code != 404 {
		t.Errorf("ticket by a number of none = %d %v, want 404", code, e)
	}
	// A household at the desk: the booked one found (200), a new one booked (201).
	if code, e := do(t, "POST", in.url+"/api/v1/compounds/c1/walkins", marshal, `{"building":"b1","room":"0101","party":3}`); code != 200 || e["ticket"] != tk || e["party"] != 1.0 {
		t.Errorf("walk-in of the booked household = %d %v, want 200, its ticket, party 1 kept", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/compounds/c1/walkins", marshal, `{"building":"b1","room":"104","party":2}`); code != 201 || e["origin"] != "paper" || e["party"] != 2.0 {
		t.Errorf("walk-in of a new household = %d %v, want 201, paper, party 2", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/compounds/c1/walkins", marshal, `{"building":"b1","room":"104","party":2,"name":"x"}`); code != 400 {
		t.Errorf("walk-in with an unknown member = %d %v, want 400", code, e)
	}
	// Door to door: sampled at home, once.
	code, e = do(t, "POST", in.url+"/api/v1/compounds/c1/homesamples", marshal, `{"building":"b1","room":"106","party":2,"tube":"H1"}`)
	if code != 201 || e["state"] != "sampled" || e["origin"] != "home" || e["tube"] != "H1" {
		t.Fatalf("a home sample = %d %v, want 201 sampled at home into H1", code, e)
	}
	record := e["ticket"].(string)
	code, e = do(t, "POST", in.url+"/api/v1/compounds/c1/homesamples", marshal, `{"building":"b1","room":"106","party":2}`)
	if code != 409 || errCode(e) != "already_sampled" {
		t.Errorf("the same home sample again = %d %v, want 409 already_sampled", code, e)
	}
	if code, e := do(t, "DELETE", in.url+"/api/v1/tickets/"+tk+"/home", marshal, ""); code != 409 || errCode(e) != "final" {
		t.Errorf("taking back a ticket not sampled at home = %d %v, want 409 final", code, e)
	}
	if code, e := do(t, "DELETE", in.url+"/api/v1/tickets/"+record+"/home", coord, ""); code != 200 || e["state"] != "cancelled" {
		t.Errorf("a coordinator taking back the home sample = %d %v, want 200 cancelled", code, e)
	}
	// The round's list: 105 (recorded above, past the routes' auth) and
	// 106, taken back by the coordinator, each with its recorder.
	code, e = do(t, "GET", in.url+"/api/v1/compounds/c1/homesamples", marshal, "")
	recs, _ := e["records"].([]any)
	if code != 200 || e["households"] != 1.0 || e["people"] != 1.0 || len(recs) != 2 {
		t.Fatalf("the home samples = %d %v, want 200, 105 sampled and 106 taken back", code, e)
	}
	back := recs[0].(map[string]any)
	if back["ticket"] != record || back["state"] != "cancelled" || back["recorded_by"] != "m" || back["taken_back_by"] != "c" || back["taken_back_at"] == nil {
		t.Errorf("106's record in the list = %v, want recorded by m, taken back by c", back)
	}
}

func testDay(t *testing.T, st queuetest.Store) {
	in := start(t, st.Client(t), nil, server.Options{})
	marshal, _ := in.svc.AddStaff(ctx, "c1", "m", queue.RoleMarshal)
	coord, _ := in.svc.AddStaff(ctx, "c1", "c", queue.RoleCoordinator)
	_, b := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":2}`)
	tk := b["ticket"].(string)
	chk := func(site string) (int, map[string]any) {
		return do(t, "POST", in.url+"/api/v1/sites/"+site+"/checkins", marshal, `{"ticket":"`+tk+`"}`)
	}
	if code, e := chk("s1"); code != 409 || errCode(e) != "too_early" {
		t.Errorf("check-in at 06:00 = %d %v, want 409 too_early", code, e)
	}
	in.clk.Set(queuetest.At(7, 0))
	if code, e := chk("s2"); code != 409 || errCode(e) != "wrong_site" || !strings.Contains(e["error"].(map[string]any)["message"].(string), "s1") {
		t.Errorf("check-in at s2 = %d %v, want 409 wrong_site naming s1", code, e)
	}
	if code, e := chk("s1"); code != 200 || e["state"] != "checked_in" {
		t.Errorf("check-in = %d %v", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/sites/s1/calls", marshal, ""); code != 200 || e["ticket"] != tk || e["state"] != "called" {
		t.Errorf("call = %d %v", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/sites/s1/calls", marshal, `{"desk":1}`); code != 409 || errCode(e) != "desk_busy" || e["ticket"].(map[string]any)["ticket"] != tk {
		t.Errorf("call while desk 1's call is open = %d %v, want 409 desk_busy with the ticket", code, e)
	}
	if code, e := do(t, "GET", in.url+"/api/v1/sites/s1/line", marshal, ""); code != 200 || len(e["called"].([]any)) != 1 || e["called"].([]any)[0].(map[string]any)["desk"] != 1.0 {
		t.Errorf("line = %d %v, want the call at desk 1", code, e)
	}
	if code, e := do(t, "GET", in.url+"/api/v1/sites/s1/line", "", ""); code != 401 {
		t.Errorf("line without a token = %d %v, want 401", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/tickets/"+tk+"/repeat", marshal, ""); code != 200 || e["state"] != "called" {
		t.Errorf("repeat = %d %v", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/sites/s1/calls", marshal, `{"desk":9}`); code != 400 || errCode(e) != "bad_input" {
		t.Errorf("call to desk 9 = %d %v, want 400", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/tickets/"+tk+"/noshow", marshal, ""); code != 200 || e["no_show"] != false {
		t.Errorf("noshow after one call = %d %v, want recalled", code, e)
	}
	do(t, "POST", in.url+"/api/v1/sites/s1/calls", marshal, "")
	// The desk says its site: a ticket of s1 sampled at s2's desk is
	// refused, naming s1.
	if code, e := do(t, "POST", in.url+"/api/v1/tickets/"+tk+"/sampled", marshal, `{"site":"s2"}`); code != 409 || errCode(e) != "wrong_site" ||
		!strings.Contains(fmt.Sprint(e), "s1") {
		t.Errorf("sampled at s2's desk = %d %v; want 409 wrong_site naming s1", code, e)
	}
	// A tube code as a label prints it, in Chinese, with a space and a
	// slash: found again by it, however the path writes it.
	if code, e := do(t, "POST", in.url+"/api/v1/tickets/"+tk+"/sampled", marshal, `{"tube":" 管T7 /1 ","site":"s1"}`); code != 200 || e["state"] != "sampled" || e["tube"] != "管T7 /1" {
		t.Errorf("sampled = %d %v", code, e)
	}
	for _, p := range []string{url.PathEscape("管T7 /1"), url.PathEscape(" 管T7 /1"), "%E7%AE%A1T7%20%2F1"} {
		if code, e := do(t, "GET", in.url+"/api/v1/compounds/c1/tubes/"+p, marshal, ""); code != 200 || len(e["tickets"].([]any)) != 1 || e["tube"] != "管T7 /1" {
			t.Errorf("tube %s = %d %v; want the sampled ticket", p, code, e)
		}
	}
	if code, e := do(t, "GET", in.url+"/api/v1/compounds/c1/tubes/T%7C1", marshal, ""); code != 400 || errCode(e) != "bad_input" {
		t.Errorf("tube T|1 = %d %v; want 400, not a tube code", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/compounds/c1/prebookings", coord, "building,unit,room,party,name\nb1,,201,1,王奶奶\n"); code != 200 || len(e["tickets"].([]any)) != 1 {
		t.Errorf("prebookings = %d %v", code, e)
	}
	req, _ := http.NewRequest("POST", in.url+"/api/v1/compounds/c1/prebookings", strings.NewReader("b1,,201,1,王奶奶\n"))
	req.Header.Set("Authorization", "Bearer "+coord)
	req.Header.Set("Accept", "text/csv")
	if resp, err := client.Do(req); err != nil {
		t.Fatal(err)
	} else {
		csv, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(string(csv), "compound,date,tz,row,number,name,building") || !strings.Contains(string(csv), ",王奶奶,b1,,201,1,s1,") {
			t.Errorf("prebookings as CSV = %d %s", resp.StatusCode, csv)
		}
	}
	// This instance has no card printer (no Chinese font): asked for
	// cards, it says so, and the household is booked all the same.
	req, _ = http.NewRequest("POST", in.url+"/api/v1/compounds/c1/prebookings", strings.NewReader("b1,,202,2,李爷爷\n"))
	req.Header.Set("Authorization", "Bearer "+coord)
	req.Header.Set("Accept", "application/pdf")
	if resp, err := client.Do(req); err != nil {
		t.Fatal(err)
	} else {
		var e map[string]any
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 501 || errCode(e) != "cannot_print" || !strings.Contains(e["error"].(map[string]any)["message_en"].(string), "booked") {
			t.Errorf("prebookings as cards without a printer = %d %v, want 501 cannot_print saying the tickets are booked", resp.StatusCode, e)
		}
	}
	if code, e := do(t, "POST", in.url+"/api/v1/compounds/c1/prebookings", coord, "b1,,202,2,李爷爷\n"); code != 200 || e["tickets"].([]any)[0].(map[string]any)["created"] != false {
		t.Errorf("the household refused cards, sent again = %d %v, want its ticket found booked", code, e)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/compounds/c1/prebookings", coord, "b1,,201\n"); code != 400 || !strings.Contains(e["error"].(map[string]any)["message_en"].(string), "row 1") {
		t.Errorf("bad prebookings = %d %v, want 400 naming row 1", code, e)
	}
	code, e := do(t, "PUT", in.url+"/api/v1/compounds/c1/variant", coord, `{"variant":"wet"}`)
	if code != 200 || e["variant"] != "wet" || len(e["moved"].([]any)) != 2 {
		t.Errorf("variant = %d %v, want the two pre-booked tickets moved", code, e)
	}
	if code, e := do(t, "PUT", in.url+"/api/v1/compounds/c1/variant", coord, `{"variant":"fog"}`); code != 400 {
		t.Errorf("variant fog = %d %v, want 400", code, e)
	}
	code, cov := do(t, "GET", in.url+"/api/v1/compounds/c1/coverage", coord, "")
	if code != 200 || cov["buildings"].([]any)[0].(map[string]any)["sampled"] != 2.0 {
		t.Errorf("coverage = %d %v", code, cov)
	}
}

func testConcurrentHTTP(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	c2 := redis.NewClient(&redis.Options{Addr: st.Addr(c), PoolSize: 64})
	defer c2.Close()
	noShare := func(o *queue.Options) { o.WalkinShare = 0 }
	a := start(t, c, noShare, server.Options{})
	b := start(t, c2, noShare, server.Options{})
	t0 := time.Now()
	n201, n409 := book500(t, a.url, b.url, "")
	if n201 != 37 || n409 != 463 {
		t.Errorf("500 bookings over two instances: %d 201, %d 409; want 37 and 463", n201, n409)
	}
	t.Logf("500 concurrent bookings over two instances in %v: %d created, %d full", time.Since(t0), n201, n409)
}

// book500 books 500 households into building b4 of c1 (37 seats) at once,
// alternately through the instances at urls a and b, with token (a
// volunteer's, or none); an answer other than 201 or 409 full fails, and
// so does a ticket given twice. It counts the 201s and the 409s.
func book500(t *testing.T, a, b, token string) (created, full int) {
	var wg sync.WaitGroup
	codes := make([]int, 500)
	tickets := make([]string, 500)
	startc := make(chan struct{})
	for i := range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startc
			url := a
			if i%2 == 1 {
				url = b
			}
			code, m := do(t, "POST", url+"/api/v1/compounds/c1/bookings", token, fmt.Sprintf(`{"building":"b4","room":"%d%02d","party":1}`, 1+i/99, 1+i%99))
			codes[i] = code
			if code == 201 {
				tickets[i], _ = m["ticket"].(string)
			} else if code != 409 || errCode(m) != "full" {
				t.Errorf("booking %d = %d %v", i, code, m)
			}
		}()
	}
	close(startc)
	wg.Wait()
	seen := map[string]bool{}
	for i, code := range codes {
		switch code {
		case 201:
			created++
			if seen[tickets[i]] {
				t.Errorf("ticket %s twice", tickets[i])
			}
			seen[tickets[i]] = true
		case 409:
			full++
		}
	}
	return created, full
}

func testRateLimit(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	limit := func(o *queue.Options) { o.BookingLimit = queue.BookingLimit{Households: 5, Window: 10 * time.Minute} }
	a := start(t, c, limit, server.Options{})
	b := start(t, c, limit, server.Options{})
	held := map[string]string{} // the tickets the address's phones booked, by room
	book := func(i int, url, token, room string) (int, map[string]any) {
		code, b := do(t, "POST", url+"/api/v1/compounds/c1/bookings", token, `{"building":"b1","room":"`+room+`","party":1,"ticket":"`+held[room]+`"}`)
		if tk, ok := b["ticket"].(string); ok && token == "" {
			held[room] = tk
		}
		return code, b
	}
	// Refusals spend nothing: bad input and unknown compounds.
	for i := 0; i < 10; i++ {
		do(t, "POST", a.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"1","party":99}`)
		do(t, "POST", b.url+"/api/v1/compounds/zz/bookings", "", `{"building":"b1","room":"1","party":1}`)
	}
	var codes []int
	for i := 0; i < 7; i++ {
		url := a.url
		if i%2 == 1 {
			url = b.url
		}
		code, _ := book(i, url, "", fmt.Sprintf("1%02d", 1+i))
		codes = append(codes, code)
		// A household asking again for its ticket costs nothing.
		if code == 201 {
			if code, _ := book(i, url, "", fmt.Sprintf("1%02d", 1+i)); code != 200 {
				t.Errorf("repeat of household %d = %d, want 200", i, code)
			}
		}
	}
	want := []int{201, 201, 201, 201, 201, 429, 429}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("7 new households from one address over two instances, budget 5 = %v, want %v", codes, want)
	}
	req, _ := http.NewRequest("POST", a.url+"/api/v1/compounds/c1/bookings", strings.NewReader(`{"building":"b1","room":"601","party":1}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("limited = %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// A repeat while limited still gets its ticket.
	if code, e := book(0, b.url, "", "101"); code != 200 {
		t.Errorf("repeat while limited = %d %v, want 200", code, e)
	}
	// A volunteer signed in books for many households.
	marshal, _ := a.svc.AddStaff(ctx, "c1", "volunteer", queue.RoleMarshal)
	for i := 0; i < 8; i++ {
		if code, e := book(i, b.url, marshal, fmt.Sprintf("2%02d", 1+i)); code != 201 {
			t.Errorf("volunteer's booking %d = %d %v, want 201", i, code, e)
		}
	}
	if code, _ := book(0, a.url, marshal+"x", "301"); code != 401 {
		t.Errorf("booking with a bad staff token = %d, want 401", code)
	}
	other, _ := a.svc.AddStaff(ctx, "c2", "elsewhere", queue.RoleMarshal)
	if code, _ := book(0, a.url, other, "301"); code != 403 {
		t.Errorf("booking with another compound's token = %d, want 403", code)
	}
	// Reading is not limited.
	if code, _ := do(t, "GET", a.url+"/api/v1/compounds/c1", "", ""); code != 200 {
		t.Errorf("GET compound while limited = %d", code)
	}
	// The next window has a budget of its own.
	a.clk.Set(queuetest.Morning.Add(10 * time.Minute))
	if code, e := book(0, a.url, "", "401"); code != 201 {
		t.Errorf("booking in the next window = %d %v, want 201", code, e)
	}
}

func testStopped(t *testing.T, st queuetest.Store) {
	c, stop, restart := st.Stoppable(t)
	in := start(t, c, nil, server.Options{})
	do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"501","party":1}`)
	stop()
	code, e := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"502","party":1}`)
	ee, _ := e["error"].(map[string]any)
	if code != 503 || errCode(e) != "unavailable" || !strings.Contains(fmt.Sprint(ee["message_en"]), "Redis") {
		t.Errorf("booking with Redis stopped = %d %v, want 503 unavailable saying Redis", code, e)
	}
	if resp, err := client.Get(in.url + "/api/v1/compounds/c1"); err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("GET compound with Redis stopped = %v %v, want 503 with Retry-After", resp, err)
	} else {
		resp.Body.Close()
	}
	if code, _ := do(t, "GET", in.url+"/readyz", "", ""); code != 503 {
		t.Errorf("/readyz with Redis stopped = %d, want 503", code)
	}
	if code, _ := do(t, "GET", in.url+"/healthz", "", ""); code != 200 {
		t.Errorf("/healthz with Redis stopped = %d, want 200", code)
	}
	restart()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _ := do(t, "GET", in.url+"/readyz", "", "")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz = %d after Redis came back", code)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, e := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"502","party":1}`); code != 201 {
		t.Errorf("booking after Redis is back = %d %v", code, e)
	}
}

// sse reads server-sent events' data lines from url into a channel.
func sse(t *testing.T, url string) <-chan string {
	t.Helper()
	rctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(rctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s = %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan string, 16)
	connected := make(chan struct{})
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			if line == ": connected" {
				once.Do(func() { close(connected) })
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				out <- d
			}
		}
	}()
	select {
	case <-connected:
	case <-time.After(2 * time.Second):
		t.Fatalf("GET %s: no stream", url)
	}
	return out
}

func testEvents(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	c2 := redis.NewClient(&redis.Options{Addr: st.Addr(c)})
	defer c2.Close()
	a := start(t, c, nil, server.Options{})
	b := start(t, c2, nil, server.Options{}) // listeners on another instance
	marshal, _ := a.svc.AddStaff(ctx, "c1", "m", queue.RoleMarshal)
	_, bk := do(t, "POST", a.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":2}`)
	tk := bk["ticket"].(string)
	tev := sse(t, b.url+"/api/v1/tickets/"+tk+"/events")
	sev := sse(t, b.url+"/api/v1/sites/s1/events")
	a.clk.Set(queuetest.At(7, 0))
	sent := time.Now()
	if code, e := do(t, "POST", a.url+"/api/v1/sites/s1/checkins", marshal, `{"ticket":"`+tk+`"}`); code != 200 {
		t.Fatalf("check-in = %d %v", code, e)
	}
	for name, ch := range map[string]<-chan string{"ticket": tev, "site": sev} {
		select {
		case d := <-ch:
			lat := time.Since(sent)
			var ev map[string]any
			json.Unmarshal([]byte(d), &ev)
			if ev["type"] != "checked_in" {
				t.Errorf("%s event = %s, want checked_in", name, d)
			}
			if name == "site" && strings.Contains(d, tk) {
				t.Errorf("site event carries the ticket token: %s", d)
			}
			t.Logf("%s event through Redis pub/sub to another instance in %v", name, lat)
		case <-time.After(time.Second):
			t.Errorf("no %s event within a second", name)
		}
	}
	if code, _ := do(t, "GET", b.url+"/api/v1/sites/nope/events", "", ""); code != 404 {
		t.Errorf("events of an unknown site = %d, want 404", code)
	}
}

func testHealth(t *testing.T, st queuetest.Store) {
	in := start(t, st.Client(t), nil, server.Options{})
	if code, e := do(t, "GET", in.url+"/healthz", "", ""); code != 200 || e["status"] != "ok" {
		t.Errorf("/healthz = %d %v", code, e)
	}
	if code, _ := do(t, "GET", in.url+"/readyz", "", ""); code != 200 {
		t.Errorf("/readyz = %d", code)
	}
	_, b := do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":2}`)
	do(t, "GET", in.url+"/api/v1/tickets/c1.1.forged", "", "")
	do(t, "POST", in.url+"/api/v1/compounds/c1/bookings", "", `{"building":"b1","room":"101","party":9}`)
	resp, err := client.Get(in.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`natq_bookings_total{compound="c1",result="new"} 1`, `natq_refusals_total{reason="forged"} 1`, `natq_script_seconds_count{script="book"} 1`, `natq_refusals_total{reason="bad_input"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
	for ext, ctype := range map[string]string{"png": "image/png", "svg": "image/svg+xml"} {
		resp, err := client.Get(in.url + "/qr/" + b["ticket"].(string) + "." + ext)
		if err != nil {
			t.Fatal(err)
		}
		img, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ctype || len(img) < 100 {
			t.Errorf("GET qr .%s = %d %s %d bytes", ext, resp.StatusCode, resp.Header.Get("Content-Type"), len(img))
		}
	}
	if code, e := do(t, "GET", in.url+"/nope", "", ""); code != 404 || errCode(e) != "no_route" {
		t.Errorf("GET /nope = %d %v", code, e)
	}
	_ = fiber.MethodGet
}

// testHeldTicket: a resident's day with what its phone holds. The phone
// books with its key; the answer is lost on a crowded cell, and its key
// alone gets the ticket again, which another phone's key, or none, does
// not. The ticket's card changes the party by its token (PATCH); a
// cancelled ticket's party cannot change, and no ticket is made by it.
func testHeldTicket(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	in := start(t, c, nil, server.Options{})
	u := in.url + "/api/v1/compounds/c1/bookings"
	const mine, theirs = "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "ffffffffffffffffffffffffffffffff"
	code, b := do(t, "POST", u, "", `{"building":"b2","unit":"1","room":"301","party":2,"key":"`+mine+`"}`)
	if code != 201 {
		t.Fatalf("booking with the phone's key = %d %v", code, b)
	}
	tok := b["ticket"].(string)
	// The answer never reached the phone: it asks again, holding only its key.
	code, again := do(t, "POST", u, "", `{"building":"b2","unit":"1","room":"0301室","party":2,"key":"`+mine+`"}`)
	if code != 200 || again["ticket"] != tok {
		t.Errorf("the booking phone again, its key only = %d %v, want 200 with its ticket", code, again)
	}
	for name, body := range map[string]string{
		"another phone's key": `{"building":"b2","unit":"1","room":"301","party":5,"key":"` + theirs + `"}`,
		"no key":              `{"building":"b2","unit":"1","room":"301","party":5}`,
		"an empty key":        `{"building":"b2","unit":"1","room":"301","party":5,"key":""}`,
	} {
		if code, e := do(t, "POST", u, "", body); code != 409 || e["ticket"] != nil || errCode(e) != "already_booked" {
			t.Errorf("%s = %d %v, want 409 already_booked", name, code, e)
		}
	}
	for _, key := range []string{strings.Repeat("a", 65), "a b", "ключ", `a\u0000`} {
		if code, e := do(t, "POST", u, "", `{"building":"b2","unit":"1","room":"302","party":1,"key":"`+key+`"}`); code != 400 || errField(e) != "key" {
			t.Errorf("key %q = %d %v, want 400 on key", key, code, e)
		}
	}
	// The card's party change: the token is the credential.
	tk := in.url + "/api/v1/tickets/" + tok
	if code, e := do(t, "PATCH", tk, "", `{"party":3}`); code != 200 || e["party"] != 3.0 || e["party_changed"] != true || e["ticket"] != tok {
		t.Errorf("PATCH party 3 = %d %v, want 200, party 3", code, e)
	}
	for body, want := range map[string]string{`{"party":"3"}`: "party", `{}`: "party", `{"party":0}`: "party", `{"party":3,"room":"302"}`: "room"} {
		if code, e := do(t, "PATCH", tk, "", body); code != 400 || errField(e) != want {
			t.Errorf("PATCH %s = %d %v, want 400 on %s", body, code, e, want)
		}
	}
	if code, e := do(t, "PATCH", in.url+"/api/v1/tickets/c1.1.AAAAAAAAAAAAAAAAAAAAAA", "", `{"party":1}`); code != 404 {
		t.Errorf("PATCH a forged ticket = %d %v, want 404", code, e)
	}
	if code, e := do(t, "DELETE", tk, "", ""); code != 200 {
		t.Fatalf("cancel = %d %v", code, e)
	}
	before, _ := c.HLen(ctx, "natq:{c1}:r:2026-12-01:hh").Result()
	if code, e := do(t, "PATCH", tk, "", `{"party":1}`); code != 409 || errCode(e) != "final" {
		t.Errorf("PATCH a cancelled ticket = %d %v, want 409 final", code, e)
	}
	if after, _ := c.HLen(ctx, "natq:{c1}:r:2026-12-01:hh").Result(); after != before {
		t.Errorf("households %d after a cancelled ticket's party change, %d before: it booked one", after, before)
	}
	// Booked again after the cancel, from any phone: a new ticket.
	if code, e := do(t, "POST", u, "", `{"building":"b2","unit":"1","room":"301","party":1}`); code != 201 || e["ticket"] == tok {
		t.Errorf("booking after the cancel = %d %v, want 201, a new ticket", code, e)
	}
}

// testStudentsPartyAfterRain: a students' ticket the rain switch moved
// into the main day's windows (which then reads students: false) changes
// its party on its card as a students' ticket, not by booking the rest of
// the household. Found by a stranger's pass: the card sent the
// household again, with students false, and booked a ticket nobody held.
func testStudentsPartyAfterRain(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	in := start(t, c, func(o *queue.Options) { o.WalkinShare = 0 }, server.Options{})
	p := queuetest.Plan(t, "c3-students.plan.geojson")
	if err := in.svc.OpenRound(ctx, p); err != nil {
		t.Fatal(err)
	}
	u := in.url + "/api/v1/compounds/c3/bookings"
	coord, _ := in.svc.AddStaff(ctx, "c3", "c", queue.RoleCoordinator)
	households := func() int64 { n, _ := c.HLen(ctx, "natq:{c3}:r:"+p.Date+":hh").Result(); return n }
	// Raining in the morning: students fill the wet students' windows;
	// then the sky clears, and the dry ones hold fewer.
	if code, b := do(t, "PUT", in.url+"/api/v1/compounds/c3/variant", coord, `{"variant":"wet"}`); code != 200 {
		t.Fatalf("rain switch = %d %v", code, b)
	}
	toks := map[string]string{}
	for _, x := range []struct {
		b, room string
		n       int
	}{{"b1", "301", 2}, {"b1", "302", 2}, {"b1", "303", 1}, {"b4", "101", 2}, {"b4", "102", 2}, {"b4", "103", 2}} {
		code, b := do(t, "POST", u, "", fmt.Sprintf(`{"building":%q,"room":%q,"party":%d,"students":true}`, x.b, x.room, x.n))
		if code != 201 {
			t.Fatalf("students of %s %s = %d %v", x.b, x.room, code, b)
		}
		toks[x.b+"|"+x.room] = b["ticket"].(string)
	}
	if code, b := do(t, "PUT", in.url+"/api/v1/compounds/c3/variant", coord, `{"variant":"dry"}`); code != 200 {
		t.Fatalf("dry switch = %d %v", code, b)
	}
	moved := ""
	for hh, tok := range toks {
		if _, v := do(t, "GET", in.url+"/api/v1/tickets/"+tok, "", ""); v["students"] != true && v["state"] == "booked" {
			moved = hh
		}
	}
	if moved == "" {
		t.Fatal("no students' ticket went to the main day: the fixture no longer makes the case")
	}
	before := households()
	code, b := do(t, "PATCH", in.url+"/api/v1/tickets/"+toks[moved], "", `{"party":1}`)
	if code != 200 || b["ticket"] != toks[moved] || b["party"] != 1.0 {
		t.Errorf("party change of %s's students' ticket = %d %v, want 200, party 1", moved, code, b)
	}
	if after := households(); after != before {
		t.Errorf("%d households booked after the party change, %d before: it booked one", after, before)
	}
	bld, room, _ := strings.Cut(moved, "|")
	if code, b := do(t, "POST", u, "", `{"building":"`+bld+`","room":"`+room+`","party":2}`); code != 201 {
		t.Errorf("the rest of %s booking after the students' party change = %d %v, want 201, a ticket of its own", moved, code, b)
	}
}
