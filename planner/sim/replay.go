package sim

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"natq/planner/errs"
)

// LogEntry is one ticket of a round as the queue service keeps it (its
// ticket fields): a finished round's log, exported, is what Replay
// compares the model with. Times are zero when the step never happened.
type LogEntry struct {
	Ticket      string    `json:"ticket"`
	Building    string    `json:"building"`
	Unit        string    `json:"unit,omitempty"`
	Party       int       `json:"party"`
	Variant     string    `json:"variant"`
	Site        string    `json:"site"`
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	BookedAt    time.Time `json:"booked_at,omitzero"`
	CheckedIn   time.Time `json:"checked_in_at,omitzero"`
	CalledAt    time.Time `json:"called_at,omitzero"`
	SampledAt   time.Time `json:"sampled_at,omitzero"`
	State       string    `json:"state"`
}

// logColumns is the CSV log's header, in order.
var logColumns = []string{"ticket", "building", "unit", "party", "variant", "site", "window_start", "window_end",
	"booked_at", "checked_in_at", "called_at", "sampled_at", "state"}

// logErrorf is an event log the replay cannot read (errs.Invalid).
func logErrorf(format string, a ...any) error { return errs.Invalidf("sim: log: "+format, a...) }

// ReadLog reads an event log: a JSON array of LogEntry, or a CSV file
// with a header naming at least party, site, window_start, window_end,
// checked_in_at and sampled_at (the columns of WriteLog, in any order).
func ReadLog(r io.Reader) ([]LogEntry, error) {
	data, err := io.ReadAll(io.LimitReader(r, 256<<20))
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		var out []LogEntry
		if err := json.Unmarshal(t, &out); err != nil {
			return nil, logErrorf("not a JSON list of tickets: %v", err)
		}
		for i, e := range out {
			if e.Party < 1 || e.Site == "" {
				return nil, logErrorf("entry %d: party %d, site %q: want a party of at least one and a site", i, e.Party, e.Site)
			}
		}
		return out, nil
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, logErrorf("not CSV: %v", err)
	}
	if len(rows) == 0 {
		return nil, logErrorf("empty")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	for _, need := range []string{"party", "site", "window_start", "window_end", "checked_in_at", "sampled_at"} {
		if _, ok := col[need]; !ok {
			return nil, logErrorf("the header lacks the column %q (want %s)", need, strings.Join(logColumns, ","))
		}
	}
	var out []LogEntry
	for n, row := range rows[1:] {
		line := n + 2
		get := func(k string) string {
			if i, ok := col[k]; ok && i < len(row) {
				return strings.TrimSpace(row[i])
			}
			return ""
		}
		tm := func(k string) (time.Time, error) {
			s := get(k)
			if s == "" {
				return time.Time{}, nil
			}
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return t, logErrorf("line %d: %s %q is not an RFC 3339 time", line, k, s)
			}
			return t, nil
		}
		e := LogEntry{Ticket: get("ticket"), Building: get("building"), Unit: get("unit"), Variant: get("variant"),
			Site: get("site"), State: get("state")}
		if e.Party, err = strconv.Atoi(get("party")); err != nil || e.Party < 1 {
			return nil, logErrorf("line %d: party %q is not a number of people", line, get("party"))
		}
		if e.Site == "" {
			return nil, logErrorf("line %d: no site", line)
		}
		for _, f := range []struct {
			k string
			t *time.Time
		}{{"window_start", &e.WindowStart}, {"window_end", &e.WindowEnd}, {"booked_at", &e.BookedAt},
			{"checked_in_at", &e.CheckedIn}, {"called_at", &e.CalledAt}, {"sampled_at", &e.SampledAt}} {
			if *f.t, err = tm(f.k); err != nil {
				return nil, err
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// WriteLog writes a log as CSV, the format ReadLog reads.
func WriteLog(w io.Writer, log []LogEntry) error {
	cw := csv.NewWriter(w)
	cw.Write(logColumns)
	f := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	for _, e := range log {
		cw.Write([]string{e.Ticket, e.Building, e.Unit, strconv.Itoa(e.Party), e.Variant, e.Site, f(e.WindowStart), f(e.WindowEnd),
			f(e.BookedAt), f(e.CheckedIn), f(e.CalledAt), f(e.SampledAt), e.State})
	}
	cw.Flush()
	return cw.Error()
}

// Log is the run as the queue service would have logged it: one entry
// per party (a walk-in booked as it checks in), in the order booked.
// Only a run from RunOnce has one.
func (r *Run) Log() []LogEntry {
	pr := r.prep
	l := pr.loc()
	at := func(s float64) time.Time { return pr.at(s).In(l) }
	out := make([]LogEntry, 0, len(r.parties))
	night := pr.origin.Add(-12 * time.Hour).In(l)
	for i := range r.parties {
		x := &r.parties[i]
		g := pr.groups[x.g]
		e := LogEntry{Ticket: strconv.Itoa(i + 1), Building: g.building, Unit: g.unit, Party: int(x.size),
			Variant: r.cur.v.Name, Site: pr.sites[x.site], BookedAt: night, State: "booked"}
		if x.win >= 0 {
			w := r.cur.wins[x.win]
			e.WindowStart, e.WindowEnd = at(w.start), at(w.end)
		}
		if x.oi > 0 {
			o := r.outs[x.oi-1]
			e.CheckedIn, e.CalledAt = at(o.checkIn), at(o.checkIn+o.wait)
			if o.done > 0 {
				e.SampledAt, e.State = at(o.done), "sampled"
			}
			if x.win < 0 {
				e.BookedAt = e.CheckedIn
				// The site books a walk-in into the window it comes in.
				for _, w := range pr.start.wins {
					if w.site == int(o.site) && w.start <= o.checkIn && o.checkIn < w.end {
						e.WindowStart, e.WindowEnd = at(w.start), at(w.end)
					}
				}
				if e.WindowStart.IsZero() {
					e.WindowStart, e.WindowEnd = e.CheckedIn, e.CheckedIn.Add(15*time.Minute)
				}
			}
		} else if x.kind == kNoShow {
			e.State = "no_show"
		}
		if x.kind == kWalkin && x.oi == 0 {
			continue // never came, never booked
		}
		out = append(out, e)
	}
	return out
}

// Measured are the model's parameters as a log shows them.
type Measured struct {
	Tickets     int     `json:"tickets"`
	People      int     `json:"people_sampled"`
	SampleS     float64 `json:"sample_s"`  // mean desk time a person, called to sampled
	SampleCV    float64 `json:"sample_cv"` // its spread
	NoShowShare float64 `json:"noshow_share"`
	WalkinShare float64 `json:"walkin_share"` // booked as they checked in
	EarlyShare  float64 `json:"early_share"`  // checked in before the window
	EarlyMean   float64 `json:"early_mean_min"`
	LateShare   float64 `json:"late_share"` // checked in after the window
	LateMean    float64 `json:"late_mean_min"`
}

// Actual is a site's day as the log shows it.
type Actual struct {
	Site        string  `json:"site"`
	People      int     `json:"people"`
	MaxLine     int     `json:"max_line"`
	WaitP50     float64 `json:"wait_p50_min"`
	WaitP95     float64 `json:"wait_p95_min"`
	WaitMax     float64 `json:"wait_max_min"`
	LastSampled string  `json:"last_sampled"`
}

// Replay is a finished round compared with the model: what happened,
// the parameters it shows, and the model's prediction with the
// parameters given (the night before's) and with those measured.
type Replay struct {
	Variant    string    `json:"variant"`
	Actual     []Actual  `json:"actual"`
	Measured   Measured  `json:"measured"`
	Calibrated Params    `json:"calibrated"`
	Predicted  *Scenario `json:"predicted"`
	Refit      *Scenario `json:"predicted_calibrated"`
}

// ReplayLog compares a round's log with the model on the plan's day.
func ReplayLog(d *Day, log []LogEntry, p Params) (*Replay, error) {
	if len(log) == 0 {
		return nil, logErrorf("no tickets")
	}
	rep := &Replay{Variant: log[0].Variant}
	if d.Variant(rep.Variant) == nil {
		rep.Variant = d.Variants[0].Name
	}
	m := &rep.Measured
	m.Tickets = len(log)
	type ev struct {
		t     time.Time
		delta int
	}
	evs := map[string][]ev{}
	waits := map[string][]wrec{}
	last := map[string]time.Time{}
	type desk struct {
		t float64 // s at the desk, called to sampled
		k int     // people
	}
	var svc []desk
	early, late, walkin, noshow, booked := 0, 0, 0, 0, 0
	earlySum, lateSum := 0.0, 0.0
	for _, e := range log {
		if e.CheckedIn.IsZero() {
			noshow++
			booked++
			continue
		}
		if !e.BookedAt.IsZero() && e.CheckedIn.Sub(e.BookedAt) < 5*time.Minute {
			walkin++
		} else {
			booked++
			switch {
			case !e.WindowStart.IsZero() && e.CheckedIn.Before(e.WindowStart):
				early++
				earlySum += e.WindowStart.Sub(e.CheckedIn).Minutes()
			case !e.WindowEnd.IsZero() && e.CheckedIn.After(e.WindowEnd):
				late++
				lateSum += e.CheckedIn.Sub(e.WindowEnd).Minutes()
			}
		}
		leave := e.SampledAt
		if leave.IsZero() {
			leave = e.CalledAt
		}
		evs[e.Site] = append(evs[e.Site], ev{e.CheckedIn, e.Party})
		if !leave.IsZero() {
			evs[e.Site] = append(evs[e.Site], ev{leave, -e.Party})
		}
		if e.SampledAt.IsZero() {
			continue
		}
		start := e.CalledAt
		if start.IsZero() {
			start = e.SampledAt
		}
		waits[e.Site] = append(waits[e.Site], wrec{math.Max(0, start.Sub(e.CheckedIn).Minutes()), e.Party})
		m.People += e.Party
		if e.SampledAt.After(last[e.Site]) {
			last[e.Site] = e.SampledAt
		}
		if !e.CalledAt.IsZero() && e.SampledAt.After(e.CalledAt) {
			svc = append(svc, desk{e.SampledAt.Sub(e.CalledAt).Seconds(), e.Party})
		}
	}
	sites := make([]string, 0, len(evs))
	for s := range evs {
		sites = append(sites, s)
	}
	sort.Strings(sites)
	for _, s := range sites {
		x := evs[s]
		sort.Slice(x, func(i, j int) bool { return x[i].t.Before(x[j].t) || x[i].t.Equal(x[j].t) && x[i].delta < x[j].delta })
		a := Actual{Site: s}
		occ := 0
		for _, e := range x {
			occ += e.delta
			a.MaxLine = max(a.MaxLine, occ)
		}
		for _, w := range waits[s] {
			a.People += w.size
		}
		a.WaitP50, a.WaitP95, a.WaitMax, _, _ = percentiles(waits[s])
		if t := last[s]; !t.IsZero() {
			a.LastSampled = t.In(loc(d)).Format("15:04")
		}
		rep.Actual = append(rep.Actual, a)
	}
	if len(svc) > 0 {
		// A party of k takes k samples: its time has k times a sample's
		// mean and variance, so the per-sample spread is the parties'
		// squared deviations from k x mean over the people.
		sum, people := 0.0, 0
		for _, x := range svc {
			sum += x.t
			people += x.k
		}
		mean := sum / float64(people)
		dev := 0.0
		for _, x := range svc {
			dev += (x.t - float64(x.k)*mean) * (x.t - float64(x.k)*mean)
		}
		m.SampleS, m.SampleCV = mean, math.Sqrt(dev/float64(people))/mean
	}
	share := func(k, n int) float64 {
		if n == 0 {
			return 0
		}
		return float64(k) / float64(n)
	}
	came := len(log) - noshow
	m.NoShowShare = share(noshow, booked)
	m.WalkinShare = share(walkin, len(log))
	m.EarlyShare, m.LateShare = share(early, came-walkin), share(late, came-walkin)
	if early > 0 {
		m.EarlyMean = earlySum / float64(early)
	}
	if late > 0 {
		m.LateMean = lateSum / float64(late)
	}
	cal := p
	if m.SampleS > 0 {
		cal.Rate, cal.ServiceCV = math.Round(3600/m.SampleS*10)/10, math.Round(m.SampleCV*100)/100
	}
	cal.NoShowShare, cal.WalkinShare = m.NoShowShare, m.WalkinShare
	cal.EarlyShare, cal.LateShare = m.EarlyShare, m.LateShare
	if m.EarlyMean > 0 {
		cal.EarlyMean = Minutes(m.EarlyMean)
	}
	if m.LateMean > 0 {
		cal.LateMean = Minutes(m.LateMean)
	}
	rep.Calibrated = cal
	var err error
	if rep.Predicted, err = scenario(d, "predicted ("+rep.Variant+", parameters given)", rep.Variant, "", p); err != nil {
		return nil, err
	}
	if rep.Refit, err = scenario(d, "predicted ("+rep.Variant+", parameters measured from the log)", rep.Variant, "", cal); err != nil {
		return nil, err
	}
	return rep, nil
}

// WriteReplay writes the comparison as a terminal table.
func WriteReplay(w io.Writer, r *Replay) {
	m := r.Measured
	fmt.Fprintf(w, "replay: %d tickets, %d people sampled (%s variant)\n", m.Tickets, m.People, r.Variant)
	fmt.Fprintf(w, "measured: a sample %.0f s (cv %.2f), no-shows %.0f%%, walk-ins %.0f%%, early %.0f%% by %.1f min, late %.0f%% by %.1f min (check-in against the window)\n",
		m.SampleS, m.SampleCV, 100*m.NoShowShare, 100*m.WalkinShare, 100*m.EarlyShare, m.EarlyMean, 100*m.LateShare, m.LateMean)
	pred, refit := map[string]*SiteReport{}, map[string]*SiteReport{}
	for _, s := range r.Predicted.Sites {
		pred[s.Site] = s
	}
	for _, s := range r.Refit.Sites {
		refit[s.Site] = s
	}
	fmt.Fprintln(w, "site  figure        actual  predicted  with measured parameters")
	for _, a := range r.Actual {
		p, q := pred[a.Site], refit[a.Site]
		if p == nil || q == nil {
			fmt.Fprintf(w, "%-5s not in the plan's %s variant\n", a.Site, r.Variant)
			continue
		}
		fmt.Fprintf(w, "%-5s people        %6d  %9.0f  %9.0f\n", a.Site, a.People, p.People.Mean, q.People.Mean)
		fmt.Fprintf(w, "%-5s max line      %6d  %9.0f  %9.0f\n", "", a.MaxLine, p.MaxLine.Mean, q.MaxLine.Mean)
		fmt.Fprintf(w, "%-5s wait p50 min  %6.1f  %9.1f  %9.1f\n", "", a.WaitP50, p.WaitP50.Mean, q.WaitP50.Mean)
		fmt.Fprintf(w, "%-5s wait p95 min  %6.1f  %9.1f  %9.1f\n", "", a.WaitP95, p.WaitP95.Mean, q.WaitP95.Mean)
		fmt.Fprintf(w, "%-5s wait max min  %6.1f  %9.1f  %9.1f\n", "", a.WaitMax, p.WaitMax.Mean, q.WaitMax.Mean)
		fmt.Fprintf(w, "%-5s last sampled  %6s  %9s  %9s\n", "", a.LastSampled, clock(p.LastSampled), clock(q.LastSampled))
	}
	c := r.Calibrated
	fmt.Fprintf(w, "to calibrate: --rate %g --service-cv %g --noshow %.2f --walkins %.2f --early %.2f --early-by %.0fm --late %.2f --late-by %.0fm\n",
		c.Rate, c.ServiceCV, c.NoShowShare, c.WalkinShare, c.EarlyShare, float64(c.EarlyMean), c.LateShare, float64(c.LateMean))
}
