package server

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"syscall"
	"testing"
)

// emfile is a listener out of file descriptors for its first n accepts.
type emfile struct {
	net.Listener
	n int
}

func (l *emfile) Accept() (net.Conn, error) {
	if l.n > 0 {
		l.n--
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestListenerOutOfFiles: accept4 failing with "too many open files" made
// fasthttp return from Serve and natq exit; the wrapped listener waits and
// accepts again.
func TestListenerOutOfFiles(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			defer c.Close()
			c.Read(make([]byte, 1))
		}
	}()
	l := Listener(&emfile{Listener: ln, n: 3}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	c, err := l.Accept()
	if err != nil {
		t.Fatalf("Accept after 3 EMFILE = %v, want a connection", err)
	}
	c.Close()
	ln.Close()
	if _, err := l.Accept(); err == nil || !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept on a closed listener = %v, want the close passed on", err)
	}
}
