package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"

	"natq/queue"
)

// Defaults for the stream limits, when Options leave them 0.
const (
	// DefaultMaxStreamsPerAddress lets a household, a tablet or a carrier
	// NAT full of neighbours watch their tickets, and stops one client
	// from holding thousands.
	DefaultMaxStreamsPerAddress = 200
	// DefaultMaxStreams is the instance's total when the file limit is
	// not known.
	DefaultMaxStreams = 20000
)

var (
	errTooManyStreams = &queue.Error{Code: "too_many_streams", Message: "该地址打开的实时连接过多，请关闭多余的页面",
		MessageEn: "too many live streams from this address; close some pages"}
	errOverloaded = &queue.Error{Code: "overloaded", Message: "服务繁忙，请稍后重试",
		MessageEn: "the service is at its limit of live streams; try again shortly"}
)

// streams counts the open event streams, per client address and in
// total, so that no client can take the process's file descriptors.
type streams struct {
	maxPer, max int

	mu    sync.Mutex
	per   map[string]int
	total int
}

func (s *streams) acquire(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total >= s.max {
		return errOverloaded
	}
	if s.per[addr] >= s.maxPer {
		return errTooManyStreams
	}
	s.per[addr]++
	s.total++
	return nil
}

func (s *streams) release(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.per[addr]--; s.per[addr] <= 0 {
		delete(s.per, addr)
	}
	s.total--
}

func (s *streams) open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// heartbeat keeps idle event streams open through proxies, and finds
// listeners that vanished without closing their connection.
var heartbeat = 15 * time.Second

// stalled is how long a write to a stream may wait for a client that
// does not read before the stream is ended.
const stalled = 30 * time.Second

// stream answers with server-sent events from a subscription opened by
// open. The subscription outlives the handler (fasthttp writes the stream
// after it returns), so it gets its own context, ended when the client
// goes away: a goroutine reads the connection, where a stream's client
// never sends anything, and ends the stream as soon as the client closes
// it, instead of at the next failed heartbeat.
func (h *handlers) stream(c *fiber.Ctx, open func(context.Context) (<-chan []byte, error)) error {
	addr := c.IP()
	if err := h.streams.acquire(addr); err != nil {
		return h.fail(c, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := open(ctx)
	if err != nil {
		cancel()
		h.streams.release(addr)
		return h.fail(c, err)
	}
	h.svc.Metrics().Streams.Inc()
	conn := c.Context().Conn()
	go watchClosed(conn, cancel)
	// The connection carries nothing after the stream: close it then, so
	// that the goroutine above ends.
	c.Context().SetConnectionClose()
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer func() {
			cancel()
			h.streams.release(addr)
			h.svc.Metrics().Streams.Dec()
		}()
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		// A client that stops reading (its buffers full) would hold the
		// stream for ever: each write must get through within a while.
		flush := func() error {
			conn.SetWriteDeadline(time.Now().Add(stalled))
			return w.Flush()
		}
		fmt.Fprint(w, "retry: 2000\n: connected\n\n")
		if flush() != nil {
			return
		}
		for {
			select {
			case msg, ok := <-ch:
				if !ok {
					return
				}
				fmt.Fprintf(w, "data: %s\n\n", msg)
			case <-tick.C:
				fmt.Fprint(w, ": ping\n\n")
			case <-ctx.Done():
				return
			}
			if flush() != nil {
				return
			}
		}
	})
	return nil
}

// watchClosed calls gone when the client closes conn (or it fails). A
// read deadline set by the server for the request is lifted, not taken
// as the client leaving; bytes a client sends are ignored.
func watchClosed(conn net.Conn, gone func()) {
	defer gone()
	b := make([]byte, 64)
	for {
		_, err := conn.Read(b)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if conn.SetReadDeadline(time.Time{}) != nil {
				return
			}
			continue
		}
		return
	}
}

// Listener wraps ln so that running out of file descriptors (or an
// aborted connection) makes the server pause and log, not stop: fasthttp
// returns from Serve on any accept error that is not a timeout, and natq
// would exit.
func Listener(ln net.Listener, log *slog.Logger) net.Listener {
	if log == nil {
		log = slog.Default()
	}
	return &resilient{Listener: ln, log: log}
}

type resilient struct {
	net.Listener
	log    *slog.Logger
	logged time.Time
}

func (l *resilient) Accept() (net.Conn, error) {
	delay := 5 * time.Millisecond
	for {
		c, err := l.Listener.Accept()
		if err == nil || !retryable(err) {
			return c, err
		}
		if time.Since(l.logged) > 10*time.Second {
			l.log.Error("natq http: accepting connections", "err", err, "action", "retrying; raise the file limit (ulimit -n) or lower --max-streams")
			l.logged = time.Now()
		}
		time.Sleep(delay)
		if delay *= 2; delay > time.Second {
			delay = time.Second
		}
	}
}

func retryable(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOBUFS) ||
		errors.Is(err, syscall.ENOMEM) || errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.ECONNRESET)
}
