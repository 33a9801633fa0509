package main

import (
	"context"
	"fmt"

	"natq/queue"
)

func init() {
	commands["staff"] = command{"issue a staff token: staff add NAME --compound ID --role coordinator|marshal", runStaff}
}

func runStaff(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return usagef("usage: natq staff add NAME --compound ID --role coordinator|marshal")
	}
	fs := newFlagSet("staff add", e, "staff add NAME --compound ID --role coordinator|marshal\n\n"+
		"Prints the token once; Redis (REDIS_URL) keeps only its hash.")
	compound := fs.String("compound", "", "the compound `ID` the token acts for")
	role := fs.String("role", "", "coordinator or marshal")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return helpOK(err)
	}
	if len(pos) != 1 {
		return usagef("staff add takes one NAME (quote a name with spaces)")
	}
	if *compound == "" || *role == "" {
		return usagef("staff add needs --compound ID and --role coordinator|marshal")
	}
	cfg := queue.StoreConfigFromEnv(e.getenv)
	if cfg.Embedded() {
		return usagef("no REDIS_URL or REDIS_ADDRS: the embedded store lives inside `natq serve`, which prints a " +
			"coordinator token at start; or give it --staff-file FILE with NAME,COMPOUND,ROLE lines")
	}
	store, err := queue.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	tok, err := queue.New(store.Client, nil, queue.DefaultOptions()).AddStaff(ctx, *compound, pos[0], *role)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "natq staff: %s %s of %s; the token is shown only now:\n", *role, pos[0], *compound)
	fmt.Fprintln(e.stdout, tok)
	return nil
}
