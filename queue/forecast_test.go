package queue_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/planner/sim"
	"natq/queue"
	"natq/queue/queuetest"
)

// testForecastCalledOnly: with only a called party at the site, the
// tablet's forecast says nobody waits, not that the line clears at the
// time that party was called (07:07 said at 07:15, before).
func testForecastCalledOnly(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	tok := bookAt(t, s, hh("b1", "", "101", 1))
	clk.Set(queuetest.At(7, 5))
	if _, err := s.CheckIn(ctx, m, "s1", tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CallNext(ctx, m, "s1", 1); err != nil {
		t.Fatal(err)
	}
	clk.Set(queuetest.At(7, 9))
	l, err := s.Line(ctx, m, "s1")
	if err != nil || l.Forecast == nil {
		t.Fatalf("Line = %+v, %v; want a forecast", l, err)
	}
	if l.Forecast.Clears != nil {
		t.Errorf("with only a called party, the line clears at %s; want no time (nobody waits)", l.Forecast.Clears.Format(time.TimeOnly))
	}
}

// testForecast drives a scripted morning at s1 (two desks, the plan's 120
// samples a desk an hour, 30 s a person) whose desks take 60, 75 and 120
// s a person: the forecast on the tablet's line and on the residents'
// tickets is sim.Forecast's for that morning, with the measured pace, and
// it moves when the next party is sampled.
func testForecast(t *testing.T, st queuetest.Store) {
	c := st.Client(t)
	s, clk := queuetest.Service(t, c, nil)
	m := staff(t, s, "c1", queue.RoleMarshal)
	parties := []int{1, 2, 1, 1, 3, 1}
	var toks []string
	for i, n := range parties {
		toks = append(toks, bookAt(t, s, hh("b1", "", room(i), n)))
	}
	var coming []string // four parties of one who have not come yet
	for i := 0; i < 4; i++ {
		coming = append(coming, bookAt(t, s, hh("b1", "", room(10+i), 1)))
	}
	clk.Set(queuetest.At(7, 1))
	checkedIn := map[string]time.Time{}
	for _, tok := range toks {
		if _, err := s.CheckIn(ctx, m, "s1", tok); err != nil {
			t.Fatal(err)
		}
		checkedIn[tok] = clk.Now()
		clk.Set(clk.Now().Add(time.Second))
	}
	at := func(h, mm, ss int) time.Time { return queuetest.At(h, mm).Add(time.Duration(ss) * time.Second) }
	call := func(desk int, when time.Time, want string) {
		t.Helper()
		clk.Set(when)
		tv, err := s.CallNext(ctx, m, "s1", desk)
		if err != nil || tv.Ticket != want {
			t.Fatalf("CallNext(desk %d) at %s = %+v, %v; want %s", desk, when.Format("15:04:05"), tv, err, want)
		}
	}
	sample := func(tok string, when time.Time) {
		t.Helper()
		clk.Set(when)
		if _, err := s.Sampled(ctx, m, tok, ""); err != nil {
			t.Fatal(err)
		}
	}
	call(1, at(7, 2, 0), toks[0])
	call(2, at(7, 2, 0), toks[1])
	sample(toks[0], at(7, 3, 0)) // 60 s for one
	call(1, at(7, 3, 0), toks[2])
	sample(toks[1], at(7, 4, 30)) // 150 s for two
	call(2, at(7, 4, 30), toks[3])
	sample(toks[2], at(7, 5, 0)) // 120 s for one
	call(1, at(7, 5, 0), toks[4])
	clk.Set(at(7, 5, 30))

	// What the queue knows now, written out from the script: E (party 3)
	// called at desk 1 at 07:05, D at desk 2 at 07:04:30, F waiting; the
	// four still to come in the 07:00 window.
	w0s, w0e := queuetest.At(7, 0), queuetest.At(7, 15)
	want := func(now time.Time, line []sim.InLine, samples []sim.Sampled) *sim.SiteForecast {
		t.Helper()
		in := sim.SiteNow{Now: now, Desks: 2, Line: line, Samples: samples}
		for range coming {
			in.Coming = append(in.Coming, sim.Booked{Ticket: "x", Party: 1, Start: w0s, End: w0e})
		}
		f, err := sim.Forecast(in, 120, s.ForecastParams())
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	samples := []sim.Sampled{
		{Party: 1, CalledAt: at(7, 2, 0), At: at(7, 3, 0)},
		{Party: 2, CalledAt: at(7, 2, 0), At: at(7, 4, 30)},
		{Party: 1, CalledAt: at(7, 3, 0), At: at(7, 5, 0)},
	}
	line := []sim.InLine{
		{Ticket: "E", Party: 3, CheckIn: checkedIn[toks[4]], CalledAt: at(7, 5, 0)},
		{Ticket: "D", Party: 1, CheckIn: checkedIn[toks[3]], CalledAt: at(7, 4, 30)},
		{Ticket: "F", Party: 1, CheckIn: checkedIn[toks[5]]},
	}
	exp := want(at(7, 5, 30), line, samples)
	if exp.Measured != 4 || exp.Rate > 100 {
		t.Fatalf("the script's pace: measured %d at %.1f an hour; want 4 people, slower than the plan's 120", exp.Measured, exp.Rate)
	}

	l, err := s.Line(ctx, m, "s1")
	if err != nil {
		t.Fatal(err)
	}
	f := l.Forecast
	if f == nil {
		t.Fatal("Line has no forecast")
	}
	if f.Measured != 4 || f.PlanRate != 120 || f.Rate < exp.Rate-0.1 || f.Rate > exp.Rate+0.1 || f.Method != exp.Method {
		t.Errorf("forecast = measured %d, rate %.1f (plan %.0f), %q; want 4, %.1f (120), %q", f.Measured, f.Rate, f.PlanRate, f.Method, exp.Rate, exp.Method)
	}
	entries := append(append([]queue.LineEntry{}, l.Called...), l.Waiting...)
	order := []string{toks[4], toks[3], toks[5]}
	if len(entries) != 3 {
		t.Fatalf("line = %+v, want three parties", entries)
	}
	for i, e := range entries {
		if e.Ticket != order[i] || e.Turn == nil || !e.Turn.At.Equal(exp.Line[i].At) || !e.Turn.Late.Equal(exp.Line[i].Late) {
			t.Errorf("line[%d] = %s turn %+v, want %s at %s (late %s)", i, e.Ticket, e.Turn, order[i], exp.Line[i].At.Format("15:04:05"), exp.Line[i].Late.Format("15:04:05"))
		}
	}
	if f.Clears == nil || !f.Clears.Equal(exp.Line[2].At) {
		t.Errorf("line clears at %v, want %s", f.Clears, exp.Line[2].At.Format("15:04:05"))
	}
	if len(f.Windows) != 3 || f.Windows[0].Coming != 4 || f.Windows[0].Turn == nil || !f.Windows[0].Turn.At.Equal(exp.Coming[0].At) {
		t.Errorf("windows = %+v, want the 07:00 one first with 4 to come, turn at %s", f.Windows, exp.Coming[0].At.Format("15:04:05"))
	}

	// The residents' tickets: F in line, one still to come, one sampled.
	tv, err := s.Ticket(ctx, toks[5])
	if err != nil {
		t.Fatal(err)
	}
	if tv.Forecast == nil || !tv.Forecast.At.Equal(exp.Line[2].At) || tv.Forecast.Method != exp.Method ||
		tv.Forecast.WaitMin != int((exp.Line[2].At.Sub(at(7, 5, 30))+30*time.Second)/time.Minute) {
		t.Errorf("F's ticket forecast = %+v, want turn at %s", tv.Forecast, exp.Line[2].At.Format("15:04:05"))
	}
	if tv, _ := s.Ticket(ctx, coming[0]); tv.Forecast == nil || !tv.Forecast.At.Equal(exp.Coming[0].At) {
		t.Errorf("a booked ticket's forecast = %+v, want its window's turn at %s", tv.Forecast, exp.Coming[0].At.Format("15:04:05"))
	}
	if tv, _ := s.Ticket(ctx, toks[0]); tv.Forecast != nil {
		t.Errorf("a sampled ticket has a forecast %+v", tv.Forecast)
	}

	// D is sampled at 07:07:30 (180 s for one, slower still): F's turn
	// is forecast again from the new line and pace.
	sample(toks[3], at(7, 7, 30))
	samples = append(samples, sim.Sampled{Party: 1, CalledAt: at(7, 4, 30), At: at(7, 7, 30)})
	exp2 := want(at(7, 7, 30), []sim.InLine{line[0], line[2]}, samples)
	tv, _ = s.Ticket(ctx, toks[5])
	if tv.Forecast == nil || !tv.Forecast.At.Equal(exp2.Line[1].At) {
		t.Errorf("F's forecast after D's sample = %+v, want %s", tv.Forecast, exp2.Line[1].At.Format("15:04:05"))
	}
	if tv.Forecast != nil && tv.Forecast.At.Equal(exp.Line[2].At) {
		t.Errorf("F's forecast did not move after D's sample: %s", tv.Forecast.At.Format("15:04:05"))
	}
	if l, _ := s.Line(ctx, m, "s1"); l.Forecast == nil || l.Forecast.Measured != 5 {
		t.Errorf("forecast after D's sample measured %+v people, want 5", l.Forecast)
	}

	// Cheap: a ticket in line costs its own round trips (the ticket, those
	// ahead, their parties when there are any) and one for the site's
	// counters; after
	// a change, twenty phones asking at once read the line once (three
	// more) between them.
	hook := &tripCounter{}
	c.AddHook(hook)
	before := hook.n.Load()
	if tv, _ := s.Ticket(ctx, toks[5]); tv.Forecast == nil {
		t.Fatal("F's ticket has no forecast")
	}
	if n := hook.n.Load() - before; n > 4 {
		t.Errorf("a ticket in line with its forecast cached took %d round trips, want at most 4", n)
	}
	phones := func() {
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if tv, err := s.Ticket(ctx, toks[5]); err != nil || tv.Forecast == nil {
					t.Errorf("Ticket(F) = %+v, %v; want it with a forecast", tv, err)
				}
			}()
		}
		wg.Wait()
	}
	phones() // the client's pool opens its connections (which sends commands of its own)
	clk.Set(at(7, 8, 0))
	call(2, at(7, 8, 0), toks[5])
	if _, err := s.Requeue(ctx, m, toks[5]); err != nil {
		t.Fatal(err)
	}
	before = hook.n.Load()
	phones()
	if n := hook.n.Load() - before; n > 20*4+3 {
		t.Errorf("twenty phones at once took %d round trips, want at most %d (the line read once)", n, 20*4+3)
	}

	// A booking does not rerun the model (anyone may book): the people to
	// come are counted again when the forecast is ForecastTTL old.
	l, _ = s.Line(ctx, m, "s1")
	was := l.Forecast.Windows[0].Coming
	bookAt(t, s, hh("b1", "", room(30), 2))
	before = hook.n.Load()
	s.Ticket(ctx, toks[5])
	if n := hook.n.Load() - before; n > 4 {
		t.Errorf("a ticket read after a booking took %d round trips, want at most 4 (the forecast kept)", n)
	}
	if l, _ := s.Line(ctx, m, "s1"); l.Forecast.Windows[0].Coming != was {
		t.Errorf("right after a booking the forecast counts %d to come, want the %d it was made with", l.Forecast.Windows[0].Coming, was)
	}
	clk.Set(clk.Now().Add(queue.ForecastTTL))
	if l, _ := s.Line(ctx, m, "s1"); l.Forecast.Windows[0].Coming != was+2 {
		t.Errorf("%v later the forecast counts %d to come, want %d", queue.ForecastTTL, l.Forecast.Windows[0].Coming, was+2)
	}

	// Within ForecastRecheck of the model's last run for the site, a
	// ticket read after a change keeps that run and asks Redis only for
	// the ticket (its site's change counts come with it): a party that
	// checks in then has no forecast yet (the run is from before it came),
	// and has one when read ForecastRecheck later.
	s.Ticket(ctx, toks[5]) // the counters read now
	if _, err := s.CheckIn(ctx, m, "s1", coming[0]); err != nil {
		t.Fatal(err)
	}
	before = hook.n.Load()
	if tv, _ := s.Ticket(ctx, toks[5]); tv.Forecast == nil {
		t.Error("F's ticket read right after a check-in has no forecast, want the one kept")
	}
	if n := hook.n.Load() - before; n > 3 {
		t.Errorf("a ticket read within %v of the last took %d round trips, want at most 3 (the ticket's own)", queue.ForecastRecheck, n)
	}
	if tv, _ := s.Ticket(ctx, coming[0]); tv.Forecast != nil {
		t.Errorf("a ticket checked in right after the counters were read has a forecast %+v, want none until they are read again", tv.Forecast)
	}
	clk.Set(clk.Now().Add(queue.ForecastRecheck))
	if tv, _ := s.Ticket(ctx, coming[0]); tv.Forecast == nil {
		t.Errorf("a ticket checked in %v ago has no forecast", queue.ForecastRecheck)
	}

	// The model runs at most once a ForecastRecheck per site: a line read
	// at the moment of a check-in shows the newcomer without a turn, and
	// ForecastRecheck later the site's tablets, reading at once, share one
	// new run that gives it one.
	ran := clk.Now()
	if _, err := s.CheckIn(ctx, m, "s1", coming[1]); err != nil {
		t.Fatal(err)
	}
	turnOf := func(l *queue.SiteLine, tok string) (*queue.Turn, bool) {
		for _, e := range append(append([]queue.LineEntry{}, l.Called...), l.Waiting...) {
			if e.Ticket == tok {
				return e.Turn, true
			}
		}
		return nil, false
	}
	l, err = s.Line(ctx, m, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if tn, in := turnOf(l, coming[1]); !in || tn != nil || !l.Forecast.At.Equal(ran) {
		t.Errorf("line read with a check-in's = in line %v, turn %+v, forecast of %s; want in line, no turn, the forecast of %s",
			in, tn, l.Forecast.At.Format("15:04:05.000"), ran.Format("15:04:05.000"))
	}
	clk.Set(ran.Add(queue.ForecastRecheck))
	var wg sync.WaitGroup
	lines := make([]*queue.SiteLine, 8)
	for i := range lines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lines[i], _ = s.Line(ctx, m, "s1")
		}()
	}
	wg.Wait()
	for i, l := range lines {
		if l == nil || l.Forecast == nil || l.Forecast != lines[0].Forecast {
			t.Fatalf("tablet %d's line forecast %p, tablet 0's %p: want one run of the model for all", i, l.Forecast, lines[0].Forecast)
		}
	}
	if tn, _ := turnOf(lines[0], coming[1]); tn == nil || !lines[0].Forecast.At.Equal(clk.Now()) {
		t.Errorf("%v after the check-in the newcomer's turn is %+v in the forecast of %s, want one, of now", queue.ForecastRecheck, tn, lines[0].Forecast.At.Format("15:04:05.000"))
	}
}

// turnIn is the time of line l's forecast (read with err) and the turn
// of tok in it (nil when it has none); the test fails when l has no
// forecast or tok is not in it.
func turnIn(t *testing.T, l *queue.SiteLine, err error, tok string) (time.Time, *queue.Turn) {
	t.Helper()
	if err != nil || l.Forecast == nil {
		t.Fatalf("Line(s1) = %+v, %v; want it with a forecast", l, err)
	}
	for _, e := range append(append([]queue.LineEntry{}, l.Called...), l.Waiting...) {
		if e.Ticket == tok {
			return l.Forecast.At, e.Turn
		}
	}
	t.Fatalf("%s is not in s1's line %+v", tok, l)
	return time.Time{}, nil
}

// tripCounter counts round trips: a command, or a pipeline.
type tripCounter struct{ n atomic.Int64 }

func (h *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// BenchmarkForecastSite is one run of the model for a busy site: four
// desks, forty parties in line, six hundred people still to come over
// six windows, with the service's parameters (50 runs). A site pays it
// once per change of its counters, not per reader.
func BenchmarkForecastSite(b *testing.B) {
	s := queue.New(nil, queuetest.Signer(b), queue.DefaultOptions())
	now := queuetest.At(8, 0)
	in := sim.SiteNow{Now: now, Desks: 4}
	for i := 0; i < 40; i++ {
		x := sim.InLine{Ticket: strconv.Itoa(i), Party: 1 + i%3, CheckIn: now.Add(-time.Duration(40-i) * time.Minute / 4)}
		if i < 4 {
			x.CalledAt = now.Add(-time.Minute)
		}
		in.Line = append(in.Line, x)
	}
	for i := 0; i < 200; i++ {
		in.Samples = append(in.Samples, sim.Sampled{Party: 1, CalledAt: now.Add(-time.Hour), At: now.Add(-time.Hour + 40*time.Second)})
	}
	for w := 0; w < 6; w++ {
		start := now.Add(time.Duration(w) * 15 * time.Minute)
		for i := 0; i < 100; i++ {
			in.Coming = append(in.Coming, sim.Booked{Ticket: "w", Party: 1, Start: start, End: start.Add(15 * time.Minute)})
		}
	}
	p := s.ForecastParams()
	for b.Loop() {
		if _, err := sim.Forecast(in, 120, p); err != nil {
			b.Fatal(err)
		}
	}
}

// forecastSite is where the forecast's budget and freshness tests start:
// a service on the store's client at 07:01, a marshal, four households of
// one booked at s1 (toks), and checkIn of one of them there.
type forecastSite struct {
	c       redis.UniversalClient
	s       *queue.Service
	clk     *queuetest.Clock
	m       *queue.Staff
	toks    []string
	checkIn func(tok string)
}

func newForecastSite(t *testing.T, st queuetest.Store) *forecastSite {
	f := &forecastSite{c: st.Client(t)}
	f.s, f.clk = queuetest.Service(t, f.c, nil)
	f.m = staff(t, f.s, "c1", queue.RoleMarshal)
	for i := 0; i < 4; i++ {
		f.toks = append(f.toks, bookAt(t, f.s, hh("b1", "", room(i), 1)))
	}
	f.clk.Set(queuetest.At(7, 1))
	f.checkIn = func(tok string) {
		t.Helper()
		if _, err := f.s.CheckIn(ctx, f.m, "s1", tok); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// testForecastFresh: a resident's read of a ticket at a site that changed
// answers at once with the site's last forecast when the model made it
// less than ForecastFresh ago and it gives the ticket a turn, and the model
// runs again behind the answer, so that the next read has the new one; a
// party that checked in since the last run, or a read of a site whose last
// forecast is older, waits for the run, whose answer is of now.
func testForecastFresh(t *testing.T, st queuetest.Store) {
	f := newForecastSite(t, st)
	s, clk, toks, checkIn := f.s, f.clk, f.toks, f.checkIn
	// made reads tok and returns when its forecast was made; the test
	// fails when it has none.
	made := func(what, tok string) time.Time {
		t.Helper()
		tv, err := s.Ticket(ctx, tok)
		if err != nil || tv.Forecast == nil {
			t.Fatalf("%s: Ticket(%s) = %+v, %v; want it with a forecast", what, tok, tv, err)
		}
		return tv.Forecast.Made
	}
	hms := func(x time.Time) string { return x.Format("15:04:05.000") }

	checkIn(toks[0])
	first := clk.Now()
	if got := made("the first read", toks[0]); !got.Equal(first) {
		t.Fatalf("the first read's forecast was made at %s, want now (%s)", hms(got), hms(first))
	}
	run0, kept0 := queue.ForecastCounts(s)

	// A second later the site changes: the read answers with the last
	// forecast, and the model runs behind it.
	clk.Set(first.Add(time.Second))
	checkIn(toks[1])
	if got := made("a second after the last run", toks[0]); !got.Equal(first) {
		t.Errorf("a second after the last run, a read after a check-in has a forecast made at %s; want the last (%s) at once, the run behind it",
			hms(got), hms(first))
	}
	deadline := time.Now().Add(10 * time.Second)
	for run, _ := queue.ForecastCounts(s); run < run0+1; run, _ = queue.ForecastCounts(s) {
		if time.Now().After(deadline) {
			t.Fatalf("10 s after a read answered with the last forecast the model has run %v times, want %v: no run behind the answer", run, run0+1)
		}
		time.Sleep(time.Millisecond)
	}
	if got := made("after the run behind the answer", toks[0]); !got.Equal(clk.Now()) {
		t.Errorf("after the run behind the answer, the forecast was made at %s, want %s", hms(got), hms(clk.Now()))
	}
	if got := made("the party checked in a second ago", toks[1]); !got.Equal(clk.Now()) {
		t.Errorf("the newcomer's forecast was made at %s, want %s (the run behind the answer)", hms(got), hms(clk.Now()))
	}
	if run, kept := queue.ForecastCounts(s); run != run0+1 || kept != kept0+1 {
		t.Errorf("the model ran %v times and reads were given a kept forecast %v times; want %v and %v", run, kept, run0+1, kept0+1)
	}

	// A party that checked in since the last run has no turn in it: its
	// read waits for the run.
	clk.Set(clk.Now().Add(time.Second))
	checkIn(toks[2])
	if got := made("a party checked in since the last run", toks[2]); !got.Equal(clk.Now()) {
		t.Errorf("a party checked in since the last run has a forecast made at %s, want one of now (%s)", hms(got), hms(clk.Now()))
	}

	// A last forecast ForecastFresh old: the read waits for the run.
	clk.Set(clk.Now().Add(queue.ForecastFresh))
	checkIn(toks[3])
	if got := made(fmt.Sprint(queue.ForecastFresh, " after the last run"), toks[0]); !got.Equal(clk.Now()) {
		t.Errorf("%v after the last run, a read after a check-in has a forecast made at %s, want one of now (%s)",
			queue.ForecastFresh, hms(got), hms(clk.Now()))
	}
}

// testForecastBudget: once the model has used its share of the cores
// (Options.ForecastShare), a read of a site that changed gets the site's
// last forecast, with no line read and no run, so a party that checked in
// since has no turn yet; a site whose last forecast is ForecastTTL old
// runs the model whatever the budget; once the budget has filled again,
// the next read after a change runs it; and while the model runs on every
// core it may hold at once, the last forecast stands as well.
func testForecastBudget(t *testing.T, st queuetest.Store) {
	f := newForecastSite(t, st)
	c, s, clk, m, toks, checkIn := f.c, f.s, f.clk, f.m, f.toks, f.checkIn
	// line reads s1's line: its forecast's time, and the turn of tok (nil
	// when it has none; the test fails when tok is not in line).
	line := func(tok string) (time.Time, *queue.Turn) {
		t.Helper()
		l, err := s.Line(ctx, m, "s1")
		return turnIn(t, l, err, tok)
	}
	counts := func(wantRun, wantKept float64) {
		t.Helper()
		if run, kept := queue.ForecastCounts(s); run != wantRun || kept != wantKept {
			t.Errorf("the model ran %v times and reads were given a kept forecast %v times; want %v and %v", run, kept, wantRun, wantKept)
		}
	}

	checkIn(toks[0])
	ran := clk.Now()
	if at, tn := line(toks[0]); !at.Equal(ran) || tn == nil {
		t.Fatalf("the first line read's forecast is of %s, turn %+v; want one of now with a turn", at.Format("15:04:05.000"), tn)
	}
	run0, kept0 := queue.ForecastCounts(s)

	// Over the budget: the site's last forecast stands, for the line and
	// for a ticket, and neither reads the line again.
	queue.OverdrawForecastBudget(s)
	clk.Set(ran.Add(queue.ForecastRecheck))
	checkIn(toks[1])
	if at, tn := line(toks[1]); !at.Equal(ran) || tn != nil {
		t.Errorf("over the budget a line read after a check-in has a forecast of %s and the newcomer's turn %+v; want the last (%s), no turn",
			at.Format("15:04:05.000"), tn, ran.Format("15:04:05.000"))
	}
	hook := &tripCounter{}
	c.AddHook(hook)
	before := hook.n.Load()
	if tv, err := s.Ticket(ctx, toks[0]); err != nil || tv.Forecast == nil {
		t.Errorf("over the budget a ticket in line = %+v, %v; want it with the kept forecast's turn", tv, err)
	}
	if n := hook.n.Load() - before; n > 3 {
		t.Errorf("over the budget a ticket read took %d round trips, want at most 3 (the ticket's own)", n)
	}
	counts(run0, kept0+2)

	// A forecast ForecastTTL old is not kept: the model runs.
	clk.Set(ran.Add(queue.ForecastTTL))
	if at, tn := line(toks[1]); !at.Equal(clk.Now()) || tn == nil {
		t.Errorf("over the budget, %v after the last run, the line's forecast is of %s, the newcomer's turn %+v; want a run of now with a turn",
			queue.ForecastTTL, at.Format("15:04:05.000"), tn)
	}
	counts(run0+1, kept0+2)

	// The budget filled again: a change's next read runs the model.
	queue.RefillForecastBudget(s)
	ran = clk.Now()
	clk.Set(ran.Add(queue.ForecastRecheck))
	checkIn(toks[2])
	if at, tn := line(toks[2]); !at.Equal(clk.Now()) || tn == nil {
		t.Errorf("with the budget back, a line read after a check-in has a forecast of %s, the newcomer's turn %+v; want a run of now with a turn",
			at.Format("15:04:05.000"), tn)
	}
	counts(run0+2, kept0+2)

	// The model busy on every core it may hold at once (runs for other
	// sites): a changed site's last forecast stands, and the next read
	// once they are over runs it.
	ran = clk.Now()
	release := queue.HoldModelRuns(s)
	clk.Set(ran.Add(queue.ForecastRecheck))
	checkIn(toks[3])
	type read struct {
		l   *queue.SiteLine
		err error
	}
	got := make(chan read, 1)
	go func() { l, err := s.Line(ctx, m, "s1"); got <- read{l, err} }()
	select {
	case r := <-got:
		if at, tn := turnIn(t, r.l, r.err, toks[3]); !at.Equal(ran) || tn != nil {
			t.Errorf("with the model busy a line read after a check-in has a forecast of %s and the newcomer's turn %+v; want the last (%s), no turn",
				at.Format("15:04:05.000"), tn, ran.Format("15:04:05.000"))
		}
	case <-time.After(10 * time.Second):
		release()
		<-got
		t.Fatal("with the model busy a line read after a check-in waited for it, want the last forecast at once")
	}
	counts(run0+2, kept0+3)
	release()
	if at, tn := line(toks[3]); !at.Equal(clk.Now()) || tn == nil {
		t.Errorf("once the model's runs are over, the line's forecast is of %s, the newcomer's turn %+v; want a run of now with a turn",
			at.Format("15:04:05.000"), tn)
	}
	counts(run0+3, kept0+3)
}
