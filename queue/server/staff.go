package server

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"natq/qr"
	"natq/queue"
)

// staffList lists the compound's staff tokens (names, roles, ends; never
// the tokens), for the coordinator's tablet.
func (h *handlers) staffList(c *fiber.Ctx) error {
	ts, err := h.svc.ListStaff(c.UserContext(), staffOf(c), c.Params("id"))
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(fiber.Map{"staff": ts})
}

// staffRevoke revokes a name's tokens (or one token by its id): a lost
// tablet stops working on every instance with its next request.
func (h *handlers) staffRevoke(c *fiber.Ctx) error {
	name, err := url.PathUnescape(c.Params("name"))
	if err != nil {
		return h.fail(c, queue.BadField("name", "姓名编码错误", "bad %-escape"))
	}
	n, err := h.svc.RevokeStaff(c.UserContext(), staffOf(c), c.Params("id"), name)
	if err != nil {
		return h.fail(c, err)
	}
	return c.JSON(fiber.Map{"revoked": n})
}

// display issues a site display's token (queue.Service.AddDisplay) and
// answers it with its link and the link's QR code (an SVG, for the
// tablet to show): the display's device scans it instead of having a
// staff token typed in with a TV's remote. The answer carries a secret:
// it is not cached. With a code ({"code": "482917"}, what a display
// without a camera shows), it pairs that display instead
// (queue.Service.PairDisplay): the display collects its own token.
func (h *handlers) display(c *fiber.Ctx) error {
	var body struct {
		Code string `json:"code"`
	}
	if err := decodeOptional(c, &body); err != nil {
		return h.fail(c, err)
	}
	if body.Code != "" {
		pd, err := h.svc.PairDisplay(c.UserContext(), staffOf(c), c.Params("site"), body.Code)
		if err != nil {
			return h.fail(c, err)
		}
		return c.Status(fiber.StatusCreated).JSON(pd)
	}
	d, err := h.svc.AddDisplay(c.UserContext(), staffOf(c), c.Params("site"))
	if err != nil {
		return h.fail(c, err)
	}
	svg, err := qr.EncodeSVG(d.URL)
	if err != nil {
		return h.fail(c, err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(struct {
		*queue.DisplayToken
		QR string `json:"qr_svg"`
	}{d, string(svg)})
}

// pairStart gives a display without a token a pairing code to show
// (queue.Service.StartPairing); anyone may ask, a few at a time from one
// address. The answer carries the secret the display polls with.
func (h *handlers) pairStart(c *fiber.Ctx) error {
	var body struct{}
	if err := decodeOptional(c, &body); err != nil {
		return h.fail(c, err)
	}
	pr, err := h.svc.StartPairing(c.UserContext(), c.Params("site"), h.client(c))
	if err != nil {
		return h.fail(c, err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(pr)
}

// pairPoll tells a display whether its code was typed in yet
// (queue.Service.PollPairing), and once it was, gives it its token.
func (h *handlers) pairPoll(c *fiber.Ctx) error {
	var body struct {
		Secret string `json:"secret"`
	}
	if err := decode(c, &body); err != nil {
		return h.fail(c, err)
	}
	ps, err := h.svc.PollPairing(c.UserContext(), c.Params("site"), body.Secret)
	if err != nil {
		return h.fail(c, err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(ps)
}

// me says whose a staff token is (compound, name, role), for a page to
// know what to offer; any valid token may ask.
func (h *handlers) me(c *fiber.Ctx) error {
	return c.JSON(staffOf(c))
}
