package queue_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"natq/queue"
)

// redisCost is the Redis time and commands of the scripts run between two
// reads of INFO commandstats: EVALSHA's usec, and the commands the
// scripts ran (every command but EVALSHA and INFO's own).
type redisCost struct{ usec, evals, cmds int64 }

func readCost(b *testing.B, rdb *redis.Client) redisCost {
	b.Helper()
	var c redisCost
	for name, x := range commandStats(b, rdb) {
		switch name {
		case "evalsha", "eval":
			c.usec += x.usec
			c.evals += x.calls
		case "info":
		default:
			c.cmds += x.calls
		}
	}
	return c
}

// commandStats is INFO commandstats: each command's calls and usec.
func commandStats(b *testing.B, rdb *redis.Client) map[string]struct{ calls, usec int64 } {
	b.Helper()
	s, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]struct{ calls, usec int64 }{}
	for _, l := range strings.Split(s, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(l), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		x := out[name[len("cmdstat_"):]]
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "calls":
				x.calls = n
			case "usec":
				x.usec = n
			}
		}
		out[name[len("cmdstat_"):]] = x
	}
	return out
}

// BenchmarkDeskRedis is BenchmarkDesk's check-in, call and sampled with a
// standing line of n people's tickets at every site (checked in before,
// each iteration adds one and calls one), as a checked-in staff token
// (StaffOf, checked in each script, as over HTTP). It reports each
// script's Redis time (redis-µs-checkin ..., INFO commandstats: EVALSHA's
// usec a call) and the commands it ran (cmds-checkin ...): the desk's
// share of Redis, which bounds the desk's rate under load. ns/op is not
// the figure (it includes the INFO reads).
func BenchmarkDeskRedis(b *testing.B) {
	for _, line := range []int{0, 30, 200, 500} {
		b.Run(fmt.Sprintf("line=%d", line), func(b *testing.B) {
			d := newBenchDay(b)
			ctx := context.Background()
			var st *queue.Staff
			waiting := map[string]int{} // site -> tickets standing in its line
			// fresh gives a new round its staff token and empty lines: at
			// the start, and when d.book had to open a fresh round (its
			// households all booked).
			fresh := func() {
				tok, err := d.svc.AddStaff(ctx, "c1", "bench", queue.RoleMarshal)
				if err == nil {
					st, err = d.svc.StaffOf(tok)
				}
				if err != nil {
					b.Fatal(err)
				}
				waiting = map[string]int{}
			}
			// next is a booked ticket to check in, with line tickets
			// checked in before it at its site.
			next := func() *queue.Booking {
				for {
					n := d.n.Load()
					bk := d.book(b)
					if d.n.Load() <= n {
						fresh()
					}
					if waiting[bk.Site] >= line {
						return bk
					}
					if _, err := d.svc.CheckIn(ctx, st, bk.Site, bk.Ticket); err != nil {
						b.Fatal(err)
					}
					waiting[bk.Site]++
				}
			}
			fresh()
			var ci, ca, sa redisCost
			add := func(to *redisCost, from, till redisCost) {
				to.usec += till.usec - from.usec
				to.evals += till.evals - from.evals
				to.cmds += till.cmds - from.cmds
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				bk := next()
				b.StartTimer()
				c0 := readCost(b, d.rdb)
				if _, err := d.svc.CheckIn(ctx, st, bk.Site, bk.Ticket); err != nil {
					b.Fatal(err)
				}
				c1 := readCost(b, d.rdb)
				t, err := d.svc.CallNext(ctx, st, bk.Site, 1)
				if err != nil {
					b.Fatal(err)
				}
				c2 := readCost(b, d.rdb)
				if _, err := d.svc.Sampled(ctx, st, t.Ticket, ""); err != nil {
					b.Fatal(err)
				}
				c3 := readCost(b, d.rdb)
				add(&ci, c0, c1)
				add(&ca, c1, c2)
				add(&sa, c2, c3)
			}
			for _, x := range []struct {
				name string
				c    redisCost
			}{{"checkin", ci}, {"call", ca}, {"sampled", sa}} {
				if x.c.evals > 0 {
					b.ReportMetric(float64(x.c.usec)/float64(x.c.evals), "redis-µs-"+x.name)
					b.ReportMetric(float64(x.c.cmds)/float64(x.c.evals), "cmds-"+x.name)
				}
			}
		})
	}
}

// BenchmarkTicketInLine: the read of a ticket at the end of its site's
// line, a resident's page in line, at lines of 0 to 500 parties:
// redis-µs-read is Redis's time a read (its commands), natq's is ns/op.
// Once a site's line has 32 parties its people are kept one a person, so
// that the people ahead are a count, not a read of every member ahead.
func BenchmarkTicketInLine(b *testing.B) {
	for _, line := range []int{0, 30, 200, 500} {
		b.Run(fmt.Sprintf("line=%d", line), func(b *testing.B) {
			d := newBenchDay(b)
			_, _, last := lineOf(b, d, line+1)
			readsCost(b, d, func() error { _, err := d.svc.Ticket(context.Background(), last); return err })
		})
	}
}

// lineOf checks in n booked tickets at one site, as a marshal: the
// marshal, the site and the last ticket checked in ("" for none).
func lineOf(b *testing.B, d *benchDay, n int) (st *queue.Staff, site, last string) {
	b.Helper()
	ctx := context.Background()
	tok, err := d.svc.AddStaff(ctx, "c1", "bench", queue.RoleMarshal)
	if err == nil {
		st, err = d.svc.Authenticate(ctx, tok)
	}
	if err != nil {
		b.Fatal(err)
	}
	for in := 0; in < n || site == ""; {
		bk := d.book(b)
		if site == "" {
			site = bk.Site
		}
		if bk.Site != site || in == n {
			continue
		}
		if _, err := d.svc.CheckIn(ctx, st, bk.Site, bk.Ticket); err != nil {
			b.Fatal(err)
		}
		in++
		last = bk.Ticket
	}
	return st, site, last
}

// readsCost runs read b.N times and reports Redis's time and commands a
// read (every command but INFO).
func readsCost(b *testing.B, d *benchDay, read func() error) {
	b.Helper()
	u0, n0 := allCommands(b, d.rdb)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := read(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	u1, n1 := allCommands(b, d.rdb)
	b.ReportMetric(float64(u1-u0)/float64(b.N), "redis-µs-read")
	b.ReportMetric(float64(n1-n0)/float64(b.N), "cmds-read")
}

// allCommands is the usec and calls of every command Redis ran but INFO.
func allCommands(b *testing.B, rdb *redis.Client) (usec, calls int64) {
	b.Helper()
	for name, x := range commandStats(b, rdb) {
		if name != "info" {
			usec += x.usec
			calls += x.calls
		}
	}
	return usec, calls
}

// BenchmarkLine: a site's line as its tablets and display read it, at
// lines of 0 to 500 parties: ns/op is natq's, redis-µs-read Redis's.
func BenchmarkLine(b *testing.B) {
	for _, line := range []int{0, 30, 200, 500} {
		b.Run(fmt.Sprintf("line=%d", line), func(b *testing.B) {
			d := newBenchDay(b)
			st, site, _ := lineOf(b, d, line)
			readsCost(b, d, func() error { _, err := d.svc.Line(context.Background(), st, site); return err })
		})
	}
}
