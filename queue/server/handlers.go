package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"natq/planner/errs"
	"natq/qr"
	"natq/queue"
)

func (h *handlers) compounds(c *fiber.Ctx) error {
	cs, err := h.svc.Compounds(c.UserContext())
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(fiber.Map{"compounds": cs})
}

func (h *handlers) compound(c *fiber.Ctx) error {
	return h.reply(c).json(h.svc.Compound(c.UserContext(), c.Params("id")))
}

func (h *handlers) book(c *fiber.Ctx) error {
	// "ticket": the household's ticket this phone holds, and "key": the
	// phone's own secret, for asking for it again or changing its party
	// (queue.Service.BookOnline).
	var req struct {
		queue.Household `json:",inline"`
		Ticket          string `json:"ticket"`
		Key             string `json:"key"`
	}
	if err := decode(c, &req); err != nil {
		return h.fail(c, err)
	}
	// A volunteer signed in books for many households from one tablet:
	// staff are not held to an address's budget. A token that is given
	// must be valid.
	var st *queue.Staff
	if c.Get(fiber.HeaderAuthorization) != "" {
		var err error
		if st, err = h.staff(c); err != nil {
			return h.fail(c, err)
		}
	}
	b, created, err := h.svc.BookOnline(c.UserContext(), c.Params("id"), req.Household, h.client(c), st,
		queue.Held{Ticket: strings.TrimSpace(req.Ticket), Key: req.Key})
	if err != nil {
		return h.fail(c, err)
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return sendJSON(c.Status(status), b)
}

func (h *handlers) ticket(c *fiber.Ctx) error {
	return h.reply(c).json(h.svc.Ticket(c.UserContext(), c.Params("ticket")))
}

func (h *handlers) cancel(c *fiber.Ctx) error {
	return h.reply(c).json(h.svc.Cancel(c.UserContext(), c.Params("ticket")))
}

// changeParty changes a booked ticket's party, its token the credential
// (queue.Service.ChangeParty): 200 the booking.
func (h *handlers) changeParty(c *fiber.Ctx) error {
	var body struct {
		Party *int `json:"party"`
	}
	if err := decode(c, &body); err != nil {
		return h.fail(c, err)
	}
	if body.Party == nil {
		return h.fail(c, queue.BadField("party", "缺少人数", "missing"))
	}
	b, err := h.svc.ChangeParty(c.UserContext(), c.Params("ticket"), *body.Party)
	if err != nil {
		return h.fail(c, err)
	}
	return sendJSON(c, b)
}

// auth admits staff of at least role: 401 without a valid token, 403 for
// a lower role. The compound is checked by the service, which knows which
// compound a site or ticket belongs to.
func (h *handlers) auth(role string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		st, err := h.staff(c)
		if err != nil {
			return h.fail(c, err)
		}
		if role == queue.RoleCoordinator && st.Role != queue.RoleCoordinator {
			return h.fail(c, queue.ErrForbidden)
		}
		c.Locals(staffKey{}, st)
		return c.Next()
	}
}

// deskAuth admits a desk change's request (check-in, call, sampled) with
// its bearer token unchecked (queue.StaffOf): the change's own script
// checks it first, so that a revoked or expired token is refused on
// every instance at once, in the change's one round trip. A refusal the
// handler finds itself asks the store about the token first (deskFail).
func (h *handlers) deskAuth(c *fiber.Ctx) error {
	token, ok := bearer(c)
	if !ok {
		return h.fail(c, queue.ErrUnauthorized)
	}
	st, err := h.svc.StaffOf(token)
	if err != nil {
		return h.fail(c, err)
	}
	c.Locals(staffKey{}, st)
	return c.Next()
}

// deskFail answers a desk request's own refusal err (a bad body), unless
// its token is refused: then that, as if the token had been checked
// before the body was read (queue.Service.StaffFirst).
func (h *handlers) deskFail(c *fiber.Ctx, err error) error {
	return h.fail(c, h.svc.StaffFirst(c.UserContext(), staffOf(c), err))
}

// staff authenticates the request's bearer token.
func (h *handlers) staff(c *fiber.Ctx) (*queue.Staff, error) {
	token, ok := bearer(c)
	if !ok {
		return nil, queue.ErrUnauthorized
	}
	return h.svc.Authenticate(c.UserContext(), token)
}

// bearer is the request's bearer token.
func bearer(c *fiber.Ctx) (string, bool) {
	scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

type staffKey struct{}

// reply answers a request with what a service call returned: its result
// as JSON, or its refusal through fail.
type reply struct {
	h *handlers
	c *fiber.Ctx
}

func (h *handlers) reply(c *fiber.Ctx) reply { return reply{h, c} }

func (r reply) json(v any, err error) error {
	if err != nil {
		return r.h.fail(r.c, err)
	}
	return sendJSON(r.c, v)
}

// decodeOptional is decode for a body that may be left out (its fields'
// zero values then).
func decodeOptional(c *fiber.Ctx, v any) error {
	if len(body(c)) == 0 {
		return nil
	}
	return decode(c, v)
}

func staffOf(c *fiber.Ctx) *queue.Staff {
	st, _ := c.Locals(staffKey{}).(*queue.Staff)
	return st
}

func (h *handlers) checkIn(c *fiber.Ctx) error {
	var body struct {
		Ticket string `json:"ticket"`
	}
	if err := decode(c, &body); err != nil {
		return h.deskFail(c, err)
	}
	if body.Ticket == "" {
		return h.deskFail(c, queue.BadField("ticket", "缺少票号", "missing"))
	}
	return h.reply(c).json(h.svc.CheckIn(c.UserContext(), staffOf(c), c.Params("site"), strings.TrimSpace(body.Ticket)))
}

func (h *handlers) call(c *fiber.Ctx) error {
	var body struct {
		Desk int `json:"desk"`
	}
	if err := decodeOptional(c, &body); err != nil {
		return h.deskFail(c, err)
	}
	t, err := h.svc.CallNext(c.UserContext(), staffOf(c), c.Params("site"), body.Desk)
	var busy *queue.DeskBusyError
	if errors.As(err, &busy) {
		// The desk's open call comes back with the refusal, so that the
		// tablet can ask what became of that person.
		return c.Status(fiber.StatusConflict).JSON(fiber.Map{"error": busy.Err, "ticket": busy.Ticket})
	}
	if err != nil {
		return h.fail(c, err)
	}
	return sendJSON(c, t)
}

func (h *handlers) noShow(c *fiber.Ctx) error {
	return h.reply(c).json(h.svc.NoShow(c.UserContext(), staffOf(c), c.Params("ticket")))
}

func (h *handlers) requeue(c *fiber.Ctx) error {
	return h.reply(c).json(h.svc.Requeue(c.UserContext(), staffOf(c), c.Params("ticket")))
}

func (h *handlers) repeat(c *fiber.Ctx) error {
	return h.reply(c).json(h.svc.RepeatCall(c.UserContext(), staffOf(c), c.Params("ticket")))
}

func (h *handlers) line(c *fiber.Ctx) error {
	return h.reply(c).json(h.svc.Line(c.UserContext(), staffOf(c), c.Params("site")))
}

func (h *handlers) sampled(c *fiber.Ctx) error {
	var body struct {
		Tube string `json:"tube"`
		// Site is the desk's site: a ticket waiting at another is refused
		// (wrong_site). A client that sends none samples at any.
		Site string `json:"site"`
	}
	if err := decodeOptional(c, &body); err != nil {
		return h.deskFail(c, err)
	}
	return h.reply(c).json(h.svc.SampledAt(c.UserContext(), staffOf(c), body.Site, c.Params("ticket"), body.Tube))
}

func (h *handlers) tube(c *fiber.Ctx) error {
	// The code as the path escapes it ("管1" is %E7%AE%A11): the store
	// holds it as the marshal typed it.
	tube, err := url.PathUnescape(c.Params("tube"))
	if err != nil {
		return h.fail(c, queue.BadField("tube", "无效的管号", "not a tube code"))
	}
	tube = strings.TrimSpace(tube)
	ts, err := h.svc.Tube(c.UserContext(), staffOf(c), c.Params("id"), tube)
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(fiber.Map{"tube": tube, "tickets": ts})
}

func (h *handlers) variant(c *fiber.Ctx) error {
	var body struct {
		Variant string `json:"variant"`
	}
	if err := decode(c, &body); err != nil {
		return h.fail(c, err)
	}
	return h.reply(c).json(h.svc.SwitchVariant(c.UserContext(), staffOf(c), c.Params("id"), body.Variant))
}

func (h *handlers) preBook(c *fiber.Ctx) error {
	accept := c.Accepts(fiber.MIMEApplicationJSON, "text/csv", "application/pdf")
	book := h.svc.PreBook
	if accept == "application/pdf" {
		book = h.svc.PreBookCards // fewer rows: each is a card to print
	}
	r, err := book(c.UserContext(), staffOf(c), c.Params("id"), strings.NewReader(string(c.Body())))
	if err != nil {
		return h.fail(c, err)
	}
	switch accept {
	case "text/csv":
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		return h.svc.WritePreBookingsCSV(c, c.Params("id"), r)
	case "application/pdf":
		return h.ticketCards(c, r)
	}
	return c.JSON(fiber.Map{"tickets": r})
}

// errCannotPrint: this instance was started without a way to print cards.
var errCannotPrint = errs.New(codeCannotPrint,
	"这台服务器不能生成票卡 PDF（缺少中文字体）。票已预约：请改为下载 CSV，用 natq print --tickets 打印",
	"this server cannot print ticket cards (it has no Chinese font); the tickets are booked: download the CSV and print it with natq print --tickets")

// ticketCards answers a pre-booking with its tickets' cards, one PDF for
// the printer: the households were booked (or found booked) first, so
// sending the same rows again prints the same cards.
func (h *handlers) ticketCards(c *fiber.Ctx, rows []queue.PreBooking) error {
	if h.cards == nil {
		return h.fail(c, errCannotPrint)
	}
	plan, ts, err := h.svc.PreBookingTickets(c.Params("id"), rows)
	if err != nil {
		return h.fail(c, err)
	}
	// A household typed twice (or added from both lists) is one ticket:
	// one card.
	seen := map[string]bool{}
	cards := ts[:0]
	for _, t := range ts {
		if t.Error == "" && !seen[t.Token] {
			seen[t.Token] = true
			cards = append(cards, t)
		}
	}
	n := len(cards)
	if n == 0 {
		return h.fail(c, queue.BadField("csv", "没有可打印的票：每一户都没有约到时段", "no ticket to print: no household got a window"))
	}
	var b bytes.Buffer
	if err := h.cards(&b, plan, cards); err != nil {
		return h.fail(c, err)
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="tickets-%s-%s.pdf"`, asciiName(c.Params("id")), plan.Params.Date))
	c.Set("X-Natq-Cards", strconv.Itoa(n))
	return c.Send(b.Bytes())
}

// asciiName is s with anything but letters, digits, '-' and '_' as '_',
// for a file name in a header.
func asciiName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}

func (h *handlers) coverage(c *fiber.Ctx) error {
	return h.reply(c).json(h.svc.Coverage(c.UserContext(), staffOf(c), c.Params("id")))
}

// qr draws a ticket's QR code (its page URL) as PNG or SVG. The token's
// signature is all it checks: no store is asked.
func (h *handlers) qr(c *fiber.Ctx) error {
	file := c.Params("file")
	token, ext := file, ""
	if i := strings.LastIndexByte(file, '.'); i > 0 {
		token, ext = file[:i], file[i+1:]
	}
	url, err := h.svc.TicketURL(token)
	if err != nil {
		return h.fail(c, err)
	}
	switch ext {
	case "png":
		size, _ := strconv.Atoi(c.Query("size", "256"))
		if size < 64 || size > 1024 {
			return h.fail(c, queue.BadField("size", "尺寸应在 64 到 1024 之间", "must be 64 to 1024 pixels"))
		}
		b, err := qr.EncodePNG(url, size)
		if err != nil {
			return h.fail(c, err)
		}
		c.Type("png")
		return c.Send(b)
	case "svg":
		b, err := qr.EncodeSVG(url)
		if err != nil {
			return h.fail(c, err)
		}
		c.Set(fiber.HeaderContentType, "image/svg+xml")
		return c.Send(b)
	}
	return h.fail(c, queue.ErrNotFound)
}

func (h *handlers) ticketEvents(c *fiber.Ctx) error {
	token := c.Params("ticket")
	return h.stream(c, func(ctx context.Context) (*queue.Stream, error) { return h.svc.StreamTicket(ctx, token) })
}

// siteEvents streams a site's events; its new bookings' and parties' new
// sizes only with ?bookings=1 (the tablet's: queue.Service.StreamSite).
func (h *handlers) siteEvents(c *fiber.Ctx) error {
	site := c.Params("site")
	var bookings bool
	switch c.Query("bookings") {
	case "", "0":
	case "1":
		bookings = true
	default:
		return h.fail(c, queue.BadField("bookings", "只能是 1（含新预约）或 0（不含）", "must be 1 (with new bookings) or 0 (without)"))
	}
	return h.stream(c, func(ctx context.Context) (*queue.Stream, error) { return h.svc.StreamSite(ctx, site, bookings) })
}

// ticketByNumber reads a ticket by its short number (票号) for a
// marshal whose scanner cannot read the ticket's QR code.
func (h *handlers) ticketByNumber(c *fiber.Ctx) error {
	raw, err := url.PathUnescape(c.Params("number"))
	n, ok := queue.TicketNumber(raw)
	if err != nil || !ok {
		return h.fail(c, queue.BadField("number", "票号是票上“票”字后面的数字", "a ticket number is the number after 票 on the ticket"))
	}
	return h.reply(c).json(h.svc.TicketByNumber(c.UserContext(), staffOf(c), c.Params("id"), n))
}

// walkin finds, for a marshal, the ticket of a household at the desk
// without it, or books it one (queue.Service.AtDesk): 200 found, 201 new.
func (h *handlers) walkin(c *fiber.Ctx) error {
	var hh queue.Household
	if err := decode(c, &hh); err != nil {
		return h.fail(c, err)
	}
	t, created, err := h.svc.AtDesk(c.UserContext(), staffOf(c), c.Params("id"), hh)
	if err != nil {
		return h.fail(c, err)
	}
	if created {
		c.Status(fiber.StatusCreated)
	}
	return sendJSON(c, t)
}

// homeSample records a household sampled at home by the door-to-door
// team (queue.Service.SampledAtHome): 201 its ticket, sampled.
func (h *handlers) homeSample(c *fiber.Ctx) error {
	var body struct {
		Building string `json:"building"`
		Unit     string `json:"unit"`
		Room     string `json:"room"`
		Party    int    `json:"party"`
		Tube     string `json:"tube"`
	}
	if err := decode(c, &body); err != nil {
		return h.fail(c, err)
	}
	hh := queue.Household{Building: body.Building, Unit: body.Unit, Room: body.Room, Party: body.Party}
	t, err := h.svc.SampledAtHome(c.UserContext(), staffOf(c), c.Params("id"), hh, body.Tube)
	if err != nil {
		return h.fail(c, err)
	}
	return sendJSON(c.Status(fiber.StatusCreated), t)
}

// homeSamples lists the round's home samples (queue.Service.HomeSamples).
func (h *handlers) homeSamples(c *fiber.Ctx) error {
	return h.reply(c).json(h.svc.HomeSamples(c.UserContext(), staffOf(c), c.Params("id")))
}

// undoHome takes back a home sample recorded by mistake
// (queue.Service.UndoHomeSample).
func (h *handlers) undoHome(c *fiber.Ctx) error {
	return h.reply(c).json(h.svc.UndoHomeSample(c.UserContext(), staffOf(c), c.Params("ticket")))
}

func (h *handlers) cancelHousehold(c *fiber.Ctx) error {
	var hh queue.Household
	if err := decode(c, &hh); err != nil {
		return h.fail(c, err)
	}
	return h.reply(c).json(h.svc.CancelHousehold(c.UserContext(), staffOf(c), c.Params("id"), hh))
}
