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
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
)

//go:embed web
var files embed.FS

// Web is the pages' file tree: resident.html, staff.html, display.html and
// their assets.
var Web, _ = fs.Sub(files, "web")

// Options are what Mount needs from the server that mounts the pages.
type Options struct {
	// PlanFile returns the plan file (GeoJSON) of a compound's current
	// round, or false when the compound is not loaded.
	PlanFile func(compound string) ([]byte, bool)
	// Now is the queue service's clock, sent to the pages so that "now"
	// on a tablet is the service's now (natq demo runs a shifted clock).
	Now func() time.Time
	// MapRoute, when set, replaces the map endpoint's path; the default is
	// /api/v1/compounds/:id/map.json.
	MapRoute string
}

// Mount adds the pages to app:
//
//	GET /c/:compound/b/:building   resident page (the URL in the door QR)
//	GET /t/:ticket                 resident page showing a ticket
//	GET /staff                     coordinator page
//	GET /display/:compound/:site   site display (calls, the next few, the line; spoken)
//	GET /static/*                  assets
//	GET /api/v1/compounds/:id/map.json[?building=ID]
func Mount(app *fiber.App, o Options) {
	if o.Now == nil {
		o.Now = time.Now
	}
	page := func(name string) fiber.Handler {
		body, err := fs.ReadFile(Web, name)
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
	app.Get(route, z, func(c *fiber.Ctx) error {
		data, ok := o.PlanFile(c.Params("id"))
		if !ok {
			return c.Status(http.StatusNotFound).JSON(apiError("no_compound", "找不到该小区", "no such compound"))
		}
		m, err := BuildMap(data, c.Query("building"))
		if err != nil {
			return c.Status(http.StatusInternalServerError).JSON(apiError("internal", "地图无法生成", "the map cannot be drawn"))
		}
		m.Now = o.Now().Format(time.RFC3339Nano)
		c.Set(fiber.HeaderCacheControl, "no-cache")
		body, err := json.Marshal(m)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(body)
	})
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

func apiError(code, zh, en string) fiber.Map {
	return fiber.Map{"error": fiber.Map{"code": code, "message": zh, "message_en": en}}
}
