package server_test

import (
	"context"
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"natq/queue"
	"natq/queue/queuetest"
	"natq/queue/server"
)

// The HTTP benchmarks run natq's handlers whole (Fiber's routing, the
// middleware, decoding, the service on a redis-server of the benchmark's
// own, encoding the answer) on an in-memory request, so that what they
// measure is natq's own work per request, without the network's or a
// client's. Besides the time per request (mostly Redis's round trips, as
// they run one after another) each reports cpu-µs/op: the CPU the
// benchmark's process, which is natq without Redis, spent per request.
// Compare them across changes with benchstat.

// cpuMeter adds up the process's CPU time over the timed parts of a
// benchmark.
type cpuMeter struct{ total, from time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (m *cpuMeter) start() { m.from = processCPU() }
func (m *cpuMeter) stop()  { m.total += processCPU() - m.from }

// report gives the CPU per request, n requests an iteration.
func (m *cpuMeter) report(b *testing.B, n int) {
	b.ReportMetric(float64(m.total.Microseconds())/float64(b.N*n), "cpu-µs/op")
}

// httpDay is the HTTP app on a fixture plan c1 whose windows and lines
// are a thousand times larger, so that thousands of households book before
// the round is full, and a marshal's token.
type httpDay struct {
	rdb     *redis.Client
	svc     *queue.Service
	plan    *queue.Plan
	handler fasthttp.RequestHandler
	marshal string
	units   []queue.Household
	n       int
}

func newHTTPDay(b *testing.B) *httpDay {
	b.Helper()
	rdb, p, svc := queuetest.BenchService(b)
	d := &httpDay{rdb: rdb, svc: svc, plan: p}
	d.handler = server.New(d.svc, server.Options{}).Handler()
	// The fixture's bookable households: b1, b3 and b4 whole, b2 by unit.
	for _, h := range []queue.Household{{Building: "b1"}, {Building: "b2", Unit: "1"}, {Building: "b2", Unit: "2"}, {Building: "b3"}, {Building: "b4"}} {
		h.Party = 1
		d.units = append(d.units, h)
	}
	d.open(b)
	return d
}

// open empties the store, opens the round and adds the marshal.
func (d *httpDay) open(b *testing.B) {
	ctx := context.Background()
	if err := d.rdb.FlushAll(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	if err := d.svc.OpenRound(ctx, d.plan); err != nil {
		b.Fatal(err)
	}
	tok, err := d.svc.AddStaff(ctx, "c1", "bench", queue.RoleMarshal)
	if err != nil {
		b.Fatal(err)
	}
	d.marshal = tok
	d.n = 0
}

// household is the next household not booked yet in this round: rooms
// 101 to 699 (six floors, 99 doors) of each unit, then the round is
// opened again (off the clock).
func (d *httpDay) household(b *testing.B) queue.Household {
	if d.n == len(d.units)*6*99 {
		b.StopTimer()
		d.open(b)
		b.StartTimer()
	}
	h := d.units[d.n%len(d.units)]
	k := d.n / len(d.units)
	h.Room = strconv.Itoa((1+k/99)*100 + 1 + k%99)
	d.n++
	return h
}

var benchAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}

// do runs one request through the app and returns its status and body
// (valid until the next do).
func (d *httpDay) do(b *testing.B, ctx *fasthttp.RequestCtx, method, path, token, body string) (int, []byte) {
	var req fasthttp.Request
	req.Header.SetMethod(method)
	req.SetRequestURI(path)
	req.Header.SetHost("natq.test")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.SetContentType("application/json")
		req.SetBodyString(body)
	}
	ctx.Response.Reset()
	ctx.Init(&req, benchAddr, nil)
	d.handler(ctx)
	return ctx.Response.StatusCode(), ctx.Response.Body()
}

func (d *httpDay) book(b *testing.B, ctx *fasthttp.RequestCtx) string {
	h := d.household(b)
	body := `{"building":"` + h.Building + `","unit":"` + h.Unit + `","room":"` + h.Room + `","party":1}`
	status, resp := d.do(b, ctx, "POST", "/api/v1/compounds/c1/bookings", "", body)
	if status != 201 {
		b.Fatalf("POST bookings %s = %d %s, want 201", body, status, resp)
	}
	var bk struct{ Ticket, Site string }
	json.Unmarshal(resp, &bk)
	return bk.Ticket + " " + bk.Site
}

// BenchmarkHTTPBook books a new household: POST /api/v1/compounds/c1/bookings.
func BenchmarkHTTPBook(b *testing.B) {
	d := newHTTPDay(b)
	var ctx fasthttp.RequestCtx
	var cpu cpuMeter
	cpu.start()
	for b.Loop() {
		d.book(b, &ctx)
	}
	cpu.stop()
	cpu.report(b, 1)
}

// BenchmarkHTTPTicket reads a booked ticket as its resident's page does,
// forecast and all: GET /api/v1/tickets/{ticket}.
func BenchmarkHTTPTicket(b *testing.B) {
	d := newHTTPDay(b)
	var ctx fasthttp.RequestCtx
	var tickets []string
	for range 50 {
		tk, _, _ := strings.Cut(d.book(b, &ctx), " ")
		tickets = append(tickets, tk)
	}
	i := 0
	var cpu cpuMeter
	cpu.start()
	for b.Loop() {
		tk := tickets[i%len(tickets)]
		i++
		if status, resp := d.do(b, &ctx, "GET", "/api/v1/tickets/"+tk, "", ""); status != 200 {
			b.Fatalf("GET ticket = %d %s", status, resp)
		}
	}
	cpu.stop()
	cpu.report(b, 1)
}

// BenchmarkHTTPDesk is one resident through a desk, as a marshal's tablet
// sends it: check-in, call, sampled (the booking is made off the clock);
// cpu-µs/op is per request, a third of an iteration.
func BenchmarkHTTPDesk(b *testing.B) {
	d := newHTTPDay(b)
	var ctx fasthttp.RequestCtx
	var cpu cpuMeter
	for b.Loop() {
		b.StopTimer()
		ticket, site, _ := strings.Cut(d.book(b, &ctx), " ")
		b.StartTimer()
		cpu.start()
		if status, resp := d.do(b, &ctx, "POST", "/api/v1/sites/"+site+"/checkins", d.marshal, `{"ticket":"`+ticket+`"}`); status != 200 {
			b.Fatalf("POST checkins = %d %s", status, resp)
		}
		status, resp := d.do(b, &ctx, "POST", "/api/v1/sites/"+site+"/calls", d.marshal, `{"desk":1}`)
		if status != 200 {
			b.Fatalf("POST calls = %d %s", status, resp)
		}
		var called struct{ Ticket string }
		json.Unmarshal(resp, &called)
		if status, resp := d.do(b, &ctx, "POST", "/api/v1/tickets/"+called.Ticket+"/sampled", d.marshal, ""); status != 200 {
			b.Fatalf("POST sampled = %d %s", status, resp)
		}
		cpu.stop()
	}
	cpu.report(b, 3)
}
