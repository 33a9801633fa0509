package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"natq/planner"
	"natq/planner/errs"
	"natq/planner/planfile"
	"natq/planner/sheets"
	"natq/planner/synth"
	"natq/qr"
	"natq/queue"
	"natq/queue/server"
	"natq/static"
)

func init() {
	commands["demo"] = command{"plan a bundled compound and serve it on the embedded store", runDemo}
}

// demoConfig is what a demo is made of; tests build one of their own.
type demoConfig struct {
	compound []byte // a compound file; nil: the bundled contest compound
	name     string // its file name, for messages
	desks    int
	date, tz string
	// now is the binary's clock: it dates the plan (today in the
	// compound's zone) and drives the demo clock, which starts at the
	// plan's first window and runs at now's pace, so that the day can be
	// walked through whenever the demo runs.
	now func() time.Time
	// clock, when set, is the service's clock instead of the demo clock.
	clock func() time.Time
	// lineShown, when set, is the service's LineShown (queue.Options).
	lineShown int
	// fonts finds the Chinese font the coordinator's ticket cards print
	// in; nil: the system's (sheets.DefaultFonts). An error serves the
	// demo without printing, as on a machine with no Chinese font.
	fonts func() (*sheets.Fonts, error)
	// edit, when set, changes the plan file before it is served, as a
	// coordinator editing the file by hand would (tests).
	edit func(*planfile.File)
}

// demo is a planned compound served on the embedded store.
type demo struct {
	app     *fiber.App
	svc     *queue.Service
	store   *queue.Store
	file    *planfile.File // the plan, read back from its file's bytes once
	plan    *queue.Plan
	staff   string // coordinator token
	marshal string // marshal token
	// displayURL is the first site's call screen, its display token after
	// "#t=" (AddDisplay).
	displayURL string
	baseURL    string // the address the server is reached at; ticket QR codes carry it
	clock      func() time.Time
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("demo", e, "demo [--addr HOST:PORT] [--file COMPOUND] [--desks N]")
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	file := fs.String("file", "", "plan this compound `FILE` (GeoJSON or OSM XML) instead of the bundled contest compound")
	cfg := demoConfig{desks: 30, tz: "Asia/Shanghai", now: e.clock()}
	fs.IntVar(&cfg.desks, "desks", cfg.desks, "sampling desks (teams) on hand")
	_, err := parseN(fs, args, 0, "demo takes no arguments; name a compound file with --file")
	if err != nil {
		return helpOK(err)
	}
	if *file != "" {
		if cfg.compound, err = os.ReadFile(*file); err != nil {
			return errs.Invalidf("%s: %v", *file, err)
		}
		cfg.name = filepath.Base(*file)
	}
	ln, err := listen(*addr)
	if err != nil {
		return err
	}
	d, err := newDemo(ctx, cfg, "http://"+hostPort(ln.Addr(), *addr))
	if err != nil {
		ln.Close()
		return err
	}
	defer d.close()
	d.printIntro(e)
	errc := make(chan error, 1)
	go func() { errc <- d.app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		// As natq serve: a connection still open after the wait (a
		// browser's spare socket that never sent a request) is closed
		// with the process, and a stop asked for is not a failure.
		if err := d.app.ShutdownWithTimeout(3 * time.Second); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return nil
	}
}

// hostPort is the address to print: the one asked for, unless it was a
// wildcard or port 0.
func hostPort(a net.Addr, asked string) string {
	h, p, err := net.SplitHostPort(asked)
	ta, ok := a.(*net.TCPAddr)
	if err != nil || !ok {
		return a.String()
	}
	if p == "0" || p == "" {
		p = fmt.Sprint(ta.Port)
	}
	if h == "" || h == "0.0.0.0" || h == "::" {
		h = "localhost"
	}
	return net.JoinHostPort(h, p)
}

// newDemo plans the compound, loads the plan on a fresh embedded store and
// returns the app with the API, the pages and the print pages mounted.
func newDemo(ctx context.Context, cfg demoConfig, base string) (*demo, error) {
	if cfg.compound == nil {
		b, err := json.Marshal(synth.Contest())
		if err != nil {
			return nil, err
		}
		cfg.compound, cfg.name = b, "contest.geojson"
	}
	if cfg.tz == "" {
		cfg.tz = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(cfg.tz)
	if err != nil {
		return nil, err
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.date == "" {
		cfg.date = cfg.now().In(loc).Format("2006-01-02")
	}
	src, err := planner.Read(cfg.name, cfg.compound)
	if err != nil {
		return nil, err
	}
	stem := strings.TrimSuffix(cfg.name, filepath.Ext(cfg.name))
	cs, err := src.Compounds(planner.Selection{WholeID: stem})
	if err != nil {
		return nil, err
	}
	var c *planner.Compound
	for _, x := range cs {
		if len(x.Buildings) > 0 && (c == nil || len(x.Buildings) > len(c.Buildings)) {
			c = x
		}
	}
	if c == nil {
		return nil, errs.Invalidf("%s", cfg.name+": no compound with buildings in it")
	}
	p := planner.DefaultParams()
	p.Date, p.TZ, p.Desks = cfg.date, cfg.tz, cfg.desks
	pl, err := planner.Make(c, p)
	if err != nil {
		return nil, err
	}
	// The demo serves what the plan file says, as natq serve would: the
	// plan goes through its bytes and is read back, once.
	var planFile bytes.Buffer
	if err := pl.File().Write(&planFile); err != nil {
		return nil, err
	}
	pf, err := planfile.Read(&planFile)
	if err != nil {
		return nil, err
	}
	if cfg.edit != nil {
		cfg.edit(pf)
	}
	qp, err := queue.NewPlan(pf)
	if err != nil {
		return nil, err
	}

	clock := cfg.clock
	if clock == nil {
		clock = demoClock(qp, cfg.now)
	}
	// Always the embedded store: the demo is a clean day in memory, never
	// a shared Redis that REDIS_URL may name.
	store, err := queue.OpenStore(ctx, queue.StoreConfig{})
	if err != nil {
		return nil, err
	}
	d := &demo{store: store, file: pf, plan: qp, baseURL: base, clock: clock}
	fail := func(err error) (*demo, error) { d.close(); return nil, err }
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return fail(err)
	}
	signer, err := qr.NewSigner(secret)
	if err != nil {
		return fail(err)
	}
	opts := queue.DefaultOptions()
	opts.Now, opts.BaseURL = clock, base
	if cfg.lineShown > 0 {
		opts.LineShown = cfg.lineShown
	}
	svc := queue.New(store.Client, signer, opts)
	d.svc = svc
	if err := svc.OpenRound(ctx, qp); err != nil {
		return fail(err)
	}
	if d.staff, err = svc.AddStaff(ctx, qp.Compound.ID, "demo coordinator", queue.RoleCoordinator); err != nil {
		return fail(err)
	}
	if d.marshal, err = svc.AddStaff(ctx, qp.Compound.ID, "demo marshal", queue.RoleMarshal); err != nil {
		return fail(err)
	}
	// The first site's call screen, signed in by its link as a tablet's
	// QR code would sign it in.
	m, err := svc.Authenticate(ctx, d.marshal)
	if err != nil {
		return fail(err)
	}
	dt, err := svc.AddDisplay(ctx, m, d.firstSite())
	if err != nil {
		return fail(err)
	}
	d.displayURL = dt.URL
	// The demo prints the coordinator's ticket cards when this machine has
	// a Chinese font, as natq serve does.
	var sopts server.Options
	if cfg.fonts == nil {
		cfg.fonts = sheets.DefaultFonts
	}
	if fonts, err := cfg.fonts(); err == nil {
		sopts.Cards = cardPrinter(fonts)
	}
	d.app = server.New(svc, sopts)
	static.Mount(d.app, static.Options{
		Now: clock, Staff: svc.Authenticate,
		Plan: func(id string) (*planfile.File, bool) {
			return pf, id == pf.Compound.ID
		},
	})
	d.mountPrint()
	d.app.Get("/", func(c *fiber.Ctx) error { return c.Redirect(d.residentPath(d.firstBuilding()), http.StatusFound) })
	return d, nil
}

// demoClock runs from the plan's first window, at the pace of now, so
// that a demo started at midnight still has its morning.
func demoClock(p *queue.Plan, now func() time.Time) func() time.Time {
	first := p.Windows[0].Start
	for _, w := range p.Windows {
		if w.Start.Before(first) {
			first = w.Start
		}
	}
	offset := first.Add(time.Minute).Sub(now())
	return func() time.Time { return now().Add(offset) }
}

func (d *demo) close() {
	if d.app != nil {
		d.app.ShutdownWithTimeout(time.Second)
	}
	if d.store != nil {
		d.store.Close()
	}
}

// firstBuilding is a building called in the day's first windows, so
// that a ticket booked on its page can be checked in at once; one whose
// site changes in the rain, where there is one, so that the rain switch
// shows.
func (d *demo) firstBuilding() string {
	first := time.Time{}
	for _, w := range d.plan.Windows {
		if w.Variant == d.plan.Variants[0] && (first.IsZero() || w.Start.Before(first)) {
			first = w.Start
		}
	}
	var opening []string
	for _, w := range d.plan.Windows {
		if w.Variant != d.plan.Variants[0] || !w.Start.Equal(first) {
			continue
		}
		for _, g := range w.Groups {
			if g.Building != "" && g.Building != "students" {
				opening = append(opening, g.Building)
			}
		}
	}
	for _, b := range opening {
		if s := d.file.Building(b).Site; s["wet"] != "" && s["wet"] != s["dry"] {
			return b
		}
	}
	if len(opening) > 0 {
		return opening[0]
	}
	if len(d.plan.Buildings) > 0 {
		return d.plan.Buildings[0].ID
	}
	return ""
}

// firstSite is the site the first building is called to first.
func (d *demo) firstSite() string {
	b := d.firstBuilding()
	for _, w := range d.plan.Windows {
		for _, g := range w.Groups {
			if g.Building == b && w.Variant == d.plan.Variants[0] {
				return w.Site
			}
		}
	}
	return ""
}

func (d *demo) residentPath(building string) string {
	return "/c/" + d.plan.Compound.ID + "/b/" + building
}

func (d *demo) printIntro(e *env) {
	w, base, id := e.stdout, d.baseURL, d.plan.Compound.ID
	fmt.Fprintln(e.stderr, "natq demo: the store is EMBEDDED and IN MEMORY (miniredis): one instance only, everything is lost when it stops.")
	fmt.Fprintf(w, "natq demo: %s (%s), %d buildings, %d windows, round %s\n", d.plan.Compound.Name, id, len(d.plan.Buildings), len(d.plan.Windows), d.plan.Date)
	fmt.Fprintf(w, "  demo clock: the day starts now at %s (it runs at the wall clock's pace)\n", d.clock().In(d.plan.TZ).Format("2006-01-02 15:04 MST"))
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  resident page (door QR):   %s%s\n", base, d.residentPath(d.firstBuilding()))
	fmt.Fprintf(w, "  coordinator page (tablet): %s/staff\n", base)
	fmt.Fprintf(w, "    coordinator token:       %s\n", d.staff)
	fmt.Fprintf(w, "    marshal token:           %s\n", d.marshal)
	fmt.Fprintf(w, "  site display (a TV):       %s\n", d.displayURL)
	fmt.Fprintf(w, "    (signed in by its link, with a token that shows calls only; without the token after #t=, the\n")
	fmt.Fprintf(w, "     screen shows a pairing code to type under 叫号屏 on the tablet)\n")
	fmt.Fprintf(w, "  building sheet (print):    %s/print/b/%s.pdf\n", base, d.firstBuilding())
	for _, v := range d.plan.Variants {
		fmt.Fprintf(w, "  %-27s%s/print/battle/%s.pdf\n", "battle map, "+v+" (print):", base, v)
	}
	fmt.Fprintf(w, "  API:                       %s/api/v1/compounds/%s\n", base, id)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Open the resident page on a phone (or a narrow window), book, then check the ticket in on /staff. Ctrl-C stops.")
}

// mountPrint serves the printed sheets of the demo's plan as PDF or SVG.
func (d *demo) mountPrint() {
	var once sync.Once
	var sp *sheets.Plan
	var spErr error
	load := func() (*sheets.Plan, error) {
		once.Do(func() { sp, spErr = sheets.FromFile(d.file) })
		return sp, spErr
	}
	// A sheet is the same every time (the plan and the base URL are the
	// demo's): drawn once, on its first request, however many ask at once,
	// and kept. Before, each request drew it anew, and a few dozen requests
	// a second for the battle maps took both cores from the queue.
	type drawn struct {
		once sync.Once
		b    []byte
		err  error
	}
	var mu sync.Mutex
	sheetsDrawn := map[string]*drawn{}
	send := func(c *fiber.Ctx, known func(p *sheets.Plan, stem string) bool, draw func(p *sheets.Plan, stem string, f sheets.Format, o sheets.Options, b *bytes.Buffer) error) error {
		name := c.Params("name")
		f := sheets.PDF
		if strings.HasSuffix(name, ".svg") {
			f = sheets.SVG
		} else if !strings.HasSuffix(name, ".pdf") {
			return fiber.ErrNotFound
		}
		stem := strings.TrimSuffix(strings.TrimSuffix(name, ".pdf"), ".svg")
		p, err := load()
		if err != nil {
			return err
		}
		if !known(p, stem) {
			return errs.New(errs.NotFound, "方案里没有“"+queue.Shown(stem)+"”这张图", "the plan has no sheet "+strconv.Quote(queue.Shown(stem)))
		}
		key := c.Route().Path + "\x00" + name // a known sheet's: the map is as big as the plan's sheets
		mu.Lock()
		e := sheetsDrawn[key]
		if e == nil {
			e = &drawn{}
			sheetsDrawn[key] = e
		}
		mu.Unlock()
		e.once.Do(func() {
			sheetDraws.Add(1)
			var b bytes.Buffer
			e.err = draw(p, stem, f, sheets.Options{BaseURL: d.baseURL}, &b)
			e.b = b.Bytes()
		})
		if e.err != nil {
			mu.Lock()
			if sheetsDrawn[key] == e {
				delete(sheetsDrawn, key) // drawn again on the next request
			}
			mu.Unlock()
			return e.err // the server's one error path says what is wrong
		}
		if f == sheets.SVG {
			c.Set(fiber.HeaderContentType, "image/svg+xml")
		} else {
			c.Set(fiber.HeaderContentType, "application/pdf")
		}
		return c.Send(e.b)
	}
	d.app.Get("/print/b/:name", func(c *fiber.Ctx) error {
		return send(c, func(p *sheets.Plan, stem string) bool { return p.Building(stem) != nil },
			func(p *sheets.Plan, stem string, f sheets.Format, o sheets.Options, b *bytes.Buffer) error {
				return sheets.BuildingSheet(b, p, stem, f, o)
			})
	})
	d.app.Get("/print/battle/:name", func(c *fiber.Ctx) error {
		return send(c, func(p *sheets.Plan, stem string) bool { return slices.Contains(p.Variants, stem) },
			func(p *sheets.Plan, stem string, f sheets.Format, o sheets.Options, b *bytes.Buffer) error {
				return sheets.BattleMap(b, p, stem, f, o)
			})
	})
}

// sheetDraws counts the sheets the demo has drawn (its tests read it).
var sheetDraws atomic.Int64
