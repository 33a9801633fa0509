package main

import (
	"os/exec"
	"testing"
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
