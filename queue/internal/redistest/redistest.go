// Package redistest starts throwaway redis-server processes for tests: a
// fresh one on a free port in a temporary directory, stopped at the end.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Server is a redis-server process run by a test.
type Server struct {
	Addr string
	port int
	dir  string
	args []string
	cmd  *exec.Cmd
}

// Start runs redis-server in dir on a free port with persistence off, plus
// extra arguments (e.g. "--appendonly", "yes" for a server that must keep
// its data across Stop and Restart).
func Start(dir string, extra ...string) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--protected-mode", "no"}
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), port: port, dir: dir, args: append(args, extra...)}
	return s, s.Restart()
}

// Restart starts the server again on the same port and directory.
func (s *Server) Restart() error {
	s.cmd = exec.Command("redis-server", s.args...)
	log, err := os.Create(s.dir + "/redis.log")
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("redistest: redis-server: %w", err)
	}
	go func() { s.cmd.Wait(); log.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ping(s.Addr) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	b, _ := os.ReadFile(s.dir + "/redis.log")
	return fmt.Errorf("redistest: redis-server on %s did not answer PING: %s", s.Addr, b)
}

// Stop kills the server and waits until its port is closed.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	for i := 0; i < 200; i++ {
		c, err := net.DialTimeout("tcp", s.Addr, 50*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
}

func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}
