package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"natq/planner/errs"
	"natq/planner/planfile"
	"natq/planner/sheets"
	"natq/qr"
	"natq/queue"
	"natq/queue/server"
	"natq/static"
)

func init() {
	commands["serve"] = command{"run the day's queue service (Redis, or an embedded store)", runServe}
}

// listFlag is a flag that may be given more than once.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

// serveConfig is natq serve's flags, parsed.
type serveConfig struct {
	plans     listFlag
	addr      string
	baseURL   string
	staffFile string
	perAddr   int
	streams   int
	origins   listFlag
	proxy     string
	pprof     string
	font      string
	opts      queue.Options
}

func parseServe(e *env, args []string) (*serveConfig, error) {
	fs := newFlagSet("serve", e, "serve --plan FILE... [--addr :8080] [flags]\n\n"+
		"Redis: REDIS_URL=redis://host:port (one Redis, or a Cluster node: found by asking it, or say\n"+
		"REDIS_CLUSTER=1), rediss:// (TLS; REDIS_CA_FILE for a private CA), a comma list of redis:// URLs\n"+
		"(Cluster), or redis+sentinel://host:port[,host:port]/master; none: an embedded in-memory,\n"+
		"single-instance store. NATQ_SECRET signs tickets (required with Redis; generated otherwise).")
	c := &serveConfig{opts: queue.DefaultOptions()}
	c.opts.Now = e.clock()
	fs.Var(&c.plans, "plan", "plan `FILE` to open a round from (repeatable; also positional)")
	fs.StringVar(&c.addr, "addr", ":8080", "listen on `HOST:PORT`")
	fs.StringVar(&c.baseURL, "base-url", "", "public `URL` of this service, carried by ticket QR codes (default http://localhost:PORT)")
	c.opts.BookingLimit = queue.DefaultBookingLimit
	fs.IntVar(&c.opts.BookingLimit.Households, "booking-limit", c.opts.BookingLimit.Households,
		"households one client address may book, or ask for the tickets of, per --booking-limit-window, across instances (a household asked for again, refusals and staff do not count); 0 turns it off")
	fs.DurationVar(&c.opts.BookingLimit.Window, "booking-limit-window", c.opts.BookingLimit.Window, "the booking limit's window")
	fs.BoolVar(&c.opts.BookingLimit.FailClosed, "booking-limit-fail-closed", false, "refuse bookings when the limit's store fails (default: admit them, and log)")
	fs.IntVar(&c.perAddr, "max-streams-per-address", server.DefaultMaxStreamsPerAddress, "live event streams one client address may hold open (429 beyond)")
	fs.Var(&c.origins, "allow-origin", "an `ORIGIN` (https://host) besides --base-url whose pages may book and cancel (repeatable)")
	fs.IntVar(&c.streams, "max-streams", 0, "live event streams this instance holds open (503 beyond); default: from the file limit")
	fs.DurationVar(&c.opts.Grace, "grace", c.opts.Grace, "check-in allowed this long after a window ends")
	fs.DurationVar(&c.opts.Early, "early", c.opts.Early, "check-in allowed this long before a window starts")
	fs.IntVar(&c.opts.CallsBeforeNoShow, "calls-before-noshow", c.opts.CallsBeforeNoShow, "calls a missed ticket gets (each after someone else's) before it is a no-show")
	fs.Float64Var(&c.opts.WalkinShare, "walkin-share", c.opts.WalkinShare, "share of each window kept from online booking for walk-ins and paper tickets")
	fs.IntVar(&c.opts.TubeSize, "tube-size", c.opts.TubeSize, "samples pooled in one tube")
	fs.Float64Var(&c.opts.ForecastShare, "forecast-share", c.opts.ForecastShare,
		"share of this instance's cores the forecast model may use; past it, forecasts grow older (up to 30s) instead of bookings slower; 0 turns the bound off")
	fs.StringVar(&c.staffFile, "staff-file", "", "issue staff tokens at start for the `FILE`'s lines \"NAME,COMPOUND,ROLE\" (printed once)")
	fs.StringVar(&c.proxy, "proxy-header", "", "take the client address from this `HEADER`, set by a trusted proxy in front (X-Real-IP; or X-Forwarded-For, whose last address, the one the proxy wrote, is taken)")
	fs.StringVar(&c.font, "font", "", "a TrueType Chinese font `FILE` to print ticket cards in (default: the system's; needs Debian's "+sheets.CJKFontPackage+")")
	fs.StringVar(&c.pprof, "pprof", "", "serve Go profiles on this loopback `HOST:PORT` (for load tests)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	c.plans = append(c.plans, pos...)
	if len(c.plans) == 0 {
		return nil, usagef("serve needs at least one --plan FILE")
	}
	if c.opts.BookingLimit.Households < 0 || c.opts.BookingLimit.Window <= 0 {
		return nil, usagef("--booking-limit %d per %v: want 0 or more households per a positive window",
			c.opts.BookingLimit.Households, c.opts.BookingLimit.Window)
	}
	if c.perAddr < 1 || c.streams < 0 {
		return nil, usagef("--max-streams-per-address must be 1 or more, --max-streams 0 (from the file limit) or more")
	}
	if c.baseURL != "" {
		if _, err := baseURLShape(c.baseURL, "e.g. --base-url https://natq.example.org"); err != nil {
			return nil, err
		}
	}
	if c.opts.WalkinShare < 0 || c.opts.WalkinShare >= 1 {
		return nil, usagef("--walkin-share %v: want 0 to below 1", c.opts.WalkinShare)
	}
	if c.opts.ForecastShare < 0 || c.opts.ForecastShare > 1 {
		return nil, usagef("--forecast-share %v: want 0 (no bound) to 1", c.opts.ForecastShare)
	}
	if c.opts.ForecastShare == 0 {
		c.opts.ForecastShare = -1 // no bound (queue.Options: 0 is the default)
	}
	if c.opts.Grace < 0 || c.opts.Early < 0 || c.opts.CallsBeforeNoShow < 1 || c.opts.TubeSize < 1 {
		return nil, usagef("--grace and --early must be >= 0, --calls-before-noshow and --tube-size >= 1")
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return nil, usagef("--addr %q: %v", c.addr, err)
	}
	return c, nil
}

// listen listens on addr; an address another program holds is said as
// such, with what to do.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, errs.Invalidf("--addr %s: another program (another natq?) already listens there: stop it, or give --addr another port", addr)
	}
	return ln, err
}

// defaultBaseURL is where this server is reached when --base-url is not
// given: the address it listens on, "localhost" for all interfaces.
func defaultBaseURL(ln net.Listener) string {
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// loadPlans reads each plan file once, and keeps each compound's latest
// one (its current round) for the pages' maps.
func loadPlans(paths []string) ([]*queue.Plan, map[string]*planfile.File, error) {
	var plans []*queue.Plan
	files := map[string]*planfile.File{}
	for _, path := range paths {
		r, err := os.Open(path)
		if err != nil {
			if os.IsNotExist(err) {
				return nil, nil, errs.Invalidf("%s: no such file", path)
			}
			return nil, nil, err
		}
		f, err := planfile.Read(r)
		r.Close()
		if err == nil {
			var p *queue.Plan
			if p, err = queue.NewPlan(f); err == nil {
				plans = append(plans, p)
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		if old := files[f.Compound.ID]; old == nil || f.Params.Date >= old.Params.Date {
			files[f.Compound.ID] = f
		}
	}
	return plans, files, nil
}

// secret returns the ticket-signing secret: NATQ_SECRET, or with the
// embedded store a fresh one, shown so that it can be reused.
func secret(e *env, embedded bool) ([]byte, error) {
	if s := e.getenv("NATQ_SECRET"); s != "" {
		if len(s) < 16 {
			return nil, usagef("NATQ_SECRET is shorter than 16 characters")
		}
		return []byte(s), nil
	}
	if !embedded {
		return nil, usagef("NATQ_SECRET is required with Redis: every instance must sign tickets with the same secret")
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	s := base64.RawURLEncoding.EncodeToString(b)
	fmt.Fprintf(e.stderr, "natq serve: WARNING: NATQ_SECRET is not set; tickets are signed with a generated secret:\n  NATQ_SECRET=%s\n", s)
	return []byte(s), nil
}

func runServe(ctx context.Context, e *env, args []string) error {
	cfg, err := parseServe(e, args)
	if err != nil {
		return helpOK(err)
	}
	plans, planFiles, err := loadPlans(cfg.plans)
	if err != nil {
		return err
	}
	// Configuration first, the port last: a missing NATQ_SECRET or a bad
	// REDIS_URL is reported as such even when the port is taken.
	store, err := queue.OpenStore(ctx, queue.StoreConfigFromEnv(e.getenv))
	if err != nil {
		return err
	}
	defer store.Close()
	if store.Embedded {
		fmt.Fprintln(e.stderr, "natq serve: WARNING: no REDIS_URL or REDIS_ADDRS: running on an EMBEDDED IN-MEMORY store.")
		fmt.Fprintln(e.stderr, "natq serve: WARNING: everything is lost when this process stops, and only this one instance may serve.")
	}
	key, err := secret(e, store.Embedded)
	if err != nil {
		return err
	}
	signer, err := qr.NewSigner(key)
	if err != nil {
		return err
	}
	ln, err := listen(cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if cfg.pprof != "" {
		pp, err := startPprof(cfg.pprof, e.stderr)
		if err != nil {
			return err
		}
		defer pp.Close()
	}
	if cfg.baseURL == "" {
		cfg.baseURL = defaultBaseURL(ln)
	}
	cfg.opts.BaseURL = cfg.baseURL
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cfg.opts.Metrics = queue.NewMetrics(reg)
	svc := queue.New(store.Client, signer, cfg.opts)
	if err := svc.CheckLatest(ctx, plans); err != nil {
		return err
	}
	for _, p := range plans {
		if err := svc.OpenRound(ctx, p); err != nil {
			return fmt.Errorf("opening the round of %s (%s): %w", p.Compound.ID, p.Date, err)
		}
		fmt.Fprintf(e.stderr, "natq serve: round %s of %s %s (%d windows, variants %s)\n",
			p.Date, p.Compound.ID, p.Compound.Name, len(p.Windows), strings.Join(p.Variants, ", "))
	}
	if err := issueStaff(ctx, e, svc, cfg.staffFile, store.Embedded, plans); err != nil {
		return err
	}
	opts := server.Options{Registry: reg, ProxyHeader: cfg.proxy, MaxStreamsPerAddress: cfg.perAddr, MaxStreams: cfg.streams,
		Origins: cfg.origins}
	fonts, err := serverFonts(e, cfg.font)
	if err != nil {
		return err
	}
	if fonts != nil {
		opts.Cards = cardPrinter(fonts)
	}
	files, err := raiseFileLimit()
	if err != nil {
		fmt.Fprintf(e.stderr, "natq serve: WARNING: raising the open-file limit: %v\n", err)
	}
	if files > 0 {
		// Connections stop below the file limit, so accepting never runs
		// out (fasthttp answers 503 beyond them); streams stop below that.
		opts.MaxConns = max(int(files)-256, 64)
		if opts.MaxStreams == 0 {
			opts.MaxStreams = opts.MaxConns * 3 / 4
		}
	}
	app := server.New(svc, opts)
	static.Mount(app, static.Options{Now: cfg.opts.Now, Staff: svc.Authenticate, Plan: func(id string) (*planfile.File, bool) {
		f, ok := planFiles[id]
		return f, ok
	}})
	fmt.Fprintf(e.stderr, "natq serve: listening on %s (%s), tickets link to %s; data in %s\n", ln.Addr(), cfg.addr, cfg.baseURL, store.Desc)
	if files > 0 {
		fmt.Fprintf(e.stderr, "natq serve: open-file limit %d: up to %d connections, %d event streams (%d per address)\n",
			files, opts.MaxConns, opts.MaxStreams, cfg.perAddr)
	}
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(server.Listener(ln, nil)) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		fmt.Fprintln(e.stderr, "natq serve: shutting down")
		if err := app.ShutdownWithTimeout(5 * time.Second); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}
}

// issueStaff issues the staff tokens of a staff file, and with the
// embedded store (which `natq staff add` cannot reach) a coordinator token
// per compound when there is no staff file. Tokens go to stdout, once.
func issueStaff(ctx context.Context, e *env, svc *queue.Service, path string, embedded bool, plans []*queue.Plan) error {
	if path == "" {
		if !embedded {
			return nil
		}
		for _, p := range plans {
			tok, err := svc.AddStaff(ctx, p.Compound.ID, "bootstrap coordinator", queue.RoleCoordinator)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "coordinator token for %s (shown once): %s\n", p.Compound.ID, tok)
		}
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return errs.Invalidf("--staff-file: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, ",")
		if len(parts) != 3 {
			return errs.Invalidf("--staff-file %s:%d: want NAME,COMPOUND,ROLE", path, n)
		}
		name, compound, role := strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2])
		tok, err := svc.AddStaff(ctx, compound, name, role)
		if err != nil {
			return fmt.Errorf("--staff-file %s:%d: %w", path, n, err)
		}
		fmt.Fprintf(e.stdout, "%s token for %s, %s (shown once): %s\n", role, compound, name, tok)
	}
	return sc.Err()
}
