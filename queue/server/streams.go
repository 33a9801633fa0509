package server

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
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

// heartbeat keeps idle event streams open through proxies, and finds
// listeners that vanished without closing their connection: a heartbeat
// that no one acknowledges fails the connection after userTimeout (where
// the system has TCP_USER_TIMEOUT), so such a stream is freed within
// heartbeat + userTimeout.
var heartbeat = 15 * time.Second

// stalled is how long at least a write to a stream may wait for a client
// that does not read before the stream is ended (at most stalled +
// heartbeat).
const stalled = 30 * time.Second

// userTimeout is how long a stream's written bytes may go unacknowledged
// (a phone gone from the network, its connection never closed) before the
// system fails the connection.
const userTimeout = 30 * time.Second

// Event stream framing, shared by every stream.
var (
	dataPrefix = []byte("data: ")
	frameEnd   = []byte("\n\n")
	ping       = []byte(": ping\n\n")
)

// maxBatch is how many waiting events one write to a stream carries.
const maxBatch = 16

// batches are the write vectors of streams' writes, shared.
var batches = sync.Pool{New: func() any { b := make(net.Buffers, 0, 3*maxBatch); return &b }}

// stream answers with server-sent events from a subscription opened by
// open. It takes the connection over from fasthttp (Hijack) once the
// request is read, so that an open stream costs its socket, a listener
// and one goroutine (serveStream); fasthttp's worker, its buffers and its
// body-stream pipe are not held for the stream's life.
func (h *handlers) stream(c *fiber.Ctx, open func(context.Context) (*queue.Stream, error)) error {
	addr := h.client(c)
	if err := h.streams.acquire(addr); err != nil {
		return h.fail(c, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := open(ctx)
	if err != nil {
		cancel()
		h.streams.release(addr)
		return h.fail(c, err)
	}
	h.svc.Metrics().Streams.Inc()
	var ended sync.Once
	end := func() {
		ended.Do(func() {
			cancel()
			h.streams.release(addr)
			h.svc.Metrics().Streams.Dec()
		})
	}
	// fasthttp does not call the hijack handler when the connection fails
	// before it: the stream is then ended here.
	orphan := time.AfterFunc(time.Minute, end)
	raw := c.Context().Conn() // writes go straight to the socket (writev)
	head := streamHead(c)
	c.Context().HijackSetNoResponse(true)
	c.Context().Hijack(func(conn net.Conn) {
		orphan.Stop()
		defer end()
		keepAliveFor(raw, userTimeout)
		serveStream(conn, raw, head, st)
	})
	return nil
}

// streamHead is the response's head for an event stream, with the headers
// middleware set on c, and the stream's first lines.
func streamHead(c *fiber.Ctx) []byte {
	b := []byte("HTTP/1.1 200 OK\r\n")
	c.Response().Header.VisitAll(func(k, v []byte) {
		switch strings.ToLower(string(k)) {
		case "content-type", "content-length", "transfer-encoding", "connection", "cache-control":
			return
		}
		b = append(append(append(append(b, k...), ": "...), v...), "\r\n"...)
	})
	b = append(b, "Content-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n"...)
	// The connection carries nothing after the stream, whose end is the
	// connection's.
	b = append(b, "Connection: close\r\n\r\n"...)
	// The browser's own reconnection waits retry ms: 2 to 5 s at random,
	// so that an instance's thousands of streams, cut at once by its
	// restart, do not all come back in the same moment.
	b = strconv.AppendInt(append(b, "retry: "...), int64(2000+rand.IntN(3000)), 10)
	return append(b, "\n: connected\n\n"...)
}

// aLongTimeAgo is a read deadline that has passed: setting it wakes the
// stream's goroutine from its read.
var aLongTimeAgo = time.Unix(1, 0)

// serveStream writes head, then the stream's events and a heartbeat when
// idle, until the stream ends, the client closes the connection or a
// write fails. Its one goroutine waits in a read of the connection, where
// a stream's client never sends anything: the client closing it ends the
// read at once, the read's deadline is the next heartbeat, and an event
// for the stream moves the deadline to the past (OnReady) so that the
// read returns and the events go out. The events waiting then go out in
// one write, up to maxBatch.
func serveStream(conn, raw net.Conn, head []byte, st *queue.Stream) {
	// A client that stops reading (its buffers full) would hold the
	// stream for ever: each write must get through within a while. The
	// deadline moves at each heartbeat, not at each write (moving it cost
	// 7% of the instance's CPU at 10,000 streams): a write that blocks
	// fails within stalled to stalled + heartbeat.
	deadline := func() { raw.SetWriteDeadline(time.Now().Add(stalled + heartbeat)) }
	write := func(bufs net.Buffers) error {
		_, err := bufs.WriteTo(raw)
		return err
	}
	deadline()
	if write(net.Buffers{head}) != nil {
		return
	}
	st.OnReady(func() { raw.SetReadDeadline(aLongTimeAgo) })
	next := time.Now().Add(heartbeat)
	var b [1]byte
	var events [][]byte
	for {
		// The deadline first, then the events: one pushed after this
		// Take moves the deadline to the past, and the read returns.
		raw.SetReadDeadline(next)
		var ended bool
		events, ended = st.Take(events[:0])
		if len(events) == 0 && !ended {
			_, err := conn.Read(b[:])
			var ne net.Error
			if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
				return // the client closed the connection, or it failed
			}
			// Bytes a client sends are ignored.
			events, ended = st.Take(events[:0])
		}
		beat := !time.Now().Before(next)
		if beat {
			next = time.Now().Add(heartbeat)
			deadline()
		}
		bp := batches.Get().(*net.Buffers)
		bufs := (*bp)[:0]
		var err error
		if beat {
			err = write(append(bufs, ping))
		}
		for i := 0; i < len(events) && err == nil; i += maxBatch {
			bufs = (*bp)[:0]
			for _, e := range events[i:min(i+maxBatch, len(events))] {
				bufs = append(bufs, dataPrefix, e, frameEnd)
			}
			err = write(bufs)
		}
		clear((*bp)[:cap(*bp)])
		batches.Put(bp)
		if clear(events); cap(events) > maxBatch {
			events = nil // a burst's slice is not kept
		}
		events = events[:0]
		if ended || err != nil {
			return
		}
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
