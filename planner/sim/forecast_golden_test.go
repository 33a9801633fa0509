package sim

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "write testdata/forecast_busy.golden.json from the forecast as it is now")

// busySite is a busy site in the morning, as the queue service hands it
// to Forecast: four desks (two with a party at them), thirty parties of one
// to three in line, two hundred samples with their desk times, and
// coming parties of one to four over n windows of fifteen minutes
// (perWindow each), the first under way.
func busySite(t0 time.Time, windows, perWindow int) SiteNow {
	s := SiteNow{Now: t0, Desks: 4}
	for i := 0; i < 30; i++ {
		x := InLine{Ticket: fmt.Sprint("l", i), Party: 1 + i%3, CheckIn: t0.Add(-time.Duration(30-i) * 20 * time.Second)}
		if i < 2 {
			x.CalledAt = t0.Add(-time.Duration(10+i*25) * time.Second)
		}
		s.Line = append(s.Line, x)
	}
	for i := 0; i < 200; i++ {
		at := t0.Add(-time.Duration(200-i) * 15 * time.Second)
		s.Samples = append(s.Samples, Sampled{Party: 1 + i%2, CalledAt: at.Add(-time.Duration(25+i%40) * time.Second), At: at})
	}
	for w := 0; w < windows; w++ {
		start := t0.Add(time.Duration(w*15-5) * time.Minute)
		for i := 0; i < perWindow; i++ {
			s.Coming = append(s.Coming, Booked{Ticket: fmt.Sprint("c", w, "-", i), Party: 1 + (i*7+w)%4, Start: start, End: start.Add(15 * time.Minute)})
		}
	}
	return s
}

// forecastParams are the queue service's (queue.Service.ForecastParams).
func forecastParams() Params {
	p := DefaultParams()
	p.Runs, p.Seed = 50, 1
	return p
}

// TestForecastUnchanged holds a busy site's forecast, every turn of it, to
// what it was when the model was last changed on purpose: a change made
// for speed must not move a single second. Run with -update to write it
// anew after a change of the model itself.
func TestForecastUnchanged(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 10, 0, 0, time.FixedZone("CST", 8*3600))
	f, err := Forecast(busySite(t0, 6, 40), 120, forecastParams())
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/forecast_busy.golden.json"
	if *update {
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(got, '\n'), want) {
		var w SiteForecast
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		for i := range min(len(w.Coming), len(f.Coming)) {
			if w.Coming[i] != f.Coming[i] {
				t.Errorf("coming %d: %+v, want %+v", i, f.Coming[i], w.Coming[i])
				break
			}
		}
		for i := range min(len(w.Line), len(f.Line)) {
			if w.Line[i] != f.Line[i] {
				t.Errorf("line %d: %+v, want %+v", i, f.Line[i], w.Line[i])
				break
			}
		}
		t.Fatalf("the forecast differs from %s", golden)
	}
}

// BenchmarkForecast is the queue's forecast of a busy site: 30 parties in
// line and coming ones over six windows, 600 or (the bench compound's
// sites hold ~8,300 seats each) 8,000 people's parties.
func BenchmarkForecast(b *testing.B) {
	t0 := time.Date(2026, 12, 1, 8, 10, 0, 0, time.UTC)
	for _, per := range []int{40, 530} {
		s := busySite(t0, 6, per)
		b.Run(fmt.Sprint("coming=", len(s.Coming)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Forecast(s, 120, forecastParams()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestSortArrivals checks the radix sort against a stable comparison
// sort, on times with many ties (whole seconds), fractions, zeros and
// one-element and empty runs.
func TestSortArrivals(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 17, 1000, 5000} {
		for _, whole := range []bool{true, false} {
			arr := make([]arrival, n)
			for i := range arr {
				x := rng.Float64() * 7200
				if whole {
					x = math.Floor(x / 60)
				}
				if rng.IntN(10) == 0 {
					x = 0
				}
				arr[i] = arrival{x, i}
			}
			want := slices.Clone(arr)
			slices.SortStableFunc(want, func(a, b arrival) int { return cmp.Compare(a.t, b.t) })
			got, spare := sortArrivals(slices.Clone(arr), make([]arrival, n))
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d whole=%v: sorted differently", n, whole)
			}
			if len(spare) < n {
				t.Fatalf("n=%d: %d spare left, want at least %d for the next run", n, len(spare), n)
			}
		}
	}
}

// q is the f-quantile of sorted xs, taken at place: what spread and nth
// must find without sorting.
func q(xs []float64, f float64) float64 {
	if len(xs) == 0 {
		return math.Inf(1)
	}
	return xs[place(len(xs), f)]
}

// TestSpread checks the selections against q on sorted copies, for every
// length up to 200, on values with ties and infinities.
func TestSpread(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 200; n++ {
		xs := make([]float64, n)
		for i := range xs {
			switch rng.IntN(6) {
			case 0:
				xs[i] = math.Inf(1)
			case 1, 2:
				xs[i] = float64(rng.IntN(5))
			default:
				xs[i] = rng.Float64() * 1000
			}
		}
		sorted := slices.Clone(xs)
		slices.Sort(sorted)
		lo, mid, hi := spread(slices.Clone(xs))
		if lo != q(sorted, 0.1) || mid != q(sorted, 0.5) || hi != q(sorted, 0.9) {
			t.Fatalf("n=%d: spread %v %v %v, want %v %v %v", n, lo, mid, hi, q(sorted, 0.1), q(sorted, 0.5), q(sorted, 0.9))
		}
		for k := range n {
			if got := nth(slices.Clone(xs), k); got != sorted[k] {
				t.Fatalf("n=%d: nth %d = %v, want %v", n, k, got, sorted[k])
			}
		}
	}
}

// TestPartyDrawnAtOnce: a party's desk time is drawn as one gamma of its
// people's summed shape, which is the sum of their times in law. A line
// of 100 parties of three and one of 300 people alone, at one desk,
// forecast the last person's turn alike: its median and its spread.
func TestPartyDrawnAtOnce(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	last := func(party, n int) Turn {
		s := SiteNow{Now: t0, Desks: 1}
		for i := range n {
			s.Line = append(s.Line, InLine{Ticket: fmt.Sprint(i), Party: party, CheckIn: t0})
		}
		s.Line = append(s.Line, InLine{Ticket: "last", Party: 1, CheckIn: t0})
		p := forecastParams()
		p.Runs = 1000
		f, err := Forecast(s, 120, p)
		if err != nil {
			t.Fatal(err)
		}
		return f.Line[n]
	}
	threes, ones := last(3, 100), last(1, 300)
	med := func(x Turn) float64 { return x.At.Sub(t0).Seconds() }
	spread := func(x Turn) float64 { return x.Late.Sub(x.Early).Seconds() }
	// 300 people at 30 s, cv 0.3: a median of 9,000 s, the 10-90% spread
	// about 2.56 x 0.3 x 30 x sqrt(300) = 400 s.
	if d := math.Abs(med(threes)-med(ones)) / med(ones); d > 0.01 {
		t.Errorf("median turn %v s by parties of three, %v s one by one: %.1f%% apart", med(threes), med(ones), 100*d)
	}
	if d := math.Abs(spread(threes)-spread(ones)) / spread(ones); d > 0.2 {
		t.Errorf("10-90%% spread %v s by parties of three, %v s one by one: %.0f%% apart", spread(threes), spread(ones), 100*d)
	}
}
