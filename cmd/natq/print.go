package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
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
	baseURL := fs.String("base-url", "", "public `URL` of natq serve, where building QR codes lead (default $NATQ_BASE_URL; required)")
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
	if err := checkBaseURL(*baseURL); err != nil {
		return err
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
		if err := sheets.CheckTickets(plan, tickets); err != nil {
			return fmt.Errorf("%s and %s do not agree: %w", *ticketsPath, pos[0], err)
		}
		local := ""
		for _, t := range tickets {
			if t.Error != "" {
				fmt.Fprintf(e.stderr, "warning: %s row %d (%s %s-%s) got no ticket (%s): no card printed; pre-book it again when there is room\n", *ticketsPath, t.Row, t.Building, t.Unit, t.Room, t.Error)
			}
			if u, err := url.Parse(t.URL); err == nil && local == "" && thisComputerOnly(u.Hostname()) {
				local = u.Host
			}
		}
		if local != "" {
			// The desk's scanner still reads such a card's ticket; a
			// resident's phone opens nothing.
			fmt.Fprintf(e.stderr, "warning: %s: the tickets' links point at %s, this computer only (a natq serve started without --base-url): "+
				"a resident's phone cannot open the cards' QR codes; start natq serve with --base-url and export the pre-bookings again\n", *ticketsPath, local)
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

// checkBaseURL refuses a base URL residents' phones cannot reach: every
// building sheet's QR code is printed with it and cannot be changed once
// it is taped to the door.
func checkBaseURL(s string) error {
	const how = "give the address residents' phones reach natq serve at, e.g. --base-url https://natq.example.org (or set NATQ_BASE_URL)"
	if s == "" {
		return usagef("no --base-url: the building sheets' QR codes need it; %s", how)
	}
	u, err := baseURLShape(s, how)
	if err != nil {
		return err
	}
	if thisComputerOnly(u.Hostname()) {
		return usagef("--base-url %q is this computer only: a resident's phone cannot open it; %s", s, how)
	}
	return nil
}

// thisComputerOnly is a host name no other device reaches: localhost, a
// loopback or unspecified address.
func thisComputerOnly(h string) bool {
	ip := net.ParseIP(h)
	return h == "localhost" || strings.HasSuffix(h, ".localhost") || ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// baseURLShape parses a --base-url that every ticket's link is made
// from by adding a path ("/t/TOKEN"): an http(s) address without a query,
// a fragment or a password, which the links would carry in the wrong
// place (https://x.org/?a=1#f/t/TOKEN opens no ticket).
func baseURLShape(s, how string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--base-url %q is not an http(s) address; %s", s, how)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") || u.User != nil {
		return nil, usagef("--base-url %q has a query (?), a fragment (#) or a user name: every ticket's link adds its path at the end, so give only the scheme, the host and a path; %s", s, how)
	}
	return u, nil
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
