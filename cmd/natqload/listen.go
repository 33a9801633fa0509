package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// perAddress is how many of --listeners' streams share a local address:
// natq serve holds at most 200 a client address (--max-streams-per-address).
const perAddress = 100

// siteListeners are --listeners' event streams: the phones of a site's
// booked and waiting residents, each on its site's stream as the ticket
// page opens it, spread evenly over the plan's sites. They read their
// events and count them, from when the clock starts (reset).
type siteListeners struct {
	n              int
	events, bytes  atomic.Int64
	open, failures atomic.Int64
}

// openListeners opens n streams of natq at host over sites, from
// 127.1.0.x addresses in turn, perAddress to each, when host is on
// 127.0.0.1 (else from one), and returns once each is open or has
// failed; they end with ctx.
func openListeners(ctx context.Context, host string, sites []string, n int) *siteListeners {
	l := &siteListeners{n: n}
	if n == 0 || len(sites) == 0 {
		return l
	}
	sites = slices.Sorted(slices.Values(sites))
	local := false
	if h, _, err := net.SplitHostPort(host); err == nil && h == "127.0.0.1" {
		local = true
	}
	var opened sync.WaitGroup
	for i := range n {
		opened.Add(1)
		go func() {
			d := net.Dialer{Timeout: 5 * time.Second}
			if local {
				a := i / perAddress
				d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, byte(1+a/250/250), byte(a/250%250), byte(1+a%250))}
			}
			path := "/api/v1/sites/" + url.PathEscape(sites[i%len(sites)]) + "/events"
			conn, err := d.DialContext(ctx, "tcp", host)
			if err != nil {
				l.failures.Add(1)
				opened.Done()
				return
			}
			context.AfterFunc(ctx, func() { conn.Close() })
			defer conn.Close()
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", path, host)
			r := bufio.NewReaderSize(conn, 16<<10)
			status, err := r.ReadString('\n')
			if err != nil || !bytes.Contains([]byte(status), []byte(" 200 ")) {
				l.failures.Add(1)
				opened.Done()
				return
			}
			l.open.Add(1)
			opened.Done()
			for {
				line, err := r.ReadSlice('\n')
				if err != nil && err != bufio.ErrBufferFull {
					if err != io.EOF && ctx.Err() == nil {
						l.failures.Add(1)
					}
					l.open.Add(-1)
					return
				}
				l.bytes.Add(int64(len(line)))
				if bytes.HasPrefix(line, []byte("data: ")) {
					l.events.Add(1)
				}
			}
		}()
	}
	opened.Wait()
	return l
}

// reset starts the count (the clock's start).
func (l *siteListeners) reset() { l.events.Store(0); l.bytes.Store(0) }

// write reports the streams: how many stayed open, what each received.
func (l *siteListeners) write(w io.Writer, d time.Duration) {
	if l.n == 0 {
		return
	}
	fmt.Fprintf(w, "listeners: %d site streams (%d open at the end, %d failed or dropped): %d events, %.1f KB a stream in %v\n",
		l.n, l.open.Load(), l.failures.Load(), l.events.Load(), float64(l.bytes.Load())/1e3/float64(l.n), d.Round(time.Millisecond))
}
