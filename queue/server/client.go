package server

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// client is the address a request's limits count it under: the booking
// budget, the streams an address may hold, the pairings it may ask for.
//
// Behind a proxy (Options.ProxyHeader) it is the header's last address:
// the one the proxy itself wrote, the peer it saw. A proxy that appends
// to X-Forwarded-For keeps what the client sent before it, and Fiber's
// c.IP() returns that whole value, so a client that sent a header of its
// own made up a fresh address, and a fresh budget, for every request. A
// header without an address counts under the proxy's.
//
// An IPv6 address counts as its /64: one household's connection, or one
// phone on a mobile network, is given a /64 and may use any address in
// it, so that one device could otherwise take a new address per request.
// An IPv4 address written as IPv6 (::ffff:a.b.c.d) counts as itself.
func (h *handlers) client(c *fiber.Ctx) string {
	if h.proxy != "" {
		v := c.Get(h.proxy)
		if i := strings.LastIndexByte(v, ','); i >= 0 {
			v = v[i+1:]
		}
		if a, err := netip.ParseAddr(strings.TrimSpace(v)); err == nil {
			return clientKey(a)
		}
	}
	a, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	return clientKey(a)
}

// clientKey is the limits' key of address a (see client).
func clientKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}
