package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"natq/planner/errs"
	"natq/planner/sheets"
)

func init() {
	commands["print"] = command{
		summary: "print building sheets, ticket cards, marker plans, battle maps (PDF or SVG)",
		run:     runPrint,
	}
}

func runPrint(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("print", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	out := fs.String("out", "", "directory to write the sheets into (required)")
	format := fs.String("format", "pdf", "pdf or svg")
	font := fs.String("font", "", "a TrueType Chinese font file (default: the system's; needs Debian's "+sheets.CJKFontPackage+")")
	ticketsPath := fs.String("tickets", "", "the queue's pre-booking CSV, for ticket cards")
	combined := fs.Bool("combined", false, "also write buildings.pdf: every building sheet in one PDF, for one print job")
	baseURL := fs.String("base-url", "", "where resident pages live, for building QR codes (default $NATQ_BASE_URL, else http://localhost:8080)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: natq print PLAN --out DIR [--format pdf|svg] [--font FILE] [--tickets FILE.csv] [--base-url URL] [--combined]")
		fs.PrintDefaults()
	}
	// Flags may come before or after the plan file.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return usagef("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("want one plan file, got %d", len(pos))
	}
	if *out == "" {
		fs.Usage()
		return usagef("--out DIR is required")
	}
	f, err := sheets.ParseFormat(*format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if *baseURL == "" {
		*baseURL = e.getenv("NATQ_BASE_URL")
	}
	start := time.Now()
	plan, err := loadPlanFile(pos[0])
	if err != nil {
		return err
	}
	var tickets []sheets.Ticket
	if *ticketsPath != "" {
		r, err := os.Open(*ticketsPath)
		if err != nil {
			return errs.BadFile(err)
		}
		tickets, err = sheets.ReadTickets(r)
		r.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *ticketsPath, err)
		}
	}
	opts := sheets.Options{BaseURL: *baseURL, Combined: *combined}
	if *font != "" {
		if opts.Fonts, err = sheets.LoadFonts(*font); err != nil {
			return errs.BadFile(err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	written, err := sheets.PrintAll(*out, plan, tickets, f, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d sheets to %s in %s\n", len(written), *out, time.Since(start).Round(time.Millisecond))
	return nil
}

func loadPlanFile(path string) (*sheets.Plan, error) {
	var r io.ReadCloser
	if path == "-" {
		r = io.NopCloser(os.Stdin)
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, errs.BadFile(err)
		}
		r = f
	}
	defer r.Close()
	p, err := sheets.Load(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
