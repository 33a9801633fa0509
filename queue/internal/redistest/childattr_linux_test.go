//go:build linux

package redistest

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestServerDiesWithItsTest: a test process killed before it stops its
// server (SIGKILL, as a timeout or a hand would) takes the server with
// it. The test runs itself again as that process, which starts a server,
// says where, and waits to be killed.
func TestServerDiesWithItsTest(t *testing.T) {
	if dir := os.Getenv("REDISTEST_HELPER_DIR"); dir != "" {
		s, err := Start(dir)
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("addr " + s.Addr + "\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	helper := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithItsTest$")
	helper.Env = append(os.Environ(), "REDISTEST_HELPER_DIR="+t.TempDir())
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
			return // gone with its test
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the server on %s still answers 5 s after its test process was killed", addr)
		}
	}
}
