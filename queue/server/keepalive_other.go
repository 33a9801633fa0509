//go:build !linux

package server

import (
	"net"
	"time"
)

// keepAliveFor does nothing where TCP_USER_TIMEOUT is not known: a
// vanished client is then noticed when TCP gives up retransmitting.
func keepAliveFor(net.Conn, time.Duration) {}
