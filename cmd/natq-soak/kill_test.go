package main

import (
	"os/exec"
	"testing"
	"time"
)

// TestKillRedis is the SIGKILL run, bounded for the test command: two
// natq services book and cancel while redis-server (appendfsync always) is
// SIGKILLed and restarted twice; every acknowledged change must be there
// afterwards, none twice, no window over its seats. The longer runs, and
// SIGKILLs of natq serve processes too, are in RELIABILITY.md.
func TestKillRedis(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is needed (the README's test command installs it)")
	}
	t.Chdir("../..") // natq-soak runs from the repository's root, where its fixtures are
	if err := killRedis(2, 100); err != nil {
		t.Fatal(err)
	}
}

// TestSoak is a minute's soak, bounded for the test command: bookings
// (each followed by a repeat, a read and a cancellation) at 200 a second
// while 100 event streams are held and 10 a second open and close; heap,
// goroutines, file descriptors and Redis clients must end flat and no
// request fail. The three-minute runs at 100 and 500 a second are in
// RELIABILITY.md.
func TestSoak(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatal("redis-server is needed (the README's test command installs it)")
	}
	t.Chdir("../..")
	if err := run(time.Minute, 200, 100, 10, 0); err != nil {
		t.Fatal(err)
	}
}
