package main

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestMain lets the test binary be the listeners run's instance, as the
// command is: the run re-executes itself with childEnv set.
func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		serveChild(spec)
	}
	os.Exit(m.Run())
}

// TestListeners is the live-updates run, small: 1,000 event streams (482
// residents' pages with two streams each, and the sites' displays and
// tablets) from 10 client addresses under the per-address cap, on an
// instance in a process of its own. Every listener must get every event
// of its channels for the changes made through the API (bookings,
// check-ins, calls, sampled); clients that reset their connections and
// clients that vanish without a FIN must be freed; closing the rest must
// give back every listener, goroutine and file, and Redis must see no
// connection a stream. No figure of time is asserted: the 10,000-stream
// run and its latencies are in BENCHMARKS.md ("Live updates").
func TestListeners(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is needed (the README's test command installs it)")
	}
	t.Chdir("../..")
	if err := listenersRun(listenersConfig{n: 1000, addrs: 10, rate: 40, dur: 2 * time.Second, drop: 20}); err != nil {
		t.Fatal(err)
	}
}
