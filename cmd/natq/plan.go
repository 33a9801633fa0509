package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"natq/planner"
	"natq/planner/errs"
)

func init() {
	commands["inspect"] = command{"show what natq understood of a compound file", runInspect}
	commands["plan"] = command{"plan sampling sites, lines, windows and routes", runPlan}
}

// compoundFlags are the flags that pick compounds out of a file.
type compoundFlags struct {
	compound  string
	wholeFile bool
}

func (cf *compoundFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&cf.compound, "compound", "", "plan only this compound (`NAME|ID`); default all")
	fs.BoolVar(&cf.wholeFile, "whole-file", false, "ignore compound polygons and plan the file as one area")
}

// readCompounds reads a compound file and picks its compounds.
func readCompounds(path string, cf compoundFlags) (*planner.Source, []*planner.Compound, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, errs.Invalidf("%s: no such file", path)
		}
		return nil, nil, err
	}
	src, err := planner.Read(filepath.Base(path), data)
	if err != nil {
		return nil, nil, err
	}
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	cs, err := src.Compounds(planner.Selection{Compound: cf.compound, WholeFile: cf.wholeFile, WholeID: stem})
	return src, cs, err
}

func newFlagSet(name string, e *env, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: natq %s\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags wherever they stand among the positional
// arguments (natq plan FILE -o OUT reads naturally), returning the
// positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runInspect(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("inspect", e, "inspect FILE [--compound NAME|ID] [--whole-file]")
	var cf compoundFlags
	cf.register(fs)
	pos, err := parseN(fs, args, 1, "inspect takes one compound file (GeoJSON or OSM XML)")
	if err != nil {
		return helpOK(err)
	}
	src, cs, err := readCompounds(pos[0], cf)
	if err != nil {
		return err
	}
	planner.WriteInspect(e.stdout, src, cs)
	return nil
}

// parseN is parseArgs for a command that takes n positional arguments;
// usage is its refusal of any other number.
func parseN(fs *flag.FlagSet, args []string, n int, usage string) ([]string, error) {
	pos, err := parseArgs(fs, args)
	if err == nil && len(pos) != n {
		err = usagef("%s", usage)
	}
	return pos, err
}

func helpOK(err error) error {
	if err == flag.ErrHelp {
		return nil
	}
	return err
}

func runPlan(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("plan", e, "plan FILE (-o OUT.geojson | --out DIR) [flags]")
	var cf compoundFlags
	cf.register(fs)
	p := planner.DefaultParams()
	out := fs.String("o", "", "write the plan of the one compound to `FILE`")
	outDir := fs.String("out", "", "write DIR/<compound-id>.plan.geojson for each compound")
	fs.StringVar(&p.Date, "date", "", "testing `DATE` (YYYY-MM-DD; default today in the compound's zone)")
	fs.StringVar(&p.TZ, "tz", "", "IANA time `ZONE` of the compound (default: the zone where the compound lies)")
	fs.IntVar(&p.Desks, "desks", p.Desks, "sampling desks (teams) on hand")
	fs.IntVar(&p.Rate, "rate", p.Rate, "samples per desk per hour")
	fs.StringVar(&p.Start, "start", p.Start, "day start `HH:MM`")
	fs.StringVar(&p.End, "end", p.End, "latest end `HH:MM`, or auto")
	fs.DurationVar(&p.Window, "window", p.Window, "window length")
	fs.Float64Var(&p.Spacing, "spacing", p.Spacing, "metres between people in line")
	fs.Float64Var(&p.RainFactor, "rain-factor", p.RainFactor, "in the wet, an uncovered metre costs this many sheltered metres")
	fs.Float64Var(&p.WalkSpeed, "walk-speed", p.WalkSpeed, "walking speed, m/s")
	fs.StringVar(&p.Students, "students", p.Students, "students' period `HH:MM-HH:MM`, or none")
	fs.Float64Var(&p.StudentShare, "student-share", p.StudentShare, "share of residents who are students")
	fs.Float64Var(&p.MarshalEvery, "marshal-every", p.MarshalEvery, "metres of queue line per marshal")
	fs.IntVar(&p.Canopies, "canopies", p.Canopies, "canopies on hand for desks at open sites on a wet day; -1: as many as needed (the plan says how many)")
	variants := fs.String("variants", "dry,wet", "weather variants: dry, wet or dry,wet")
	fs.BoolVar(&p.Strict, "strict", false, "treat warnings about single features as errors")
	homeVisits := fs.String("homevisits", "", "CSV `FILE` of households who cannot walk (building,unit,room): sampled at home")
	pos, err := parseN(fs, args, 1, "plan takes one compound file (GeoJSON or OSM XML)")
	if err != nil {
		return helpOK(err)
	}
	if (*out == "") == (*outDir == "") {
		return usagef("say where to write the plan: -o FILE for one compound, or --out DIR")
	}
	if p.TZ != "" {
		if _, err := loadZone(p.TZ); err != nil {
			return err
		}
	}
	p.Variants = nil
	for _, v := range strings.Split(*variants, ",") {
		p.Variants = append(p.Variants, planner.Variant(strings.TrimSpace(v)))
	}
	src, cs, err := readCompounds(pos[0], cf)
	if err != nil {
		return err
	}
	if *out != "" && len(cs) > 1 {
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		return usagef("%s holds %d compounds (%s): pick one with --compound, or write them all with --out DIR", pos[0], len(cs), strings.Join(ids, ", "))
	}
	var visits []planner.HomeVisit
	if *homeVisits != "" {
		if visits, err = readHomeVisits(*homeVisits, cs); err != nil {
			return err
		}
	}
	var todo []*planner.Compound
	var empty []*planner.Compound
	for _, c := range cs {
		if len(c.Buildings) == 0 {
			empty = append(empty, c)
			continue
		}
		todo = append(todo, c)
	}
	if len(todo) == 0 && len(empty) > 0 {
		// No compound polygon holds a building: the file's buildings may
		// lie outside them, as in a campus extract.
		c := empty[0]
		return errs.Invalidf("compound %s (%s) has no buildings inside it: nothing to plan%s", c.Name, c.ID, wholeFileHint(src, cf, empty))
	}
	for _, c := range empty {
		fmt.Fprintf(e.stderr, "warning: compound %s (%s) has no buildings inside it: not planned\n", c.Name, c.ID)
	}
	params := make([]planner.Params, len(todo))
	zones := make([]zoneChoice, len(todo))
	for i, c := range todo {
		if zones[i], err = chooseZone(e, c, p); err != nil {
			return err
		}
		params[i] = p
		params[i].TZ, params[i].Date = zones[i].tz, zones[i].date
	}
	results, err := planAll(ctx, e, todo, params, visits)
	if err != nil {
		return err
	}
	for i, r := range results {
		r.plan.Assumptions = append(r.plan.Assumptions, zones[i].assumptions()...)
		if r.data, err = json.Marshal(r.plan.FeatureCollection()); err != nil {
			return err
		}
		results[i] = r
		planner.WriteSummary(e.stdout, r.plan)
		fmt.Fprintf(e.stdout, "  planned in %v\n", r.took.Round(time.Millisecond))
		for _, w := range r.plan.Warnings {
			fmt.Fprintf(e.stderr, "warning: %s: %s\n", compoundLabel(r.plan.Compound), w)
		}
	}
	// Write only once everything is planned, each file through a temporary
	// file and a rename: an error leaves nothing half-written behind.
	for _, r := range results {
		path := *out
		if path == "" {
			path = filepath.Join(*outDir, r.id+".plan.geojson")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return errs.Invalidf("cannot make the folder for %s: %v", path, err)
		}
		if err := writeFileAtomic(path, r.data); err != nil {
			return err
		}
		if c := r.plan.Compound; c.Name != "" && c.Name != c.ID {
			fmt.Fprintf(e.stdout, "wrote %s  (%s)\n", path, c.Name)
		} else {
			fmt.Fprintf(e.stdout, "wrote %s\n", path)
		}
	}
	return nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, so that path is either the old file or the whole new one.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

type planned struct {
	id   string
	plan *planner.Plan
	data []byte
	took time.Duration
}

// planAll plans the compounds in parallel, one per core, showing a
// progress bar on stderr when there are several. The first error stops it.
func planAll(ctx context.Context, e *env, cs []*planner.Compound, ps []planner.Params, visits []planner.HomeVisit) ([]planned, error) {
	results := make([]planned, len(cs))
	errs := make([]error, len(cs))
	jobs := make(chan int)
	allDone := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	tty := false
	if f, ok := e.stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	progress := func() {
		if len(cs) < 2 || !tty && done < len(cs) { // a log gets the last line only
			return
		}
		const width = 30
		n := done * width / len(cs)
		fmt.Fprintf(e.stderr, "\rplanning 规划中 [%s%s] %d/%d compounds", strings.Repeat("#", n), strings.Repeat(".", width-n), done, len(cs))
		if done == len(cs) {
			fmt.Fprintln(e.stderr)
		}
	}
	progress()
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				c := cs[i]
				start := time.Now()
				cp := ps[i]
				cp.HomeVisits = nil
				for _, v := range visits {
					if c.HasBuilding(v.Building) {
						cp.HomeVisits = append(cp.HomeVisits, v)
					}
				}
				pl, err := planner.Make(c, cp)
				results[i], errs[i] = planned{c.ID, pl, nil, time.Since(start)}, err
				mu.Lock()
				done++
				progress()
				mu.Unlock()
			}
		}()
	}
	// Ctrl-C or SIGTERM stops natq at once: a plan is written only when
	// every compound is planned, so nothing is left half-done.
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for i := range cs {
			select {
			case jobs <- i:
			case <-ctx.Done():
				close(jobs)
				return
			}
		}
		close(jobs)
	}()
	go func() { <-finished; wg.Wait(); close(allDone) }()
	select {
	case <-allDone:
	case <-ctx.Done():
		return nil, fmt.Errorf("stopped before the plan was done; nothing was written: %w", ctx.Err())
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// readHomeVisits reads the CSV of households to be sampled at home:
// building (id or name), unit, room. A row naming no building of the
// chosen compounds is an error naming the row.
func readHomeVisits(path string, cs []*planner.Compound) ([]planner.HomeVisit, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errs.Invalidf("--homevisits %s: no such file", path)
		}
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, errs.Invalidf("--homevisits %s is not a CSV file: %v", path, err)
	}
	var out []planner.HomeVisit
	for i, row := range rows {
		if i == 0 && len(row) > 0 && strings.EqualFold(strings.TrimSpace(row[0]), "building") {
			continue // header
		}
		if len(row) < 3 || strings.TrimSpace(row[0]) == "" || strings.TrimSpace(row[2]) == "" {
			return nil, errs.Invalidf("--homevisits %s line %d: want building,unit,room (room may not be empty), got %q", path, i+1, strings.Join(row, ","))
		}
		b := strings.TrimSpace(row[0])
		id := ""
		for _, c := range cs {
			if bid, ok := c.FindBuilding(b); ok {
				id = bid
			}
		}
		if id == "" {
			return nil, errs.Invalidf("--homevisits %s line %d: no building %q in the compound(s) planned", path, i+1, b)
		}
		out = append(out, planner.HomeVisit{Building: id, Unit: strings.TrimSpace(row[1]), Room: strings.TrimSpace(row[2])})
	}
	return out, nil
}
