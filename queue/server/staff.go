package server

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

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
