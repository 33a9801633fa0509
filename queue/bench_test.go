package queue_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/planner/planfile"
	"natq/queue"
	"natq/queue/queuetest"
)

// benchDay is a service on a redis-server of the benchmark's own, with
// the fixture plan c1 open and its windows made a thousand times larger,
// so that a benchmark books thousands of households before the round is
// full; and the households the plan's windows call.
type benchDay struct {
	svc    *queue.Service
	rdb    *redis.Client
	plan   *queue.Plan
	units  []queue.Household
	floors []int // of each unit's building
	n      atomic.Int64
}

func newBenchDay(b *testing.B) *benchDay {
	b.Helper()
	rdb, p, svc := queuetest.BenchService(b)
	d := &benchDay{svc: svc, rdb: rdb, plan: p}
	named := map[string]bool{} // buildings whose groups name units: a booking must name one
	for _, w := range p.Windows {
		for _, g := range w.Groups {
			named[g.Building] = named[g.Building] || g.Unit != ""
		}
	}
	seen := map[queue.Household]bool{}
	for _, w := range p.Windows {
		for _, g := range w.Groups {
			h := queue.Household{Building: g.Building, Unit: g.Unit, Party: 1}
			if !seen[h] && (g.Unit != "" || !named[g.Building]) {
				seen[h] = true
				d.units = append(d.units, h)
				floors := 60 // the queue's bound when the plan does not say
				if b := p.File.Building(g.Building); b != nil && b.Levels > 0 {
					floors = b.Levels
				}
				d.floors = append(d.floors, floors)
			}
		}
	}
	d.open(b)
	return d
}

// open empties the store and opens the round.
func (d *benchDay) open(b *testing.B) {
	ctx := context.Background()
	if err := d.rdb.FlushAll(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	if err := d.svc.OpenRound(ctx, d.plan); err != nil {
		b.Fatal(err)
	}
}

// household returns the next household, and whether it has not booked in
// this round yet. Rooms are numbered as residents write them, floor and
// two-digit door (101 ... 199, 201 ...), up to the building's floors: a
// unit has floors*99 households, and the numbering starts over after.
func (d *benchDay) household() (queue.Household, bool) {
	n := d.n.Add(1) - 1
	i := n % int64(len(d.units))
	h := d.units[i]
	k := n / int64(len(d.units))
	rooms := int64(d.floors[i]) * 99
	h.Room = strconv.FormatInt((1+k%rooms/99)*100+1+k%rooms%99, 10)
	return h, k < rooms
}

// book books a new household, opening a fresh round (off the clock) when
// the round is full or its households have all booked.
func (d *benchDay) book(b *testing.B) *queue.Booking {
	h, fresh := d.household()
	if !fresh {
		b.StopTimer()
		d.open(b)
		d.n.Store(0)
		h, _ = d.household()
		b.StartTimer()
	}
	bk, _, err := d.svc.Book(context.Background(), "c1", h)
	if errors.Is(err, queue.ErrFull) {
		b.StopTimer()
		d.open(b)
		b.StartTimer()
		d.n.Store(0)
		h, _ = d.household()
		bk, _, err = d.svc.Book(context.Background(), "c1", h)
	}
	if err != nil {
		b.Fatal(err)
	}
	return bk
}

// BenchmarkBook books new households one after another: the booking
// script's round trip, and everything Book does around it.
func BenchmarkBook(b *testing.B) {
	d := newBenchDay(b)
	for b.Loop() {
		d.book(b)
	}
}

// BenchmarkBookParallel books new households from GOMAXPROCS*8
// goroutines: throughput rather than latency.
func BenchmarkBookParallel(b *testing.B) {
	d := newBenchDay(b)
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h, _ := d.household() // after floors*99 per unit, repeats
			_, _, err := d.svc.Book(context.Background(), "c1", h)
			if err != nil && !errors.Is(err, queue.ErrFull) {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkBookRepeat books a household that has its ticket already.
func BenchmarkBookRepeat(b *testing.B) {
	d := newBenchDay(b)
	h, _ := d.household()
	if _, _, err := d.svc.Book(context.Background(), "c1", h); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, created, err := d.svc.Book(context.Background(), "c1", h); err != nil || created {
			b.Fatalf("Book(repeat) = created %v, %v", created, err)
		}
	}
}

// BenchmarkTicket reads a booked ticket, as a resident's page does.
func BenchmarkTicket(b *testing.B) {
	d := newBenchDay(b)
	bk := d.book(b)
	for b.Loop() {
		if _, err := d.svc.Ticket(context.Background(), bk.Ticket); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDesk is one resident through a desk: check-in, call, sampled
// (the booking is made off the clock).
func BenchmarkDesk(b *testing.B) {
	d := newBenchDay(b)
	ctx := context.Background()
	st := &queue.Staff{Compound: "c1", Name: "bench", Role: queue.RoleMarshal}
	for b.Loop() {
		b.StopTimer()
		bk := d.book(b)
		b.StartTimer()
		if _, err := d.svc.CheckIn(ctx, st, bk.Site, bk.Ticket); err != nil {
			b.Fatal(err)
		}
		t, err := d.svc.CallNext(ctx, st, bk.Site, 1)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.svc.Sampled(ctx, st, t.Ticket, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBookRush books the households of one building, b4, into a day
// of 24 windows of 37 seats one after another (the fixture's one window
// and 23 more at the same site), in parties of 1 to 3, until the day is
// full, and then again on an emptied store: most bookings come after the
// first windows filled, as in a morning's rush. It reports the booking
// script's Redis time a booking (redis-µs-book, INFO commandstats) and the
// commands it ran (cmds-book): the window counters a booking reads.
func BenchmarkBookRush(b *testing.B) {
	rdb := redis.NewClient(&redis.Options{Addr: queuetest.StartRedis(b)})
	b.Cleanup(func() { rdb.Close() })
	p := queuetest.Plan(b, "c1.plan.geojson")
	f := *p.File
	f.Schedule = append([]planfile.Window(nil), f.Schedule...)
	var first planfile.Window
	for _, w := range f.Schedule {
		if w.Variant == "dry" && w.Calls("b4") {
			first = w
		}
	}
	for i := 1; i < 24; i++ {
		w := first
		w.Index = len(f.Schedule)
		w.Start = first.Start.Add(time.Duration(i) * first.End.Sub(first.Start))
		w.End = w.Start.Add(first.End.Sub(first.Start))
		f.Schedule = append(f.Schedule, w)
	}
	p, err := queue.NewPlan(&f)
	if err != nil {
		b.Fatal(err)
	}
	o := queue.DefaultOptions()
	o.Now, o.BaseURL, o.WalkinShare = queuetest.NewClock(queuetest.Morning).Now, "https://natq.test", 0
	svc := queue.New(rdb, queuetest.Signer(b), o)
	ctx := context.Background()
	open := func() {
		if err := rdb.FlushAll(ctx).Err(); err != nil {
			b.Fatal(err)
		}
		if err := svc.OpenRound(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	open()
	before := readCost(b, rdb)
	var used redisCost // Redis time spent by the rounds' opening, taken off
	n, books := 0, 0
	for b.Loop() {
		h := queue.Household{Building: "b4", Room: strconv.Itoa((1+n/99%6)*100 + 1 + n%99), Party: 1 + n%3}
		_, _, err := svc.Book(ctx, "c1", h)
		n++
		if errors.Is(err, queue.ErrFull) || n == 6*99 {
			b.StopTimer()
			c0 := readCost(b, rdb)
			open()
			c1 := readCost(b, rdb)
			used.usec, used.evals, used.cmds = used.usec+c1.usec-c0.usec, used.evals+c1.evals-c0.evals, used.cmds+c1.cmds-c0.cmds
			n = 0
			b.StartTimer()
			continue
		}
		if err != nil {
			b.Fatal(err)
		}
		books++
	}
	after := readCost(b, rdb)
	evals := after.evals - before.evals - used.evals
	if evals > 0 {
		b.ReportMetric(float64(after.usec-before.usec-used.usec)/float64(evals), "redis-µs-book")
		b.ReportMetric(float64(after.cmds-before.cmds-used.cmds)/float64(evals), "cmds-book")
	}
}
