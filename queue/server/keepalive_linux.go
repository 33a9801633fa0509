package server

import (
	"net"
	"syscall"
	"time"
)

// tcpUserTimeout is TCP_USER_TIMEOUT (linux/tcp.h), which the syscall
// package does not name.
const tcpUserTimeout = 18

// keepAliveFor makes the system fail conn when bytes written to it go
// unacknowledged for d: a client that vanished without closing (a phone
// off the network) is then noticed at the next heartbeat plus d, not after
// the minutes of retransmissions TCP would otherwise spend.
func keepAliveFor(conn net.Conn, d time.Duration) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, tcpUserTimeout, int(d/time.Millisecond))
	})
}
