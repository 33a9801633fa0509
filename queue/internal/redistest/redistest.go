// Package redistest starts throwaway redis-server processes for tests: a
// fresh one on a free port in a temporary directory, stopped at the end.
package redistest

import (
	"bufio"
	"fmt"
	"io"
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
// its data across Stop and Restart). Another process may take the free
// port first; then Start tries another.
func Start(dir string, extra ...string) (*Server, error) {
	return onFreePort(dir, func(port int) []string {
		args := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", dir, "--daemonize", "no", "--protected-mode", "no"}
		return append(args, extra...)
	})
}

// onFreePort starts a server in dir with args(port) on a free port.
// Another process may take the free port first; then it tries another.
func onFreePort(dir string, args func(port int) []string) (*Server, error) {
	var err error
	for range 5 {
		var l net.Listener
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), port: port, dir: dir, args: args(port)}
		if err = s.Restart(); err == nil {
			return s, nil
		}
	}
	return nil, err
}

// Restart starts the server again on the same port and directory, and
// checks that the server answering there is this one.
func (s *Server) Restart() error {
	s.cmd = exec.Command("redis-server", s.args...)
	s.cmd.SysProcAttr = childAttr()
	log, err := os.Create(s.dir + "/redis.log")
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("redistest: redis-server: %w", err)
	}
	exited := make(chan struct{})
	go func() { s.cmd.Wait(); log.Close(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			b, _ := os.ReadFile(s.dir + "/redis.log")
			return fmt.Errorf("redistest: redis-server on %s exited: %s", s.Addr, b)
		default:
		}
		if pid, ok := serverPID(s.Addr); ok {
			if pid != s.cmd.Process.Pid {
				s.Stop()
				return fmt.Errorf("redistest: another redis-server (pid %d) answers on %s", pid, s.Addr)
			}
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Stop()
	b, _ := os.ReadFile(s.dir + "/redis.log")
	return fmt.Errorf("redistest: redis-server on %s did not answer: %s", s.Addr, b)
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

// serverPID asks the server at addr for its process id.
func serverPID(addr string) (int, bool) {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return 0, false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("INFO server\r\n")); err != nil {
		return 0, false
	}
	r := bufio.NewReader(c)
	head, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(head, "$") {
		return 0, false // e.g. -LOADING: not ready yet
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil {
		return 0, false
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(body), "\r\n") {
		if v, ok := strings.CutPrefix(line, "process_id:"); ok {
			pid, err := strconv.Atoi(v)
			return pid, err == nil
		}
	}
	return 0, false
}

// StartCluster runs a one-node Redis Cluster holding every slot: enough
// for a cluster client's routing and for Redis to refuse a script whose
// keys are not in one slot (CROSSSLOT).
func StartCluster(dir string, extra ...string) (*Server, error) {
	s, err := Start(dir, append([]string{"--cluster-enabled", "yes", "--cluster-config-file", dir + "/nodes.conf"}, extra...)...)
	if err != nil {
		return nil, err
	}
	if err := command(s.Addr, "CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil {
		s.Stop()
		return nil, err
	}
	if err := s.WaitCluster(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// WaitCluster waits until the cluster node says the cluster is ok (after
// StartCluster, or after a Restart).
func (s *Server) WaitCluster() error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if info, err := bulk(s.Addr, "CLUSTER", "INFO"); err == nil && strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("redistest: cluster on %s did not become ok", s.Addr)
}

func send(c net.Conn, args ...string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	_, err := c.Write([]byte(b.String()))
	return err
}

// command sends one command and wants +OK.
func command(addr string, args ...string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if err := send(c, args...); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+OK") {
		return fmt.Errorf("redistest: %s: %s", strings.Join(args, " "), strings.TrimSpace(line))
	}
	return nil
}

// bulk sends one command and returns its bulk-string reply.
func bulk(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if err := send(c, args...); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	head, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(head, "$") {
		return "", fmt.Errorf("redistest: %s: %q", strings.Join(args, " "), head)
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil {
		return "", err
	}
	body := make([]byte, n)
	_, err = io.ReadFull(r, body)
	return string(body), err
}

// Cluster is a Redis Cluster of several masters run by a test.
type Cluster struct {
	Nodes []*Server
}

// Addrs returns the nodes' addresses.
func (c *Cluster) Addrs() []string {
	a := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		a[i] = n.Addr
	}
	return a
}

// Stop stops every node.
func (c *Cluster) Stop() {
	for _, n := range c.Nodes {
		n.Stop()
	}
}

// StartClusterOf runs a Redis Cluster of n masters (no replicas), each in
// a directory of its own under dir, joined with `redis-cli --cluster
// create`, and waits until every node says the cluster is ok.
func StartClusterOf(dir string, n int, extra ...string) (*Cluster, error) {
	c := &Cluster{}
	for i := range n {
		d := fmt.Sprintf("%s/node%d", dir, i)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		s, err := Start(d, append([]string{"--cluster-enabled", "yes", "--cluster-config-file", d + "/nodes.conf",
			"--cluster-node-timeout", "2000"}, extra...)...)
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	cmd := exec.Command("redis-cli", args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("redistest: redis-cli --cluster create: %v: %s", err, out)
	}
	for _, s := range c.Nodes {
		if err := s.WaitCluster(); err != nil {
			c.Stop()
			return nil, err
		}
	}
	// Every node must know every other before a client's first MOVED.
	deadline := time.Now().Add(10 * time.Second)
	for _, s := range c.Nodes {
		for {
			nodes, err := bulk(s.Addr, "CLUSTER", "NODES")
			if err == nil && strings.Count(strings.TrimSpace(nodes), "\n")+1 == n && !strings.Contains(nodes, "handshake") {
				break
			}
			if time.Now().After(deadline) {
				c.Stop()
				return nil, fmt.Errorf("redistest: cluster nodes did not meet: %s", nodes)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c, nil
}

// StartSentinel runs a Redis Sentinel in dir watching the master at addr
// under name, and waits until it knows the master.
func StartSentinel(dir, name, master string) (*Server, error) {
	host, port, _ := strings.Cut(master, ":")
	conf := dir + "/sentinel.conf"
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("sentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %s 2000\n", name, host, port, name)), 0o644); err != nil {
		return nil, err
	}
	return onFreePort(dir, func(p int) []string {
		return []string{conf, "--sentinel", "--port", strconv.Itoa(p), "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no", "--protected-mode", "no"}
	})
}
