// Command natq plans and runs a compound's mass nucleic-acid testing day.
//
//	natq inspect FILE        what natq understood of a compound file
//	natq plan FILE -o OUT    plan sampling sites, queue lines, windows and routes
//	natq serve --plan FILE   run the day's queue service
//	natq staff add NAME      issue a staff token (staff list, staff revoke NAME)
//	natq round purge         delete a finished round's personal data
//	natq print PLAN --out D  print building sheets, ticket cards, marker plans, battle maps
//	natq simulate PLAN       play the day: lines against their markers, waits, what-ifs
//	natq demo                plan a bundled compound and serve it on the embedded store
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"natq/planner/errs"
)

// A command is one natq subcommand. It returns an error for the user; its
// exit status is looked up from the error's code (exitCodes).
type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch of the outside world, so that tests can
// run commands in-process with their own streams and environment.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// now is the one clock of the binary: plans' default dates, the queue
	// service and the demo's day all read it, so that a test can run any
	// command at any date. nil means the wall clock.
	now func() time.Time
}

// clock returns e's clock, the wall clock when none was given.
func (e *env) clock() func() time.Time {
	if e.now == nil {
		return time.Now
	}
	return e.now
}

// commands is filled by each command's file (one file per subcommand, so
// that they can grow without touching each other).
var commands = map[string]command{}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, now: time.Now}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run runs one subcommand and returns the process exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "natq: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return 2
	}
	err := cmd.run(ctx, e, args[1:])
	if err == nil {
		return 0
	}
	fmt.Fprintf(e.stderr, "natq %s: %v\n", args[0], err)
	return exitCode(err)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: natq COMMAND [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'natq COMMAND -h' for a command's flags.")
}

// usagef is a mistake in how natq was called (flags, arguments).
func usagef(format string, a ...any) error { return errs.Usagef(format, a...) }
