// Package server is natq's HTTP layer: the queue service's JSON API,
// server-sent events, ticket QR codes, health and metrics, on Fiber.
//
// New returns the *fiber.App with every route of the API; callers add
// their own routes (pages, printed sheets) to it afterwards. Handlers only
// parse, call the queue.Service with the request's context and write JSON;
// every failure goes through one error path (fail), which maps the
// service's error codes to HTTP statuses and answers
// {"error": {"code", "message", "message_en"}} (and "field" for bad input).
//
// State-changing requests take JSON bodies only (415 otherwise), strictly
// (400 for duplicate or unknown members, bad UTF-8, trailing data), and
// are refused (403) from another site's page (Origin, Sec-Fetch-Site).
// Event streams are capped per address (429) and in total (503).
//
// Routes (staff routes take "Authorization: Bearer <staff token>": 401
// without a valid one, 403 for a marshal on a coordinator route, for a
// display's token on anything but a line, or for another compound's
// token):
//
//	GET    /healthz, /readyz (Redis reachable), /metrics (Prometheus)
//	GET    /api/v1/compounds                           every compound's round, variant, sites, windows
//	GET    /api/v1/compounds/{id}                      one compound (same shape)
//	POST   /api/v1/compounds/{id}/bookings             {"building","unit","room","party","students","ticket","key"}: 201 new, 200 repeat
//	                                                   (or a party change) holding the household's "ticket", or the "key" the
//	                                                   phone that booked it sent (its own secret), or from staff,
//	                                                   409 already_booked without it (nothing of the ticket told, nothing
//	                                                   changed), 409 full, 429 beyond the address's budget of households (staff: none)
//	GET    /api/v1/tickets/{ticket}                    state, site, window, people ahead; 404 forged
//	DELETE /api/v1/tickets/{ticket}                    cancel (the ticket is the credential)
//	PATCH  /api/v1/tickets/{ticket}                    {"party"}: change a booked ticket's party (the ticket is the credential);
//	                                                   409 party_full, party_locked (in line or finished), final (cancelled)
//	GET    /api/v1/tickets/{ticket}/events             server-sent events of the ticket
//	GET    /api/v1/sites/{site}/events                 server-sent events of a site's line ("compound~site" when ids clash);
//	                                                   ?bookings=1: its new bookings and parties' new sizes too (the tablet's);
//	                                                   either stream: {"type":"resync"} when events may have been lost (read afresh)
//	POST   /api/v1/sites/{site}/checkins    marshal    {"ticket"}
//	POST   /api/v1/sites/{site}/calls       marshal    {"desk"} optional (1): call the next to that desk; 409 desk_busy with the desk's "ticket"
//	POST   /api/v1/sites/{site}/displays    marshal    201 a display token for the site (role display: reads its line, changes nothing): its link, with the token after #t=, and the link's QR code (qr_svg);
//	                                                   with {"code"}: pair the display showing that code instead (201 its name and site; 404 no such code)
//	POST   /api/v1/sites/{site}/pairings               a display without a token: 201 a 6-digit code to show, the secret to poll with, its end (429 beyond a few an address)
//	POST   /api/v1/sites/{site}/pairings/poll          {"secret"}: "waiting", or once "paired" with the display's token and link; 404 when the code ended
//	GET    /api/v1/sites/{site}/line        display    the desks' calls and who waits, in call order (the first LineShown; waiting_more the rest); closed and moved_to when the active variant has no place for the site
//	POST   /api/v1/tickets/{ticket}/noshow  marshal    missed: the desk's next is called at once ("next"); recalled later, no_show after N calls
//	POST   /api/v1/tickets/{ticket}/requeue marshal    a called ticket back to its place, the call not counted
//	POST   /api/v1/tickets/{ticket}/repeat  marshal    call a called ticket again on the site's display
//	POST   /api/v1/tickets/{ticket}/sampled marshal    {"tube","site"} both optional: "site", the desk's, refuses a ticket of another site's line (409 wrong_site)
//	GET    /api/v1/compounds/{id}/tubes/{tube} marshal the tube's tickets
//	GET    /api/v1/compounds/{id}/tickets/{number} marshal a ticket by its short number (票号, "票 123", "１２３"): its view and
//	                                                   signed token, for a desk whose scanner cannot read its QR code; 404 none, 409 old_round
//	POST   /api/v1/compounds/{id}/walkins   marshal    {"building","unit","room","party"} at the desk without a ticket: 200 the household's
//	                                                   ticket (its party kept), or 201 a new paper ticket (the walk-in share is for it;
//	                                                   after the household's windows, the next window of its site with room; 409
//	                                                   windows_over when the site's have ended too)
//	POST   /api/v1/compounds/{id}/homesamples marshal  {"building","unit","room","party","tube"} sampled at home by the door-to-door team:
//	                                                   201 its ticket (origin home, sampled); a booking of the household becomes it, its seat given back
//	GET    /api/v1/compounds/{id}/homesamples marshal  the round's home samples, newest first: each ticket with recorded_by, and
//	                                                   for one taken back taken_back_at and taken_back_by; households and people counted
//	DELETE /api/v1/tickets/{ticket}/home    marshal    take back a home sample recorded by mistake: the household is not sampled again;
//	                                                   a record that was its booking books it again in that window while open with room ("state": "booked")
//	PUT    /api/v1/compounds/{id}/variant   coord.     {"variant": "wet"|"dry"}
//	POST   /api/v1/compounds/{id}/prebookings coord.   CSV building,unit,room,party[,name[,students]], at most 2,000 rows; JSON (a row
//	                                                   refused, full: its "error" as any error's), or with
//	                                                   Accept: text/csv the ticket CSV of natq/planner/ticketcsv, or with Accept:
//	                                                   application/pdf the ticket cards to print (Options.Cards; 501 cannot_print without)
//	POST   /api/v1/compounds/{id}/cancellations coord. {"building","unit","room"}
//	GET    /api/v1/compounds/{id}/coverage  coord.     per building expected/booked/sampled, not sampled, previous round; missed: sampled then, no ticket now
//	GET    /api/v1/staff/me                 display    whose the token is: compound, name, role (coordinator, marshal or display)
//	GET    /api/v1/compounds/{id}/staff     coord.     staff tokens: id, name, role, issued, until, expired
//	DELETE /api/v1/compounds/{id}/staff/{name} coord.  revoke a name's tokens (or one, by id), on every instance
//	GET    /qr/{ticket}.png?size=N, /qr/{ticket}.svg   the ticket page URL as a QR code
package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	jsonv1 "github.com/go-json-experiment/json/v1"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/etag"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"natq/planner/errs"
	"natq/planner/planfile"
	"natq/planner/ticketcsv"
	"natq/queue"
)

// Options configure the HTTP layer.
type Options struct {
	// Registry serves /metrics; the service's queue.Metrics should be
	// registered in it. nil: a registry with only the Go collectors.
	Registry *prometheus.Registry
	// ProxyHeader names the header holding the client address behind a
	// trusted proxy (X-Real-IP, or X-Forwarded-For: its last address,
	// the one the proxy wrote, is taken); "" uses the peer address.
	ProxyHeader string
	// Logger gets the detail of failures users see only in short.
	Logger *slog.Logger
	// MaxStreamsPerAddress caps the event streams one client address
	// holds open (429 beyond it); 0: DefaultMaxStreamsPerAddress.
	MaxStreamsPerAddress int
	// MaxStreams caps the instance's open event streams (503 beyond it);
	// 0: DefaultMaxStreams.
	MaxStreams int
	// MaxConns caps the instance's open connections, event streams
	// included; beyond it fasthttp answers 503 and closes. A stream leaves
	// fasthttp's count once it has taken its connection over, so fasthttp
	// serves MaxConns - MaxStreams others (at least 64). 0: Fiber's
	// default (262144). Keep it below the process's file limit so that
	// accepting never runs out.
	MaxConns int
	// Origins are origins, besides the service's own (its BaseURL and
	// the Host a request is sent to), whose pages may change state.
	Origins []string
	// Cards prints pre-booked tickets as cards (natq/planner/sheets'
	// TicketCards, as PDF) for the plan they were booked in, for the
	// pre-booking route's Accept: application/pdf. nil: that route
	// answers cannot_print (this instance has no font to print with).
	Cards func(w io.Writer, plan *planfile.File, tickets []ticketcsv.Ticket) error
}

// New returns the HTTP app serving svc.
func New(svc *queue.Service, opts Options) *fiber.App {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
		opts.Registry.MustRegister(collectors.NewGoCollector())
	}
	if opts.MaxStreamsPerAddress <= 0 {
		opts.MaxStreamsPerAddress = DefaultMaxStreamsPerAddress
	}
	if opts.MaxStreams <= 0 {
		opts.MaxStreams = DefaultMaxStreams
	}
	conns := opts.MaxConns
	if conns > 0 {
		conns = max(conns-opts.MaxStreams, 64)
	}
	h := &handlers{svc: svc, log: opts.Logger, proxy: opts.ProxyHeader, cards: opts.Cards,
		streams: &streams{maxPer: opts.MaxStreamsPerAddress, max: opts.MaxStreams, per: map[string]int{}}}
	app := fiber.New(fiber.Config{
		AppName: "natq",
		// Params and bodies reach the service, which may keep them (metric
		// labels, events); Fiber's zero-copy strings would change under it.
		Immutable:             true,
		ErrorHandler:          h.errorHandler,
		DisableStartupMessage: true,
		ProxyHeader:           opts.ProxyHeader,
		BodyLimit:             4 << 20,
		IdleTimeout:           2 * time.Minute,
		Concurrency:           conns,
		// No route takes a form: a multipart body is refused by type,
		// never parsed.
		DisablePreParseMultipartForm: true,
		// encoding/json's output exactly (go-json-experiment's v1 Marshal
		// is documented to be semantically identical), on the JSON v2
		// engine: a ticket's answer in 2.3 µs and one allocation, not 3.2 µs
		// and eight (its times are not encoded, then scanned again).
		// A booking's and a ticket's answers, the most asked for, are
		// written field by field (queue/json.go: the same bytes in a
		// third of the time).
		JSONEncoder: encodeJSON,
		// A hijacked event stream does not keep fasthttp's 4 KB read
		// buffer for its life (5.2 KB of heap a stream, not 9).
		ReduceMemoryUsage: true,
	})
	app.Use(recover.New(), requestid.New(), h.sameOrigin(svc.Options().BaseURL, opts.Origins), h.contentType)

	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", h.ready)
	app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{})))

	api := app.Group("/api/v1")
	// The compound's status is the largest thing a phone fetches (tens of
	// KB of windows): compressed, it is a few KB on a slow connection.
	api.Get("/compounds", compress.New(), etag.New(), h.compounds)
	api.Get("/compounds/:id", compress.New(), etag.New(), h.compound)
	api.Post("/compounds/:id/bookings", h.book)
	api.Get("/tickets/:ticket", h.ticket)
	api.Delete("/tickets/:ticket", h.cancel)
	api.Patch("/tickets/:ticket", h.changeParty)
	api.Get("/tickets/:ticket/events", h.ticketEvents)
	api.Get("/sites/:site/events", h.siteEvents)

	display, marshal, coord := h.auth(queue.RoleDisplay), h.auth(queue.RoleMarshal), h.auth(queue.RoleCoordinator)
	// The desk's changes check their token in their own script (deskAuth).
	api.Post("/sites/:site/checkins", h.deskAuth, h.checkIn)
	api.Post("/sites/:site/calls", h.deskAuth, h.call)
	api.Get("/sites/:site/line", display, h.line)
	api.Post("/sites/:site/displays", marshal, h.display)
	api.Post("/sites/:site/pairings", h.pairStart)
	api.Post("/sites/:site/pairings/poll", h.pairPoll)
	api.Get("/staff/me", display, h.me)
	api.Post("/tickets/:ticket/noshow", marshal, h.noShow)
	api.Post("/tickets/:ticket/requeue", marshal, h.requeue)
	api.Post("/tickets/:ticket/repeat", marshal, h.repeat)
	api.Post("/tickets/:ticket/sampled", h.deskAuth, h.sampled)
	api.Get("/compounds/:id/tubes/:tube", marshal, h.tube)
	api.Get("/compounds/:id/tickets/:number", marshal, h.ticketByNumber)
	api.Post("/compounds/:id/walkins", marshal, h.walkin)
	api.Post("/compounds/:id/homesamples", marshal, h.homeSample)
	api.Get("/compounds/:id/homesamples", marshal, h.homeSamples)
	api.Delete("/tickets/:ticket/home", marshal, h.undoHome)
	api.Put("/compounds/:id/variant", coord, h.variant)
	api.Post("/compounds/:id/prebookings", coord, h.preBook)
	api.Post("/compounds/:id/cancellations", coord, h.cancelHousehold)
	api.Get("/compounds/:id/coverage", coord, h.coverage)
	api.Get("/compounds/:id/staff", coord, h.staffList)
	api.Delete("/compounds/:id/staff/:name", coord, h.staffRevoke)

	app.Get("/qr/:file", etag.New(), h.qr)
	return app
}

type handlers struct {
	svc     *queue.Service
	log     *slog.Logger
	streams *streams
	proxy   string // Options.ProxyHeader (client)
	cards   func(io.Writer, *planfile.File, []ticketcsv.Ticket) error
}

func (h *handlers) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := h.svc.Ping(ctx); err != nil {
		return h.fail(c, err)
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

// statuses is the one table of HTTP statuses, by error code; any code not
// here is a refusal the client can act on: 409.
var statuses = map[errs.Code]int{
	errs.Invalid:        fiber.StatusBadRequest,
	errs.NotFound:       fiber.StatusNotFound,
	errs.NoCompound:     fiber.StatusNotFound,
	errs.NoSite:         fiber.StatusNotFound,
	errs.NoRoute:        fiber.StatusNotFound,
	errs.Unauthorized:   fiber.StatusUnauthorized,
	errs.Forbidden:      fiber.StatusForbidden,
	errs.RateLimited:    fiber.StatusTooManyRequests,
	errs.Unavailable:    fiber.StatusServiceUnavailable,
	errs.Internal:       fiber.StatusInternalServerError,
	errs.Method:         fiber.StatusMethodNotAllowed,
	errs.TooLarge:       fiber.StatusRequestEntityTooLarge,
	codeHeadersTooLarge: fiber.StatusRequestHeaderFieldsTooLarge,
	codeMediaType:       fiber.StatusUnsupportedMediaType,
	codeCrossOrigin:     fiber.StatusForbidden,
	codeTooManyStreams:  fiber.StatusTooManyRequests,
	codeOverloaded:      fiber.StatusServiceUnavailable,
	codeCannotPrint:     fiber.StatusNotImplemented,
}

// The HTTP layer's own refusals.
const (
	codeHeadersTooLarge errs.Code = "headers_too_large"
	codeMediaType       errs.Code = "media_type"
	codeCrossOrigin     errs.Code = "cross_origin"
	codeTooManyStreams  errs.Code = "too_many_streams"
	codeOverloaded      errs.Code = "overloaded"
	codeCannotPrint     errs.Code = "cannot_print"
)

// Status is the HTTP status of an error: the one place that decides it.
func Status(err error) int {
	if status, ok := statuses[errs.CodeOf(err)]; ok {
		return status
	}
	return fiber.StatusConflict
}

// Fail is the one error path of every handler, the pages' too: users get
// a short safe message in Chinese and English, the log the detail.
func Fail(c *fiber.Ctx, log *slog.Logger, refusals func(code string), err error) error {
	qe := errs.As(err)
	status := Status(qe)
	switch qe.Code {
	case errs.Unauthorized, errs.Forbidden, errs.Invalid, codeMediaType, codeCrossOrigin, codeTooManyStreams, codeOverloaded:
		// The service counts its own refusals; these are the HTTP layer's
		// or the request's.
		if refusals != nil {
			refusals(string(qe.Code))
		}
	}
	if status >= 500 {
		// The path names tickets (a ticket token is enough to cancel a
		// booking): the log gets it redacted, and errors carry no tokens.
		log.Error("natq http", "status", status, "method", c.Method(), "path", redactPath(c.Path()),
			"request_id", c.GetRespHeader(fiber.HeaderXRequestID), "err", redact(err.Error()))
	}
	var ra interface{ RetryAfter() int }
	switch {
	case errors.As(err, &ra):
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(ra.RetryAfter()))
	case status == fiber.StatusServiceUnavailable:
		c.Set(fiber.HeaderRetryAfter, "5")
	case qe.Code == codeTooManyStreams:
		c.Set(fiber.HeaderRetryAfter, "30")
	}
	if status == fiber.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="natq"`)
	}
	// An Error writes itself as the API's error (errs.Error.MarshalJSON),
	// without its cause.
	return c.Status(status).JSON(fiber.Map{"error": qe})
}

// fail is Fail with the handlers' log and refusal counter.
func (h *handlers) fail(c *fiber.Ctx, err error) error {
	return Fail(c, h.log, func(code string) { h.svc.Metrics().Refusals.WithLabelValues(code).Inc() }, err)
}

// errorHandler answers Fiber's own errors (no route, wrong method, body
// too large, a recovered panic) on the same path.
func (h *handlers) errorHandler(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound:
			err = errs.New(errs.NoRoute, "没有这个地址", "no such route")
		case fiber.StatusMethodNotAllowed:
			err = errs.New(errs.Method, "不支持该请求方法", "method not allowed")
		case fiber.StatusRequestEntityTooLarge:
			err = errs.New(errs.TooLarge, "请求内容过大", "request body too large")
		case fiber.StatusRequestHeaderFieldsTooLarge:
			err = errs.New(codeHeadersTooLarge, "请求头过大", "request headers too large")
		default:
			if fe.Code < 500 {
				err = queue.BadField("request", "请求格式错误", requestFault(fe.Message))
			}
		}
	}
	return h.fail(c, err)
}

// requestFault is what fasthttp says of a request it could not read,
// without the copy of the request it appends (", Buffer size=N,
// contents: ..."): that holds the request's headers, its Authorization
// among them, which an answer (and whatever logs answers on the way)
// should not carry.
func requestFault(msg string) string {
	if i := strings.Index(msg, " Buffer size="); i >= 0 {
		msg = strings.TrimRight(msg[:i], ". ")
	}
	return msg
}

// jsonAppender is a value that writes its own JSON (queue.Booking,
// queue.TicketView): false when it cannot, and encoding/json should.
type jsonAppender interface {
	AppendJSON([]byte) ([]byte, bool)
}

// sendJSON answers v as JSON, as c.JSON does, but writes a
// jsonAppender's own JSON straight into the response's body buffer, which
// fasthttp keeps in a pool: a booking's or a ticket's answer costs no
// buffer of its own. The one place the answers' own encoders are used;
// when one cannot (a time encoding/json refuses), c.JSON gives the
// general encoder's answer or error.
func sendJSON(c *fiber.Ctx, v any) error {
	if a, ok := v.(jsonAppender); ok {
		resp := c.Response()
		buf := resp.SwapBody(nil)
		if b, ok := a.AppendJSON(buf[:0]); ok {
			resp.SwapBody(b)
			resp.Header.SetContentType(fiber.MIMEApplicationJSON)
			return nil
		}
		resp.SwapBody(buf[:0])
	}
	return c.JSON(v)
}

// encodeJSON is the answers' general encoder (c.JSON's):
// go-json-experiment's v1 Marshal, encoding/json's bytes
// (TestJSONEncoder). Bookings and tickets go through sendJSON.
func encodeJSON(v any) ([]byte, error) { return jsonv1.Marshal(v) }
