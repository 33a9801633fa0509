// Package static serves natq's web pages, embedded in the binary: the
// resident page (a phone, from the QR code on the building door), the
// coordinator page (a tablet at the sampling point), the site display (a
// TV at the site, calling each ticket aloud) and their assets.
//
// The pages are plain HTML, CSS and JavaScript with no build step; they
// talk to the queue service's JSON API (issue 4's contract) and to the map
// endpoint mounted here, which draws on the plan file.
package static

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"natq/planner/errs"
	"natq/planner/planfile"
	"natq/queue/server"
)

//go:embed web
var files embed.FS

// Web is the pages' file tree: resident.html, staff.html, display.html and
// their assets.
var Web, _ = fs.Sub(files, "web")

// Options are what Mount needs from the server that mounts the pages.
type Options struct {
	// Plan returns the plan of a compound's current round, read once by
	// the caller, or false when the compound is not loaded. The maps drawn
	// from a plan are kept as long as Plan returns the same *File.
	Plan func(compound string) (*planfile.File, bool)
	// PlanFile, for a server that holds plan files as bytes and sets no
	// Plan, returns a compound's plan file; the same bytes are read once.
	PlanFile func(compound string) ([]byte, bool)
	// Now is the queue service's clock, sent to the pages so that "now"
	// on a tablet is the service's now (natq demo runs a shifted clock).
	Now func() time.Time
	// MapRoute, when set, replaces the map endpoint's path; the default is
	// /api/v1/compounds/:id/map.json.
	MapRoute string
	// Staff, when set, authenticates a staff token for the plan's
	// simulation charts (simchart.go); without it they are not served.
	Staff StaffFunc
}

// Mount adds the pages to app:
//
//	GET /c/:compound/b/:building   resident page (the URL in the door QR)
//	GET /t/:ticket                 resident page showing a ticket
//	GET /staff                     coordinator page
//	GET /display/:compound/:site   site display (calls, the next few, the line; spoken)
//	GET /static/*                  assets
//	GET /api/v1/compounds/:id/map.json[?building=ID]
//	GET /api/v1/compounds/:id/sim/:site.svg[?variant=dry|wet]   staff: the plan's simulated line
func Mount(app *fiber.App, o Options) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Plan == nil {
		o.Plan = readOnce(o.PlanFile)
	}
	page := func(name string) fiber.Handler {
		body, err := readPage(name)
		if err != nil {
			panic("static: " + err.Error())
		}
		return func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			c.Set(fiber.HeaderCacheControl, "no-cache")
			c.Set("Content-Security-Policy", csp)
			c.Set("X-Content-Type-Options", "nosniff")
			c.Set("Referrer-Policy", "no-referrer")
			return c.Send(body)
		}
	}
	// A slow phone on a crowded cell: everything of ours goes compressed.
	z := compress.New(compress.Config{Level: compress.LevelBestSpeed})
	app.Get("/c/:compound/b/:building", z, page("resident.html"))
	app.Get("/t/:ticket", z, page("resident.html"))
	app.Get("/staff", z, page("staff.html"))
	app.Get("/display/:compound/:site", z, page("display.html"))
	app.Get("/static/*", z, asset)
	route := o.MapRoute
	if route == "" {
		route = "/api/v1/compounds/:id/map.json"
	}
	mountSimChart(app, o)
	maps := &mapCache{}
	app.Get(route, z, func(c *fiber.Ctx) error {
		f, ok := o.Plan(c.Params("id"))
		if ok && f == nil {
			return server.Fail(c, slog.Default(), nil, errs.New(errs.Internal, "地图无法生成", "the map cannot be drawn"))
		}
		if !ok {
			return server.Fail(c, slog.Default(), nil, errs.New(errs.NoCompound, "找不到该小区", "no such compound"))
		}
		body, err := maps.json(f, c.Query("building"))
		if err != nil {
			return err
		}
		// The kept JSON has no "now" (the clock moves); it goes first.
		now, _ := json.Marshal(o.Now().Format(time.RFC3339Nano))
		out := make([]byte, 0, len(body)+len(now)+8)
		out = append(append(append(out, `{"now":`...), now...), ',')
		out = append(out, body[1:]...)
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(out)
	})
}

// headMark stands in each page's head for web/head.html, what every page
// has there (the character set, the viewport, the icon, the style sheet
// and common.js before the page's own script).
const headMark = "<!-- natq:head -->"

// readPage is a page of Web with its head filled in.
func readPage(name string) ([]byte, error) {
	body, err := fs.ReadFile(Web, name)
	if err != nil {
		return nil, err
	}
	head, err := fs.ReadFile(Web, "head.html")
	if err != nil {
		return nil, err
	}
	if !bytes.Contains(body, []byte(headMark+"\n")) {
		return nil, fmt.Errorf("%s has no %s", name, headMark)
	}
	return bytes.Replace(body, []byte(headMark+"\n"), head, 1), nil
}

// readOnce turns a source of plan file bytes into a source of plans, each
// distinct file read once (nil when it does not read).
func readOnce(planFile func(string) ([]byte, bool)) func(string) (*planfile.File, bool) {
	type read struct {
		data []byte
		f    *planfile.File
	}
	var mu sync.Mutex
	last := map[string]read{}
	return func(compound string) (*planfile.File, bool) {
		if planFile == nil {
			return nil, false
		}
		data, ok := planFile(compound)
		if !ok || len(data) == 0 {
			return nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		if r, ok := last[compound]; ok && len(r.data) == len(data) && &r.data[0] == &data[0] {
			return r.f, true
		}
		f, err := planfile.Read(bytes.NewReader(data))
		if err != nil {
			f = nil
		}
		last[compound] = read{data, f}
		return f, true
	}
}

// mapCache keeps the maps drawn from each plan, and their JSON: the whole
// compound's, and each of its buildings' (only buildings the plan has: a
// client choosing names cannot fill it).
type mapCache struct {
	mu    sync.Mutex
	plans map[*planfile.File]*planMaps
}

type planMaps struct {
	base       *Map
	byBuilding map[string]*Map
	bodies     map[*Map][]byte
}

// json is the JSON of the map of f for building ("" for the compound's),
// without "now".
func (mc *mapCache) json(f *planfile.File, building string) ([]byte, error) {
	m := mc.get(f, building)
	mc.mu.Lock()
	defer mc.mu.Unlock()
	pm := mc.plans[f]
	if pm != nil {
		if b := pm.bodies[m]; b != nil {
			return b, nil
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if pm != nil && (building == "" || pm.byBuilding[building] == m) {
		pm.bodies[m] = b
	}
	return b, nil
}

// forPlan is what plans keeps for f, made by fresh the first time; a
// compound's new round replaces what was kept for its old one. The caller
// holds the lock that guards plans.
func forPlan[T any](plans *map[*planfile.File]T, f *planfile.File, fresh func() T) T {
	if *plans == nil {
		*plans = map[*planfile.File]T{}
	}
	v, ok := (*plans)[f]
	if !ok {
		for old := range *plans {
			if old.Compound.ID == f.Compound.ID {
				delete(*plans, old)
			}
		}
		v = fresh()
		(*plans)[f] = v
	}
	return v
}

func (mc *mapCache) get(f *planfile.File, building string) *Map {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	pm := forPlan(&mc.plans, f, func() *planMaps {
		return &planMaps{base: baseMap(f), byBuilding: map[string]*Map{}, bodies: map[*Map][]byte{}}
	})
	if building == "" {
		return pm.base
	}
	if m := pm.byBuilding[building]; m != nil {
		return m
	}
	m := pm.base.forBuilding(f, building)
	if f.Building(building) != nil {
		pm.byBuilding[building] = m
	}
	return m
}

// csp keeps the pages to their own origin: no outside script, font or
// style, no inline script. The camera needs blob: for nothing; images are
// the ticket QR (same origin) and data: for none.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

var mimeTypes = map[string]string{
	".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
	".svg": "image/svg+xml", ".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8",
	".png": "image/png", ".ico": "image/x-icon",
}

func asset(c *fiber.Ctx) error {
	name := path.Clean(c.Params("*"))
	if name == "." || strings.HasPrefix(name, "..") || strings.HasSuffix(name, ".html") {
		return c.SendStatus(http.StatusNotFound)
	}
	body, err := fs.ReadFile(Web, name)
	if err != nil {
		return c.SendStatus(http.StatusNotFound)
	}
	ct := mimeTypes[path.Ext(name)]
	if ct == "" {
		ct = "application/octet-stream"
	}
	c.Set(fiber.HeaderContentType, ct)
	// Assets change only with the binary; a phone revalidates cheaply.
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(body)
}
