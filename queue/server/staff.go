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
// it is not cached.
func (h *handlers) display(c *fiber.Ctx) error {
	var body struct{}
	if err := decodeOptional(c, &body); err != nil {
		return h.fail(c, err)
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

// me says whose a staff token is (compound, name, role), for a page to
// know what to offer; any valid token may ask.
func (h *handlers) me(c *fiber.Ctx) error {
	return c.JSON(staffOf(c))
}
