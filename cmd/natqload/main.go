// Command natqload drives a running natq (or natq-baseline) over HTTP with
// the morning rush's mix of requests, and reports how it held up.
//
//	natqload --plan PLAN.geojson --url http://127.0.0.1:8080 --duration 10s --concurrency 64 \
//	    --mix book=80,repeat=10,ticket=10 --staff-token TOKEN
//
// The households come from the plan: the buildings and units its schedule
// calls, each drawn in proportion to its people, with rooms numbered from
// --first-room so that every new booking is a household natq has not seen
// (idempotency and capacity do real work) and the windows fill evenly. The
// kinds of request, weighted by --mix:
//
//	book     a new household books (201 new, 409 full)
//	repeat   a household that has a ticket books again (200, the same ticket)
//	ticket   a resident reads a ticket (GET /api/v1/tickets/{ticket})
//	desk     a site's desk at work: check a booked ticket in, call the next, mark it sampled
//	         (three requests, counted as checkin, call and sampled; needs a marshal's token)
//
// Tickets for repeat, ticket and desk come from the bookings of the run and
// from --prebook bookings made before the clock starts. After the run it
// reads the compound (GET /api/v1/compounds/{id}) and checks that no window
// holds more people than its capacity; it exits with status 1 if one does,
// or if a repeat booking got another ticket. It talks only to a loopback
// address unless --allow-remote says otherwise, and stops after --duration
// (at most 10 minutes) or --requests.
//
// --rate paces the run, for latency below saturation; --watch NAME=PID
// reports the CPU local processes (natq, redis-server) used in the timed
// part, per request too; --pprof-url takes natq's CPU profile over it
// (natq serve --pprof), --cpuprofile natqload's own. BENCHMARKS.md has the
// runs and what they found.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "natqload:", err)
	var ue usageError
	if errors.As(err, &ue) {
		os.Exit(2)
	}
	os.Exit(1)
}

// usageError is a mistake in how natqload was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// maxDuration bounds a run: natqload is a measuring tool, not a soak test.
const maxDuration = 10 * time.Minute

func parse(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("natqload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "natq's `URL` (loopback only, unless --allow-remote)")
	fs.StringVar(&c.planFile, "plan", "", "the plan `FILE` natq serves: its buildings and units make the households")
	fs.StringVar(&c.compound, "compound", "", "compound `ID` to book into (default the plan's)")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long to run (at most 10m)")
	fs.IntVar(&c.concurrency, "concurrency", 64, "requests in flight (one connection each)")
	fs.IntVar(&c.rate, "rate", 0, "choose at most `N` requests of the mix a second, a desk counting one (0: as fast as answers come)")
	fs.Int64Var(&c.requests, "requests", 0, "stop after choosing this many requests of the mix (0: run for --duration)")
	mix := fs.String("mix", "book=80,repeat=10,ticket=10", "weights of the request kinds: book, repeat, ticket, desk")
	fs.StringVar(&c.staffToken, "staff-token", getenv("NATQLOAD_STAFF_TOKEN"), "marshal or coordinator `TOKEN` for desk requests (env NATQLOAD_STAFF_TOKEN)")
	fs.IntVar(&c.prebook, "prebook", -1, "bookings made before the clock starts, for repeat/ticket/desk (default 1000 when the mix has those)")
	fs.IntVar(&c.maxParty, "max-party", 1, "party sizes are drawn from 1 to `N` (1 makes the plan's capacity last longest)")
	fs.IntVar(&c.firstRoom, "first-room", 1, "number rooms from `N`: another run on the same round then books new households")
	fs.BoolVar(&c.check, "check", true, "check the windows against their capacity afterwards (natq-baseline has no windows: --check=false)")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a URL that is not a loopback address")
	fs.DurationVar(&c.timeout, "timeout", 5*time.Second, "give up on one request after this long")
	fs.Int64Var(&c.seed, "seed", 1, "random seed of the mix")
	fs.StringVar(&c.pprofURL, "pprof-url", "", "take a CPU profile of the timed part from this `URL` (natq serve --pprof: http://127.0.0.1:PORT/debug/pprof/profile)")
	fs.StringVar(&c.pprofOut, "pprof-out", "", "write the --pprof-url profile to this `FILE`")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write natqload's own CPU profile of the timed part to `FILE` (is the load generator cheap?)")
	fs.IntVar(&c.listeners, "listeners", 0, "hold `N` site event streams open during the run, as residents' phones do, over the plan's sites, and report what they received")
	watch := fs.String("watch", "", "report the CPU the local processes `NAME=PID,...` (natq, redis-server) used during the run")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, err
		}
		return nil, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q (flags only)", fs.Arg(0))
	}
	if c.planFile == "" {
		return nil, usagef("--plan FILE is required: natqload books the households of the plan natq serves")
	}
	if c.duration <= 0 || c.duration > maxDuration {
		return nil, usagef("--duration %v: want more than 0 and at most %v", c.duration, maxDuration)
	}
	if c.rate < 0 {
		return nil, usagef("--rate %d: want 0 or more", c.rate)
	}
	if c.requests < 0 {
		return nil, usagef("--requests %d: want 0 or more", c.requests)
	}
	if c.concurrency < 1 || c.concurrency > 4096 {
		return nil, usagef("--concurrency %d: want 1 to 4096", c.concurrency)
	}
	if c.maxParty < 1 || c.maxParty > 8 {
		return nil, usagef("--max-party %d: want 1 to 8", c.maxParty)
	}
	if c.listeners < 0 || c.listeners > 20000 {
		return nil, usagef("--listeners %d: want 0 to 20000 (natq serve's --max-streams)", c.listeners)
	}
	if c.firstRoom < 1 {
		return nil, usagef("--first-room %d: want 1 or more", c.firstRoom)
	}
	var err error
	if c.watch, err = parseWatch(*watch); err != nil {
		return nil, err
	}
	if c.mix, err = parseMix(*mix); err != nil {
		return nil, err
	}
	if c.mix[kindDesk] > 0 && c.staffToken == "" {
		return nil, usagef("--mix has desk requests: give a marshal's token with --staff-token or NATQLOAD_STAFF_TOKEN")
	}
	if c.prebook < 0 {
		c.prebook = 0
		if c.mix[kindRepeat]+c.mix[kindTicket]+c.mix[kindDesk] > 0 {
			c.prebook = 1000
		}
	}
	if c.host, err = checkURL(c.url, c.allowRemote); err != nil {
		return nil, err
	}
	if (c.pprofURL == "") != (c.pprofOut == "") {
		return nil, usagef("--pprof-url and --pprof-out go together: where to take the profile from, and where to write it")
	}
	if c.pprofURL != "" {
		u, err := url.Parse(c.pprofURL)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return nil, usagef("--pprof-url %q: want http://HOST:PORT/debug/pprof/profile", c.pprofURL)
		}
		if _, err := checkURL("http://"+u.Host, c.allowRemote); err != nil {
			return nil, usagef("--pprof-url %q: %v", c.pprofURL, err)
		}
	}
	return c, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parse(args, getenv, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	hs, compound, err := households(c.planFile, c.seed)
	if err != nil {
		return err
	}
	if c.compound == "" {
		c.compound = compound
	}
	desks, err := siteDesks(c.planFile)
	if err != nil {
		return err
	}
	r := newRunner(c, hs, desks)
	// The whole run is bounded: the prebookings, the timed part and the
	// check, whatever the server does.
	ctx, cancel := context.WithTimeout(ctx, c.duration+2*time.Minute)
	defer cancel()
	if c.prebook > 0 {
		fmt.Fprintf(stderr, "natqload: %d bookings before the clock starts\n", c.prebook)
		if err := r.prebook(ctx, c.prebook); err != nil {
			return err
		}
	}
	lctx, endListeners := context.WithCancel(ctx)
	defer endListeners()
	sites := make([]string, 0, len(desks))
	for s := range desks {
		sites = append(sites, s)
	}
	ls := openListeners(lctx, c.host, sites, c.listeners)
	if c.listeners > 0 {
		fmt.Fprintf(stderr, "natqload: %d of %d site streams open\n", ls.open.Load(), c.listeners)
	}
	ls.reset()
	fmt.Fprintf(stderr, "natqload: %s for %v, %d in flight, mix %s, compound %s\n",
		c.url, c.duration, c.concurrency, c.mix, c.compound)
	var profiled chan struct{}
	if c.pprofURL != "" {
		profiled = profile(ctx, c.pprofURL, c.pprofOut, c.duration, stderr)
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	res := r.run(ctx)
	if c.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if profiled != nil {
		<-profiled
	}
	res.write(stdout)
	ls.write(stdout, c.duration)
	endListeners()
	bad := res.repeatMismatch > 0
	if c.check {
		rep, err := r.checkCapacity(ctx)
		if err != nil {
			return fmt.Errorf("checking the windows afterwards: %w", err)
		}
		rep.write(stdout, r.seatsBooked())
		bad = bad || rep.over > 0
	}
	if bad {
		return errors.New("FAILED: a window over capacity, or a repeat booking answered with another ticket (see above)")
	}
	return nil
}
