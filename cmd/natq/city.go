package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"natq/planner"
	"natq/planner/errs"
)

// A cityRun plans the compounds of one file on every core: a city's
// fifteen thousand, or the one of -o FILE. Each worker takes the next
// compound, fills it from the file's features, plans it, writes its plan
// (through a temporary file and a rename) and drops it, so that only the
// compounds being planned are held in memory. What each prints goes out
// in the file's order, whichever worker finishes first.
//
// With -o FILE a failure is the command's error, as it always was. With
// --out DIR a compound that cannot be planned does not cost the others
// theirs: the run goes on, DIR/summary.csv lists every compound and how
// it went, and the command fails at the end naming each compound that
// failed and why.
type cityRun struct {
	e      *env
	src    *planner.Source
	cf     compoundFlags
	p      planner.Params
	visits []planner.HomeVisit
	out    string // -o FILE, or ""
	outDir string // --out DIR, or ""
	filled bool   // the compounds were filled before the run

	tty                   bool
	start, drawn          time.Time
	done, failed, planned int
	notices               chan string // said at once, before a compound's plan is done
}

// bigCompound is the number of buildings from which natq says, before it
// plans a compound, that the plan will take a while: 256 buildings plan in
// a third of a second, 512 in about 7 s of CPU, and the assignment's local
// search grows with the square of the buildings (BENCHMARKS.md, "The city").
const bigCompound = 300

// summaryFile is the name of the summary written beside a city's plans.
const summaryFile = "summary.csv"

// A compoundJob is one compound to plan and its place in the file.
type compoundJob struct {
	i int
	c *planner.Compound
}

// An outcome is what planning one compound came to.
type outcome struct {
	i              int
	id, name       string
	label          string
	empty          bool // no buildings inside it: not planned
	err            error
	stdout, stderr []byte   // the summary, then its warnings
	wrote          []byte   // then where it was written, on stdout
	row            []string // its line of summary.csv
}

func (r *cityRun) run(ctx context.Context, cs []*planner.Compound) error {
	n := len(cs)
	r.tty = isTerminal(r.e.stderr)
	r.start = time.Now()
	workers := runtime.GOMAXPROCS(0)
	jobs := make(chan compoundJob)
	results := make(chan outcome, workers)
	r.notices = make(chan string, 4*workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- r.plan(j.i, j.c)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := range cs {
			c := cs[i]
			cs[i] = nil // the worker's from now on, and dropped when it is done
			select {
			case jobs <- compoundJob{i, c}:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	var rows [][]string
	var failures []outcome
	var empties []outcome // held until a compound with buildings shows they are not all empty
	pending := map[int]outcome{}
	next := 0
	emit := func(o outcome) {
		if o.empty && r.planned+len(failures) == 0 {
			empties = append(empties, o)
		} else {
			r.clearBar(n)
			for _, eo := range empties {
				r.warnEmpty(eo)
			}
			empties = nil
			if o.empty {
				r.warnEmpty(o)
			}
			r.e.stdout.Write(o.stdout)
			r.e.stderr.Write(o.stderr)
			r.e.stdout.Write(o.wrote)
			if o.err != nil {
				failures = append(failures, o)
			} else if !o.empty {
				r.planned++
			}
		}
		if o.row != nil {
			rows = append(rows, o.row)
		}
	}
	r.progress(n, false)
	for {
		var o outcome
		var ok bool
		select {
		case msg := <-r.notices:
			r.clearBar(n)
			fmt.Fprint(r.e.stderr, msg)
			continue
		case o, ok = <-results:
		case <-ctx.Done():
			if r.out != "" {
				return fmt.Errorf("stopped before the plan was done; nothing was written: %w", ctx.Err())
			}
			o, ok = <-results // the compounds being planned are finished and written
		}
		if !ok {
			break
		}
		r.done++
		if o.err != nil {
			r.failed++
		}
		pending[o.i] = o
		for {
			po, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			emit(po)
			next++
		}
		r.progress(n, false)
	}
	for i := next; len(pending) > 0; i++ { // after a stop, what finished past a gap
		if po, ok := pending[i]; ok {
			delete(pending, i)
			emit(po)
		}
	}
	r.progress(n, true)

	if r.out != "" && len(failures) > 0 {
		return failures[0].err
	}
	if r.planned == 0 && len(failures) == 0 && len(empties) > 0 && ctx.Err() == nil {
		// No compound polygon holds a building: the file's buildings may
		// lie outside them, as in a campus extract.
		var ec []*planner.Compound
		for _, o := range empties {
			ec = append(ec, &planner.Compound{ID: o.id})
		}
		if r.outDir != "" {
			// The summary still lists every compound, each "empty".
			if err := r.writeSummary(rows); err != nil {
				return err
			}
		}
		return errs.Invalidf("compound %s (%s) has no buildings inside it: nothing to plan%s", empties[0].name, empties[0].id, wholeFileHint(r.src, r.cf, ec))
	}
	if r.outDir == "" {
		return ctx.Err()
	}
	if err := r.writeSummary(rows); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stopped after %d of %d compounds; the %d plans written in %s are whole, and %s lists them: %w",
			r.done, n, r.planned, r.outDir, filepath.Join(r.outDir, summaryFile), err)
	}
	if len(failures) > 0 {
		return r.failure(n, failures)
	}
	return nil
}

// notify has msg said on stderr now, not with the compound's summary when
// it is done; a notice is dropped rather than wait for the main loop.
func (r *cityRun) notify(msg string) {
	select {
	case r.notices <- msg:
	default:
	}
}

// plan fills, plans and writes one compound.
func (r *cityRun) plan(i int, c *planner.Compound) outcome {
	o := outcome{i: i, id: c.ID, name: c.Name, label: compoundLabel(c)}
	path := r.out
	if path == "" {
		path = filepath.Join(r.outDir, c.ID+".plan.geojson")
	}
	fail := func(err error) outcome {
		o.err = err
		o.row = []string{c.ID, c.Name, "failed", "", "", "", err.Error()}
		if r.outDir != "" {
			os.Remove(path) // a plan left from an earlier run is not this run's
		}
		return o
	}
	if !r.filled {
		if err := r.src.Fill(c); err != nil {
			return fail(err)
		}
	}
	if len(c.Buildings) == 0 {
		o.empty = true
		o.row = []string{c.ID, c.Name, "empty", "", "0", "", "no buildings inside it: not planned"}
		return o
	}
	z, err := chooseZone(r.e, c, r.p)
	if err != nil {
		return fail(err)
	}
	cp := r.p
	cp.TZ, cp.Date = z.tz, z.date
	cp.HomeVisits = nil
	for _, v := range r.visits {
		if c.HasBuilding(v.Building) {
			cp.HomeVisits = append(cp.HomeVisits, v)
		}
	}
	if len(c.Buildings) >= bigCompound {
		r.notify(fmt.Sprintf("note: %s: %d buildings and %d sites, a big compound (大型小区): its plan takes seconds to minutes\n", o.label, len(c.Buildings), len(c.Sites)))
	}
	start := time.Now()
	pl, err := planner.Make(c, cp)
	if err != nil {
		return fail(err)
	}
	took := time.Since(start)
	pl.Assumptions = append(pl.Assumptions, z.assumptions()...)
	data, err := pl.FeatureCollection().MarshalJSON() // json.Marshal would compact it again, the same bytes
	if err != nil {
		return fail(err)
	}
	if r.out != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fail(errs.Invalidf("cannot make the folder for %s: %v", path, err))
		}
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fail(fmt.Errorf("cannot write %s: %w", path, err))
	}
	var out, warn, wrote bytes.Buffer
	planner.WriteSummary(&out, pl)
	fmt.Fprintf(&out, "  planned in %v\n", took.Round(time.Millisecond))
	for _, w := range pl.Warnings {
		fmt.Fprintf(&warn, "warning: %s: %s\n", o.label, w)
	}
	if c.Name != "" && c.Name != c.ID {
		fmt.Fprintf(&wrote, "wrote %s  (%s)\n", path, c.Name)
	} else {
		fmt.Fprintf(&wrote, "wrote %s\n", path)
	}
	o.stdout, o.stderr, o.wrote = out.Bytes(), warn.Bytes(), wrote.Bytes()
	residents := 0
	for _, b := range c.Buildings {
		residents += b.Residents
	}
	status := "planned"
	if residents == 0 {
		status = "no residents" // its plan has nobody to book: natq serve refuses it
	}
	o.row = []string{c.ID, c.Name, status, filepath.Base(path), strconv.Itoa(residents), strconv.Itoa(len(pl.Warnings)), ""}
	for _, vp := range pl.Variants {
		f := pl.Figures(vp)
		// The main day's end, and the students' period's apart: a day
		// sampled by 07:30 is not one that ends at 18:00.
		end, students := "", ""
		if !f.Start.IsZero() {
			main := f.Start.Add(f.Makespan)
			end = main.Format("15:04")
			if f.End.After(main) {
				students = f.End.Format("15:04")
			}
		}
		o.row = append(o.row, strconv.Itoa(f.Sites), strconv.Itoa(f.Desks), end, students, strconv.FormatFloat(f.Walk.Mean, 'f', 0, 64))
	}
	return o
}

func (r *cityRun) warnEmpty(o outcome) {
	fmt.Fprintf(r.e.stderr, "warning: compound %s (%s) has no buildings inside it: not planned\n", o.name, o.id)
}

// writeSummary writes DIR/summary.csv: a line for each compound, in the
// file's order, planned or not.
func (r *cityRun) writeSummary(rows [][]string) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"compound", "name", "status", "file", "residents", "warnings", "error"}
	for _, v := range r.p.Variants {
		head = append(head, string(v)+"_sites", string(v)+"_desks", string(v)+"_end", string(v)+"_students_end", string(v)+"_walk_mean_m")
	}
	w.Write(head)
	for _, row := range rows {
		w.Write(append(row, make([]string, len(head)-len(row))...))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	path := filepath.Join(r.outDir, summaryFile)
	if err := writeFileAtomic(path, b.Bytes()); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// failure is the command's error when some compounds of a city could not
// be planned: which, and why, for the coordinator to fix the file.
func (r *cityRun) failure(n int, failures []outcome) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d compounds could not be planned; the other plans are written in %s, and %s lists every compound:",
		len(failures), n, r.outDir, filepath.Join(r.outDir, summaryFile))
	const shown = 20
	invalid := true
	for k, o := range failures {
		invalid = invalid && errs.CodeOf(o.err) == errs.Invalid
		if k < shown {
			msg := o.err.Error()
			if !strings.Contains(msg, o.label) {
				msg = "compound " + o.label + ": " + msg
			}
			fmt.Fprintf(&b, "\n  %s", msg)
		}
	}
	if len(failures) > shown {
		fmt.Fprintf(&b, "\n  and %d more (see %s)", len(failures)-shown, summaryFile)
	}
	if invalid {
		return errs.Invalidf("%s", b.String())
	}
	return errors.New(b.String())
}

// progress draws the bar on a terminal, at most ten times a second; a log
// gets the last line only. One compound has no bar.
func (r *cityRun) progress(n int, final bool) {
	if n < 2 || !r.tty && !final {
		return
	}
	now := time.Now()
	if !final && now.Sub(r.drawn) < 100*time.Millisecond && r.done < n {
		return
	}
	r.drawn = now
	const width = 30
	k := r.done * width / n
	el := now.Sub(r.start)
	rate := float64(r.done) / el.Seconds()
	line := fmt.Sprintf("planning 规划中 [%s%s] %d/%d compounds", strings.Repeat("#", k), strings.Repeat(".", width-k), r.done, n)
	if final {
		line += fmt.Sprintf(" in %v (%.1f/s)", el.Round(100*time.Millisecond), rate)
	} else if r.done > 0 {
		eta := time.Duration(float64(n-r.done) / rate * float64(time.Second))
		line += fmt.Sprintf(", %.1f/s, ETA %v", rate, eta.Round(time.Second))
	}
	if r.failed > 0 {
		line += fmt.Sprintf(", %d failed", r.failed)
	}
	if r.tty {
		fmt.Fprintf(r.e.stderr, "\r\x1b[K%s", line)
		if final {
			fmt.Fprintln(r.e.stderr)
		}
		return
	}
	fmt.Fprintln(r.e.stderr, line)
}

// clearBar clears the bar's line before other output, which the next
// progress call draws it under.
func (r *cityRun) clearBar(n int) {
	if r.tty && n >= 2 {
		fmt.Fprint(r.e.stderr, "\r\x1b[K")
		r.drawn = time.Time{}
	}
}
