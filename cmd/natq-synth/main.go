// Command natq-synth writes the 2022 modelling-contest compound, or a random
// compound for a property test, as GeoJSON with one feature per line.
//
//	natq-synth -o testdata/contest.geojson
//	natq-synth -random 7 -o /tmp/r7.geojson
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
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "natq-synth:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("natq-synth", flag.ContinueOnError)
	out := fs.String("o", "", "output file (default standard output)")
	seed := fs.Int64("random", -1, "write the random compound of this seed instead of the contest compound")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var fc *geojson.FeatureCollection
	if *seed >= 0 {
		fc = synth.Random(*seed, synth.RandomOptions{})
	} else {
		fc = synth.Contest()
	}
	if *out == "" {
		return synth.WriteLines(stdout, fc)
	}
	// Write beside the target and rename, so a reader never sees half a file.
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".natq-synth-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := synth.WriteLines(tmp, fc); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), *out)
}
