package main

import (
	"context"
	"fmt"
	"time"
)

func init() {
	commands["round"] = command{"a round's data: round purge --compound ID --date YYYY-MM-DD", runRound}
}

func runRound(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "purge" {
		return usagef("usage: natq round purge --compound ID --date YYYY-MM-DD")
	}
	fs := newFlagSet("round purge", e, "round purge --compound ID --date YYYY-MM-DD\n\n"+
		"Deletes a finished round's personal data from Redis (REDIS_URL): every ticket (building, unit,\n"+
		"room, party, times, tubes), the household index, the line and the tubes. The round's window\n"+
		"counts stay. A round still running (the compound's latest, before midnight after its date) is refused.")
	compound := fs.String("compound", "", "the compound `ID`")
	date := fs.String("date", "", "the round's `DATE` (YYYY-MM-DD)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 0 || *compound == "" || *date == "" {
		return usagef("usage: natq round purge --compound ID --date YYYY-MM-DD")
	}
	if _, err := time.Parse("2006-01-02", *date); err != nil {
		return usagef("--date %q is not a date: want YYYY-MM-DD, the plan's day (e.g. 2026-12-04)", *date)
	}
	svc, done, err := openService(ctx, e, noRedisRound)
	if err != nil {
		return err
	}
	defer done()
	p, err := svc.PurgeRound(ctx, *compound, *date)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "natq round: purged round %s of %s: %d tickets, %d keys deleted\n", p.Round, p.Compound, p.Tickets, p.Keys)
	return nil
}
