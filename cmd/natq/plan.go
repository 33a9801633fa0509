package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
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
	src, cs, err := readOutlines(nil, path, cf)
	if err != nil {
		return nil, nil, err
	}
	if err := src.FillAll(cs); err != nil {
		return nil, nil, err
	}
	return src, cs, nil
}

// readOutlines reads a compound file as a stream and finds its compounds,
// not yet filled. With e given, a terminal is shown how far the reading
// has come.
func readOutlines(e *env, path string, cf compoundFlags) (*planner.Source, []*planner.Compound, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil, errs.Invalidf("%s: no such file", path)
		}
		return nil, nil, err
	}
	defer f.Close()
	var r io.ReadSeeker = f
	if e != nil && isTerminal(e.stderr) {
		if st, err := f.Stat(); err == nil && st.Size() > 16<<20 {
			cr := &countingReader{r: f}
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				t := time.NewTicker(200 * time.Millisecond)
				defer t.Stop()
				for {
					select {
					case <-stop:
						fmt.Fprint(e.stderr, "\r\x1b[K")
						return
					case <-t.C:
						n := cr.n.Load()
						fmt.Fprintf(e.stderr, "\rreading 读取中 %s: %d%% of %d MB", filepath.Base(path), n*100/st.Size(), st.Size()>>20)
					}
				}
			}()
			defer func() { close(stop); <-done }()
			r = cr
		}
	}
	src, err := planner.ReadFrom(filepath.Base(path), r)
	if err != nil {
		return nil, nil, err
	}
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	cs, err := src.Outlines(planner.Selection{Compound: cf.compound, WholeFile: cf.wholeFile, WholeID: stem})
	return src, cs, err
}

// countingReader counts the bytes read through it, for a progress line.
type countingReader struct {
	r io.ReadSeeker
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReader) Seek(off int64, whence int) (int64, error) { return c.r.Seek(off, whence) }

// isTerminal reports whether w is a terminal: progress is drawn there, and
// a log gets a final line only.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
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
	outDir := fs.String("out", "", "write DIR/<compound-id>.plan.geojson for each compound, on every core, and DIR/summary.csv")
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
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the run to `FILE` (for go tool pprof)")
	pos, err := parseN(fs, args, 1, "plan takes one compound file (GeoJSON or OSM XML)")
	if err != nil {
		return helpOK(err)
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
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
	if *outDir != "" && e.getenv("GOMEMLIMIT") == "" {
		// A city's features are held while its compounds are planned:
		// a soft limit makes the collector work harder rather than let
		// the heap grow to twice what is live.
		debug.SetMemoryLimit(cityMemoryLimit)
	}
	src, cs, err := readOutlines(e, pos[0], cf)
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
	// One compound (-o), or home visits, which name buildings of the
	// compounds chosen: every compound is filled first, and a bad one
	// stops natq before anything is planned. A city (--out DIR) is filled
	// compound by compound as it is planned.
	filled := *out != "" || *homeVisits != ""
	if filled {
		if err := src.FillAll(cs); err != nil {
			return err
		}
	}
	var visits []planner.HomeVisit
	if *homeVisits != "" {
		if visits, err = readHomeVisits(*homeVisits, cs); err != nil {
			return err
		}
	}
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return errs.Invalidf("cannot make the folder %s: %v", *outDir, err)
		}
	}
	r := &cityRun{e: e, src: src, cf: cf, p: p, visits: visits, out: *out, outDir: *outDir, filled: filled}
	return r.run(ctx, cs)
}

// cityMemoryLimit is the Go heap's soft limit for natq plan --out, unless
// GOMEMLIMIT sets another: a city of 15,000 compounds holds about 200 MB
// of features, and the goal is under 1 GB in all.
const cityMemoryLimit = 768 << 20

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
