package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// SiteNow is what the queue service knows of one site at a moment: the
// basis of a forecast during the day.
type SiteNow struct {
	Now   time.Time
	Desks int      // desks sampling now
	Line  []InLine // checked in or called, in line order (those called first)
	// Samples are the site's samples so far; those with a call time
	// measure how long a desk takes a person.
	Samples []Sampled
	Coming  []Booked // tickets for the site not yet checked in
}

// InLine is a party checked in, or called to a desk.
type InLine struct {
	Ticket   string
	Party    int
	CheckIn  time.Time
	CalledAt time.Time // zero while waiting
}

// Sampled is one party sampled.
type Sampled struct {
	Party    int
	CalledAt time.Time // zero when unknown
	At       time.Time
}

// Booked is a ticket still to come, with its window.
type Booked struct {
	Ticket     string
	Party      int
	Start, End time.Time
}

// Turn is a party's forecast: when a desk should take it, as the median
// over the runs, and the runs' tenth and ninetieth percentiles.
type Turn struct {
	Ticket string        `json:"ticket"`
	Ahead  int           `json:"ahead"` // people ahead of it now (in line only)
	At     time.Time     `json:"at"`
	Early  time.Time     `json:"early"`
	Late   time.Time     `json:"late"`
	Wait   time.Duration `json:"wait"` // median wait in line (from now, or from its arrival)
}

// SiteForecast is a forecast for one site.
type SiteForecast struct {
	Rate     float64 `json:"rate"`     // samples per desk per hour the forecast uses
	Measured int     `json:"measured"` // people whose desk time it was measured on
	Line     []Turn  `json:"line"`     // the parties in line, in order
	Coming   []Turn  `json:"coming"`   // the tickets still to come, by ticket order given
	// Method says how it is computed, in one line (Chinese, then English),
	// for the pages to show.
	Method string `json:"method"`
}

// priorSamples is how many people the plan's rate counts as, against the
// people measured: the forecast trusts the day's own desks more as they
// sample more.
const priorSamples = 20

// Forecast runs the model forward from what the queue knows now: desks
// take the line in order, each person at the site's measured pace (the
// plan's rate until enough people have been sampled, then mostly the
// day's own), with p.ServiceCV's spread; the tickets to come arrive
// around their windows as p says (early, late, no-shows) and queue
// behind. p.Runs runs (50 to 1000), seed p.Seed.
func Forecast(s SiteNow, planRate float64, p Params) (*SiteForecast, error) {
	if s.Desks < 0 || planRate <= 0 {
		return nil, fmt.Errorf("sim: forecast needs desks and the plan's rate")
	}
	for _, x := range s.Line {
		if x.Party < 1 {
			return nil, fmt.Errorf("sim: forecast: ticket %s has party %d", x.Ticket, x.Party)
		}
	}
	// The measured desk time per person, blended with the plan's.
	n, sum := 0, 0.0
	for _, x := range s.Samples {
		if !x.CalledAt.IsZero() && x.At.After(x.CalledAt) && x.Party > 0 {
			n += x.Party
			sum += x.At.Sub(x.CalledAt).Seconds()
		}
	}
	mean := (sum + priorSamples*3600/planRate) / float64(n+priorSamples)
	out := &SiteForecast{Rate: 3600 / mean, Measured: n,
		Method: fmt.Sprintf("按前面的人数、%d 个采样台、每台每小时约 %.0f 人（今天已采 %d 人实测，与方案的 %.0f 人加权）推算，取模拟中位数 / "+
			"from the people ahead, %d desks at about %.0f samples a desk an hour (measured on %d people today, weighed with the plan's %.0f), the median of the model's runs",
			s.Desks, 3600/mean, n, planRate, s.Desks, 3600/mean, n, planRate)}
	runs := min(max(p.Runs, 50), 1000)
	rng := rand.New(rand.NewPCG(uint64(p.Seed), 0x666f7265))
	// draw is a party's desk time, the sum of its people's: each a gamma
	// of mean mean and p.ServiceCV's spread (shape k = 1/cv², an
	// exponential at cv 1), so the sum is one gamma of shape party*k,
	// drawn at once.
	draw := func(party int) float64 {
		switch cv := p.ServiceCV; {
		case cv == 0:
			return mean * float64(party)
		case cv == 1 && party == 1:
			return mean * rng.ExpFloat64()
		default:
			k := 1 / (cv * cv)
			return gamma(rng, float64(party)*k) * mean / k
		}
	}
	now := 0.0
	sec := func(t time.Time) float64 { return t.Sub(s.Now).Seconds() }
	// Every party's runs go in one slab allocated once, runs values a
	// party; the tickets' times are turned into seconds from now once,
	// not in every run.
	slab := make([]float64, (len(s.Line)+2*len(s.Coming))*runs)
	take := func() []float64 {
		xs := slab[:0:runs]
		slab = slab[runs:]
		return xs
	}
	lineAt := make([][]float64, len(s.Line))
	calledAt := make([]float64, len(s.Line))
	for i, x := range s.Line {
		lineAt[i] = take()
		calledAt[i] = sec(x.CalledAt)
	}
	comeAt := make([][]float64, len(s.Coming))
	comeWait := make([][]float64, len(s.Coming))
	type window struct{ start, length, earliest float64 }
	windows := make([]window, len(s.Coming))
	for i, b := range s.Coming {
		comeAt[i], comeWait[i] = take(), take()
		windows[i] = window{sec(b.Start), b.End.Sub(b.Start).Seconds(), math.Max(now, sec(b.Start)-float64(p.Early)*60)}
	}
	free := make([]float64, max(s.Desks, 1))
	arr, spare := make([]arrival, 0, len(s.Coming)), make([]arrival, len(s.Coming))
	for r := 0; r < runs; r++ {
		for k := range free {
			free[k] = now
		}
		if s.Desks == 0 {
			free[0] = math.Inf(1)
		}
		serve := func(at float64, party int) float64 {
			k := 0 // the desk free first
			for j := range free {
				if free[j] < free[k] {
					k = j
				}
			}
			start := math.Max(at, free[k])
			free[k] = start + draw(party)
			return start
		}
		called := 0
		for i, x := range s.Line {
			if !x.CalledAt.IsZero() && called < len(free) {
				// At a desk: what is left of its time, at least a tenth
				// of a sample.
				free[called] = math.Max(now+0.1*mean, calledAt[i]+draw(x.Party))
				called++
				lineAt[i] = append(lineAt[i], calledAt[i])
				continue
			}
			lineAt[i] = append(lineAt[i], serve(now, x.Party))
		}
		arr = arr[:0]
		for i := range s.Coming {
			u := rng.Float64()
			if u < p.NoShowShare {
				continue
			}
			w := windows[i]
			at := w.start + rng.Float64()*w.length
			switch v := rng.Float64(); {
			case v < p.EarlyShare:
				at -= offset(rng, p.EarlyMean)
			case v < p.EarlyShare+p.LateShare:
				at += offset(rng, p.LateMean)
			}
			arr = append(arr, arrival{math.Max(at, w.earliest), i})
		}
		arr, spare = sortArrivals(arr, spare)
		for _, a := range arr {
			start := serve(a.t, s.Coming[a.i].Party)
			comeAt[a.i] = append(comeAt[a.i], start)
			comeWait[a.i] = append(comeWait[a.i], start-a.t)
		}
	}
	at := func(x float64) time.Time {
		if math.IsInf(x, 1) {
			return time.Time{}
		}
		return s.Now.Add(time.Duration(x * float64(time.Second))).Round(time.Second)
	}
	ahead := 0
	for i, x := range s.Line {
		xs := lineAt[i]
		lo, mid, hi := spread(xs)
		t := Turn{Ticket: x.Ticket, Ahead: ahead, At: at(mid), Early: at(lo), Late: at(hi)}
		if !t.At.IsZero() {
			t.Wait = max(0, t.At.Sub(s.Now))
		}
		out.Line = append(out.Line, t)
		ahead += x.Party
	}
	for i, b := range s.Coming {
		xs, ws := comeAt[i], comeWait[i]
		t := Turn{Ticket: b.Ticket}
		if len(xs) > 0 {
			lo, mid, hi := spread(xs)
			t.At, t.Early, t.Late = at(mid), at(lo), at(hi)
			if w := nth(ws, place(len(ws), 0.5)); !math.IsInf(w, 0) {
				t.Wait = time.Duration(w * float64(time.Second)).Round(time.Second)
			}
		}
		out.Coming = append(out.Coming, t)
	}
	return out, nil
}

// place is where the f-quantile of n sorted values is taken.
func place(n int, f float64) int { return min(n-1, int(f*float64(n))) }

// spread is a party's tenth, fiftieth and ninetieth percentiles over its
// runs xs, as taken from xs sorted at place (+Inf for none), found by
// selection rather than a sort: xs is reordered.
func spread(xs []float64) (lo, mid, hi float64) {
	if len(xs) == 0 {
		return math.Inf(1), math.Inf(1), math.Inf(1)
	}
	n := len(xs)
	h, m, l := place(n, 0.9), place(n, 0.5), place(n, 0.1)
	// Each selection leaves the smaller values before its place, so
	// the next looks only there.
	hi = nth(xs, h)
	mid = nth(xs[:h+1], m)
	lo = nth(xs[:m+1], l)
	return lo, mid, hi
}

// nth reorders xs so that xs[k] is the value a sort would put there,
// none after it smaller and none before it larger, and returns it
// (+Inf when xs is empty). Quickselect, the middle of three as pivot.
func nth(xs []float64, k int) float64 {
	if len(xs) == 0 {
		return math.Inf(1)
	}
	lo, hi := 0, len(xs)-1
	for hi-lo > 8 {
		m := lo + (hi-lo)/2
		if xs[m] < xs[lo] {
			xs[m], xs[lo] = xs[lo], xs[m]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[m] {
			xs[hi], xs[m] = xs[m], xs[hi]
		}
		pivot := xs[m]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for pivot < xs[j] {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k] // between the two: equal to the pivot
		}
	}
	for i := lo + 1; i <= hi; i++ { // a few left: insertion
		for j := i; j > lo && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
	return xs[k]
}

// arrival is a coming party's arrival in one run: its time (seconds from
// now, never before now) and its place in SiteNow.Coming.
type arrival struct {
	t float64
	i int
}

// sortArrivals sorts arr by time, and by place among equal times, with
// spare (as long) as the other buffer; it returns the sorted slice and
// the buffer left over. A radix sort of the times' bits, which for times
// of zero or more order as the times do: stable, so the places, which
// come in order, stay in order among equal times; a day's few thousand
// arrivals sort in a tenth of what a comparison sort takes.
func sortArrivals(arr, spare []arrival) ([]arrival, []arrival) {
	if len(arr) < 2 {
		return arr, spare
	}
	src, dst := arr, spare[:len(arr)]
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		clear(count[:])
		for _, a := range src {
			count[byte(math.Float64bits(a.t)>>shift)]++
		}
		if count[byte(math.Float64bits(src[0].t)>>shift)] == len(src) {
			continue // every time has this byte: nothing to move
		}
		at := 0
		for b, n := range count {
			count[b] = at
			at += n
		}
		for _, a := range src {
			b := byte(math.Float64bits(a.t) >> shift)
			dst[count[b]] = a
			count[b]++
		}
		src, dst = dst, src
	}
	return src, dst[:cap(dst)]
}
