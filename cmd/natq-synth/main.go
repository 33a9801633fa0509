// Command natq-synth writes the 2022 modelling-contest compound, a random
// compound for a property test, or a synthetic city, as GeoJSON with one
// feature per line.
//
//	natq-synth -o testdata/contest.geojson
//	natq-synth -random 7 -o /tmp/r7.geojson
//	natq-synth -random 1 -buildings 256 -sites 16 -o /tmp/big.geojson   (the load test's compound)
//	natq-synth city --compounds 500 -o /tmp/city500.geojson              (written as a stream)
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"natq/planner/synth"

	"github.com/paulmach/orb/geojson"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "natq-synth:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "city" {
		return runCity(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("natq-synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output file (default standard output)")
	seed := fs.Int64("random", -1, "write the random compound of this seed instead of the contest compound")
	buildings := fs.Int("buildings", 0, "with -random: this many buildings (default 1 to 40)")
	sites := fs.Int("sites", 0, "with -random: this many candidate sites (default 1 to 6)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only, or the city command)", fs.Arg(0))
	}
	var fc *geojson.FeatureCollection
	if *seed >= 0 {
		fc = synth.Random(*seed, synth.RandomOptions{Buildings: *buildings, Sites: *sites})
	} else {
		fc = synth.Contest()
	}
	return write(*out, stdout, func(w io.Writer) error { return synth.WriteLines(w, fc) })
}

// runCity writes a synthetic city, compound by compound.
func runCity(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("natq-synth city", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output file (default standard output)")
	var opts synth.CityOptions
	fs.IntVar(&opts.Compounds, "compounds", 500, "compounds in the city")
	fs.Int64Var(&opts.Seed, "seed", 1, "the city's random seed")
	fs.Float64Var(&opts.Spacing, "spacing", 1000, "metres between neighbouring compounds")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("city: unexpected argument %q (flags only)", fs.Arg(0))
	}
	if opts.Compounds < 1 {
		return fmt.Errorf("city: --compounds %d: want 1 or more", opts.Compounds)
	}
	var st synth.CityStats
	err := write(*out, stdout, func(w io.Writer) (err error) {
		st, err = synth.WriteCity(w, opts)
		return err
	})
	if err == nil {
		fmt.Fprintf(stderr, "natq-synth city: %d compounds, %d buildings, %d residents, %d features\n",
			st.Compounds, st.Buildings, st.Residents, st.Features)
	}
	return err
}

// write writes through fn to out, or to stdout when out is "". A file is
// written beside its target and renamed, so a reader never sees half a file.
func write(out string, stdout io.Writer, fn func(io.Writer) error) error {
	if out == "" {
		return fn(stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".natq-synth-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := fn(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
