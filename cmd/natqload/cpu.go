package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// watched is a local process whose CPU time natqload reports for the
// timed part of the run (--watch name=pid): which of the server, Redis
// and natqload itself ran out of CPU is what limits a run.
type watched struct {
	name  string
	pid   int // 0: natqload itself
	start time.Duration
	used  time.Duration // -1: the process went away
}

func parseWatch(s string) ([]watched, error) {
	ws := []watched{{name: "natqload"}}
	if s == "" {
		return ws, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, p, ok := strings.Cut(part, "=")
		pid, err := strconv.Atoi(p)
		if !ok || err != nil || pid <= 0 || name == "" {
			return nil, usagef("--watch %q: want NAME=PID,...", s)
		}
		if _, err := cpuTime(pid); err != nil {
			return nil, usagef("--watch %q: %v", s, err)
		}
		ws = append(ws, watched{name: name, pid: pid})
	}
	return ws, nil
}

// clockTick is the unit of /proc/PID/stat's times: USER_HZ, 100 on Linux.
const clockTick = 10 * time.Millisecond

// cpuTime is the user and system time a process has used (its own, 0 for
// natqload), from /proc.
func cpuTime(pid int) (time.Duration, error) {
	path := "/proc/self/stat"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("no process %d to watch (Linux /proc): %w", pid, err)
	}
	// The command name may hold spaces: the fields after it start past ')'.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("%s: unexpected format", path)
	}
	u, _ := strconv.ParseInt(fields[11], 10, 64)
	s, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(u+s) * clockTick, nil
}

func startWatch(ws []watched) {
	for i := range ws {
		ws[i].start, _ = cpuTime(ws[i].pid)
	}
}

func stopWatch(ws []watched) {
	for i := range ws {
		end, err := cpuTime(ws[i].pid)
		ws[i].used = end - ws[i].start
		if err != nil {
			ws[i].used = -1
		}
	}
}

// writeWatch reports each watched process's CPU as cores kept busy and
// as CPU time per request. On a machine shared with other work, the
// second is the steadier figure: a starved process answers fewer
// requests, but each costs it about the same.
func writeWatch(w io.Writer, ws []watched, elapsed time.Duration, requests int) {
	parts := make([]string, 0, len(ws))
	for _, x := range ws {
		if x.used < 0 {
			parts = append(parts, x.name+" gone")
			continue
		}
		per := 0.0
		if requests > 0 {
			per = float64(x.used) / float64(requests) / 1e3
		}
		parts = append(parts, fmt.Sprintf("%s %.2f (%.0f µs/request)", x.name, float64(x.used)/float64(elapsed), per))
	}
	fmt.Fprintf(w, "cpu (cores busy): %s\n", strings.Join(parts, ", "))
}

// profile takes a CPU profile of the server over the timed part of the
// run, from its pprof endpoint (natq serve --pprof), into path; done is
// closed when it is written.
func profile(ctx context.Context, pprofURL, path string, d time.Duration, stderr io.Writer) (done chan struct{}) {
	done = make(chan struct{})
	secs := max(1, int(d/time.Second)-1)
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", pprofURL+"?seconds="+strconv.Itoa(secs), nil)
		if err != nil {
			fmt.Fprintln(stderr, "natqload: --pprof-url:", err)
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Fprintln(stderr, "natqload: --pprof-url:", err)
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			fmt.Fprintf(stderr, "natqload: --pprof-url: %s\n", resp.Status)
			return
		}
		b, err := io.ReadAll(resp.Body)
		if err == nil {
			err = os.WriteFile(path, b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(stderr, "natqload: --pprof-out:", err)
		}
	}()
	return done
}
