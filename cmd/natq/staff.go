package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"natq/queue"
)

func init() {
	commands["staff"] = command{"staff tokens: staff add NAME | staff list | staff revoke NAME (--compound ID)", runStaff}
}

const staffUsage = "usage: natq staff add NAME --compound ID --role coordinator|marshal|display [--for DURATION | --until TIME]\n" +
	"       natq staff list --compound ID\n" +
	"       natq staff revoke NAME|ID --compound ID"

// noRedisStaff and noRedisRound say why natq staff and natq round need
// REDIS_URL, and what to do instead.
const (
	noRedisStaff = "no REDIS_URL: the embedded store lives inside `natq serve`, which prints a " +
		"coordinator token at start; or give it --staff-file FILE with NAME,COMPOUND,ROLE lines"
	noRedisRound = "no REDIS_URL: natq round works on the Redis natq serve uses; the embedded store " +
		"lives inside `natq serve` and its rounds are gone when it stops"
)

// openService opens the configured Redis (not the embedded store, which
// lives inside natq serve) and a service on it, on e's clock; without
// one, it refuses with noRedis.
func openService(ctx context.Context, e *env, noRedis string) (*queue.Service, func(), error) {
	cfg := queue.StoreConfigFromEnv(e.getenv)
	if cfg.Embedded() {
		return nil, nil, usagef("%s", noRedis)
	}
	store, err := queue.OpenStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	o := queue.DefaultOptions()
	o.Now = e.clock()
	return queue.New(store.Client, nil, o), func() { store.Close() }, nil
}

func runStaff(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("%s", staffUsage)
	}
	switch args[0] {
	case "add":
		return staffAdd(ctx, e, args[1:])
	case "list":
		return staffList(ctx, e, args[1:])
	case "revoke":
		return staffRevoke(ctx, e, args[1:])
	}
	return usagef("%s", staffUsage)
}

// staffService parses a staff command's args (n positional ones and
// --compound, both wanted; usage is the refusal) and opens the service;
// done closes it.
func staffService(ctx context.Context, e *env, fs *flag.FlagSet, args []string, n int, compound *string, usage string) ([]string, *queue.Service, func(), error) {
	pos, err := parseN(fs, args, n, usage)
	if err == nil && *compound == "" {
		err = usagef("%s", usage)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	svc, done, err := openService(ctx, e, noRedisStaff)
	return pos, svc, done, err
}

func staffAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("staff add", e, "staff add NAME --compound ID --role coordinator|marshal|display [--for DURATION | --until TIME]\n\n"+
		"Prints the token once; Redis (REDIS_URL) keeps only its hash. The token ends with the compound's\n"+
		"current round (midnight after its date) unless --for or --until says otherwise.")
	compound := fs.String("compound", "", "the compound `ID` the token acts for")
	role := fs.String("role", "", "coordinator, marshal, or display (a site's call screen: reads its line, changes nothing)")
	valid := fs.Duration("for", 0, "the token ends this `DURATION` after now (e.g. 72h)")
	until := fs.String("until", "", "the token ends at `TIME` (RFC 3339, e.g. 2026-12-03T20:00:00+08:00)")
	pos, err := parseN(fs, args, 1, "staff add takes one NAME (quote a name with spaces)")
	if err != nil {
		return helpOK(err)
	}
	if *compound == "" || *role == "" {
		return usagef("staff add needs --compound ID and --role coordinator|marshal|display")
	}
	var end time.Time
	switch {
	case *valid != 0 && *until != "":
		return usagef("staff add: give --for or --until, not both")
	case *valid < 0:
		return usagef("--for %v: want a positive duration", *valid)
	case *valid > 0:
		end = e.clock()().Add(*valid)
	case *until != "":
		if end, err = time.Parse(time.RFC3339, *until); err != nil {
			return usagef("--until %q: want RFC 3339 time, e.g. 2026-12-03T20:00:00+08:00", *until)
		}
	}
	svc, done, err := openService(ctx, e, noRedisStaff)
	if err != nil {
		return err
	}
	defer done()
	tok, err := svc.AddStaffUntil(ctx, *compound, pos[0], *role, end)
	if err != nil {
		return err
	}
	if r, err := svc.LatestRound(ctx, *compound); err == nil && r == "" {
		fmt.Fprintf(e.stderr, "natq staff: WARNING: this store has no round of compound %q yet: if its id is mistyped, the token "+
			"works for nothing (natq inspect FILE shows a file's compound ids; natq serve opens its round)\n", *compound)
	}
	fmt.Fprintf(e.stderr, "natq staff: %s %s of %s; the token is shown only now:\n", *role, pos[0], *compound)
	fmt.Fprintln(e.stdout, tok)
	return nil
}

func staffList(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("staff list", e, "staff list --compound ID\n\nLists the compound's staff tokens: id, name, role, when each ends.")
	compound := fs.String("compound", "", "the compound `ID`")
	_, svc, done, err := staffService(ctx, e, fs, args, 0, compound, "usage: natq staff list --compound ID")
	if err != nil {
		return helpOK(err)
	}
	defer done()
	ts, err := svc.ListStaff(ctx, nil, *compound)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tROLE\tUNTIL\t")
	for _, t := range ts {
		until := "(no end)"
		if !t.Until.IsZero() {
			until = t.Until.Format("2006-01-02 15:04 MST")
		}
		if t.Expired {
			until += " (expired)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t\n", t.ID, t.Name, t.Role, until)
	}
	return w.Flush()
}

func staffRevoke(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("staff revoke", e, "staff revoke NAME|ID --compound ID\n\n"+
		"Revokes every token issued to NAME (or the one token of ID, from staff list), on every\n"+
		"instance at once: each request asks Redis.")
	compound := fs.String("compound", "", "the compound `ID`")
	pos, svc, done, err := staffService(ctx, e, fs, args, 1, compound, "usage: natq staff revoke NAME|ID --compound ID")
	if err != nil {
		return helpOK(err)
	}
	defer done()
	n, err := svc.RevokeStaff(ctx, nil, *compound, pos[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "natq staff: revoked %d token(s) of %s in %s\n", n, pos[0], *compound)
	return nil
}
