//go:build linux

package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRedisDiesWithSoak: a natq-soak killed before it stops its
// redis-server (SIGKILL, as a hand or a test's timeout would) takes the
// server with it. The test runs itself again as that natq-soak, which
// starts a server the way its runs do (redisOn), says where, and waits to
// be killed.
func TestRedisDiesWithSoak(t *testing.T) {
	if dir := os.Getenv("NATQ_SOAK_HELPER_DIR"); dir != "" {
		port, err := freePort()
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		addr, _, err := redisOn(dir, port)
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("addr " + addr + "\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is needed (the README's test command installs it)")
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestRedisDiesWithSoak$")
	helper.Env = append(os.Environ(), "NATQ_SOAK_HELPER_DIR="+t.TempDir())
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "addr ")
	if err != nil || !ok {
		helper.Process.Kill()
		helper.Wait()
		t.Fatalf("the helper said %q, %v; want its server's address", line, err)
	}
	if c, err := net.Dial("tcp", addr); err != nil {
		t.Fatalf("the helper's server on %s does not answer: %v", addr, err)
	} else {
		c.Close()
	}
	helper.Process.Kill()
	helper.Wait()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return // gone with its natq-soak
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the server on %s still answers 5 s after its natq-soak was killed", addr)
		}
	}
}
