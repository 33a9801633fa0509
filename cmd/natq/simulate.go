package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"natq/planner/errs"
	"natq/planner/sim"
)

func init() {
	commands["simulate"] = command{"play the testing day from a plan: lines against their markers, waits, what-ifs", runSimulate}
}

func runSimulate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("simulate", e, "simulate PLAN [--runs N] [--seed S] [--rain-at HH:MM] [--desks-down SITE:N@HH:MM] [--late-share X] [--json FILE] [--svg DIR] [flags]")
	p := sim.DefaultParams()
	fs.Int64Var(&p.Seed, "seed", p.Seed, "seed of the first run (the same seed gives the same report)")
	fs.IntVar(&p.Runs, "runs", p.Runs, "runs per scenario; the report gives the mean and the spread")
	fs.Float64Var(&p.Rate, "rate", 0, "samples per desk per hour (default: the plan's)")
	fs.Float64Var(&p.ServiceCV, "service-cv", p.ServiceCV, "spread of one sample's time (coefficient of variation: 0 fixed, 1 exponential)")
	fs.Float64Var(&p.NoShowShare, "noshow", p.NoShowShare, "share of booked parties that never come")
	fs.Float64Var(&p.WalkinShare, "walkins", p.WalkinShare, "share of parties that come unbooked")
	fs.Float64Var(&p.EarlyShare, "early", p.EarlyShare, "share of parties that come early")
	earlyMean := fs.Duration("early-by", p.EarlyMean.D(), "how early, on average")
	fs.Float64Var(&p.LateShare, "late", p.LateShare, "share of parties that come late (the base runs)")
	lateMean := fs.Duration("late-by", p.LateMean.D(), "how late, on average")
	fs.Float64Var(&p.PartyMean, "party", 0, "mean party size (default: each building's residents per household)")
	fs.IntVar(&p.PartyMax, "party-max", p.PartyMax, "largest party")
	fs.Float64Var(&p.SpeedCV, "speed-cv", p.SpeedCV, "spread of walking speed (coefficient of variation)")
	fs.BoolVar(&p.Even, "even", false, "booked parties arrive at even steps through their window, not at random times")
	checkinEarly := fs.Duration("checkin-early", p.Early.D(), "check-in opens this long before a window (the queue service's)")
	grace := fs.Duration("grace", p.Grace.D(), "check-in closes this long after a window (the queue service's)")
	rainAt := fs.String("rain-at", "", "what-if: rain switch to the wet variant at `HH:MM`")
	var downs []string // every --desks-down given, each comma-separated
	fs.Func("desks-down", "what-if: desks lost, `SITE:N@HH:MM[-HH:MM]`, comma-separated or the flag given again", func(v string) error {
		downs = append(downs, v)
		return nil
	})
	lateShare := fs.String("late-share", "", "what-if: this share of parties come late (e.g. 0.3)")
	jsonOut := fs.String("json", "", "write the full report as JSON to `FILE`")
	svgDir := fs.String("svg", "", "write a line-over-the-day chart per scenario and site into `DIR`")
	replay := fs.String("replay", "", "compare a finished round's event log (`FILE`, CSV or JSON) with the model, and measure its parameters")
	logOut := fs.String("log-out", "", "write one simulated round (seed --seed, first variant) as an event log to `FILE` (CSV), the format --replay reads")
	pos, err := parseN(fs, args, 1, "simulate takes one plan file (from natq plan)")
	if err != nil {
		return helpOK(err)
	}
	p.EarlyMean = sim.Minutes(earlyMean.Minutes())
	p.LateMean = sim.Minutes(lateMean.Minutes())
	p.Early = sim.Minutes(checkinEarly.Minutes())
	p.Grace = sim.Minutes(grace.Minutes())
	if err := checkSimFlags(p); err != nil {
		return err
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return errs.BadFile(err)
	}
	day, err := sim.ReadPlan(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	var w sim.WhatIfs
	if *rainAt != "" {
		if w.RainAt, err = simClock(day, *rainAt); err != nil {
			return usagef("--rain-at %q: %v", *rainAt, err)
		}
	}
	if desksDown := strings.Join(downs, ","); desksDown != "" {
		if w.DesksDown, err = parseDesksDown(day, desksDown); err != nil {
			return usagef("--desks-down %q: %v", desksDown, err)
		}
	}
	if *lateShare != "" {
		x, err := strconv.ParseFloat(*lateShare, 64)
		if err != nil || x < 0 || x > 1 {
			return usagef("--late-share %q: want a share between 0 and 1, e.g. 0.3", *lateShare)
		}
		w.LateShare = &x
	}
	if *replay != "" {
		return runReplay(e, day, p, *replay, *jsonOut)
	}
	if *logOut != "" {
		r, err := sim.RunOnce(day, day.Variants[0].Name, p, p.Seed)
		if err != nil {
			return usagef("%v", err)
		}
		var b strings.Builder
		if err := sim.WriteLog(&b, r.Log()); err != nil {
			return err
		}
		if err := writeFileAtomic(*logOut, []byte(b.String())); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote a simulated %s round's log to %s\n", day.Variants[0].Name, *logOut)
	}
	start := time.Now()
	rep, err := sim.Simulate(day, p, w)
	if err != nil {
		return usagef("%v", err)
	}
	took := time.Since(start)
	if err := sim.WriteText(e.stdout, rep, day.Rate); err != nil {
		return err
	}
	if *jsonOut != "" {
		data, err := json.MarshalIndent(rep, "", " ")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(*jsonOut), 0o755); err != nil {
			return err
		}
		if err := writeFileAtomic(*jsonOut, append(data, '\n')); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\nwrote %s\n", *jsonOut)
	}
	if *svgDir != "" {
		if err := os.MkdirAll(*svgDir, 0o755); err != nil {
			return err
		}
		n := 0
		for _, sc := range rep.Scenarios {
			for _, s := range sc.Sites {
				var b strings.Builder
				if err := sim.WriteSVG(&b, sc, s); err != nil {
					return err
				}
				name := filepath.Join(*svgDir, simSlug(sc.Name)+"-"+simSlug(s.Site)+".svg")
				if err := writeFileAtomic(name, []byte(b.String())); err != nil {
					return err
				}
				n++
			}
		}
		fmt.Fprintf(e.stdout, "wrote %d charts to %s\n", n, *svgDir)
	}
	fmt.Fprintf(e.stderr, "simulated %d scenarios x %d runs in %s\n", len(rep.Scenarios), p.Runs, took.Round(time.Millisecond))
	return nil
}

// runReplay compares an event log with the model.
func runReplay(e *env, day *sim.Day, p sim.Params, path, jsonOut string) error {
	f, err := os.Open(path)
	if err != nil {
		return errs.BadFile(err)
	}
	log, err := sim.ReadLog(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("--replay %s: %w", path, err)
	}
	rep, err := sim.ReplayLog(day, log, p)
	if err != nil {
		return fmt.Errorf("--replay %s: %w", path, err)
	}
	sim.WriteReplay(e.stdout, rep)
	if jsonOut != "" {
		data, err := json.MarshalIndent(rep, "", " ")
		if err != nil {
			return err
		}
		if err := writeFileAtomic(jsonOut, append(data, '\n')); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote %s\n", jsonOut)
	}
	return nil
}

// checkSimFlags names the flag of a parameter no run can use.
func checkSimFlags(p sim.Params) error {
	for _, s := range []struct {
		flag string
		x    float64
	}{{"--noshow", p.NoShowShare}, {"--walkins", p.WalkinShare}, {"--early", p.EarlyShare}, {"--late", p.LateShare}} {
		if s.x < 0 || s.x > 1 || s.x != s.x {
			return usagef("%s %v: want a share between 0 and 1", s.flag, s.x)
		}
	}
	switch {
	case p.Runs < 1 || p.Runs > 100000:
		return usagef("--runs %d: want 1 to 100000", p.Runs)
	case p.Rate < 0:
		return usagef("--rate %v: want samples per desk per hour, more than 0", p.Rate)
	case p.ServiceCV < 0 || p.ServiceCV > 5:
		return usagef("--service-cv %v: want 0 (fixed) to 5", p.ServiceCV)
	case p.SpeedCV < 0 || p.SpeedCV > 2:
		return usagef("--speed-cv %v: want 0 to 2", p.SpeedCV)
	case p.PartyMean < 0 || p.PartyMean > 20:
		return usagef("--party %v: want a mean party size of 1 to 20 (0: from the plan)", p.PartyMean)
	case p.PartyMax < 0 || p.PartyMax > 50:
		return usagef("--party-max %d: want 1 to 50 (0: no limit)", p.PartyMax)
	case p.EarlyMean < 0 || p.LateMean < 0 || p.Early < 0 || p.Grace < 0:
		return usagef("--early-by, --late-by, --checkin-early and --grace must not be negative")
	}
	return nil
}

var simHHMM = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)

// simClock is HH:MM on the plan's day in its time zone.
func simClock(d *sim.Day, s string) (time.Time, error) {
	m := simHHMM.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("want a time of day HH:MM")
	}
	if d.Date.IsZero() {
		return time.Time{}, fmt.Errorf("the plan has no date (natq:params.date)")
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	y, mo, dd := d.Date.Date()
	return time.Date(y, mo, dd, h, min, 0, 0, d.TZ), nil
}

var desksDownRE = regexp.MustCompile(`^([A-Za-z0-9_.-]+):([0-9]+)@([0-9:]+)(?:-([0-9:]+))?$`)

// parseDesksDown reads "s2:1@08:30" or "s2:1@08:30-09:15", comma-separated.
func parseDesksDown(d *sim.Day, s string) ([]sim.DesksDown, error) {
	var out []sim.DesksDown
	for _, part := range strings.Split(s, ",") {
		m := desksDownRE.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			return nil, fmt.Errorf("%q: want SITE:DESKS@HH:MM, e.g. s2:1@08:30", part)
		}
		n, err := strconv.Atoi(m[2])
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want at least one desk", part)
		}
		dd := sim.DesksDown{Site: m[1], N: n}
		if dd.At, err = simClock(d, m[3]); err != nil {
			return nil, fmt.Errorf("%q: %v", part, err)
		}
		if m[4] != "" {
			if dd.Until, err = simClock(d, m[4]); err != nil {
				return nil, fmt.Errorf("%q: %v", part, err)
			}
			if !dd.Until.After(dd.At) {
				return nil, fmt.Errorf("%q: the desks come back before they go", part)
			}
		}
		known := false
		for _, v := range d.Variants {
			for _, site := range v.Sites {
				if site.ID == dd.Site {
					known = true
					if n > site.Desks && site.Desks > 0 {
						return nil, fmt.Errorf("%q: site %s has only %d desks in the %s variant", part, dd.Site, site.Desks, v.Name)
					}
				}
			}
		}
		if !known {
			return nil, fmt.Errorf("%q: the plan has no site %q", part, dd.Site)
		}
		out = append(out, dd)
	}
	if err := desksDownAtOnce(d, out); err != nil {
		return nil, err
	}
	return out, nil
}

// desksDownAtOnce refuses what-ifs of one site that, down at the same time,
// take more desks than it has (s2 has 2: "s2:1@08:30" and "s2:2@09:00"
// from 09:00 on); the day would count desks it does not have coming back.
// A site's desks are counted in each variant that has it, as for one
// what-if alone.
func desksDownAtOnce(d *sim.Day, downs []sim.DesksDown) error {
	for _, a := range downs {
		// The most desks are down at the start of one of the what-ifs.
		n, with := 0, []string{}
		for _, b := range downs {
			if b.Site == a.Site && !b.At.After(a.At) && (b.Until.IsZero() || b.Until.After(a.At)) {
				n += b.N
				with = append(with, b.String())
			}
		}
		if len(with) < 2 {
			continue
		}
		for _, v := range d.Variants {
			for _, site := range v.Sites {
				if site.ID == a.Site && site.Desks > 0 && n > site.Desks {
					return fmt.Errorf("%s: together %d desks of site %s down from %s, which has only %d desks in the %s variant",
						strings.Join(with, " and "), n, a.Site, a.At.Format("15:04"), site.Desks, v.Name)
				}
			}
		}
	}
	return nil
}

func simSlug(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			b.WriteRune(r)
		case r == ' ' || r == ':' || r == '@':
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
