package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/qr"
)

// killBoth is killRedis with real `natq serve` processes: it builds natq,
// plans the contest compound for today with windows starting within the
// hour (the processes run on the wall clock), serves it from two
// processes on one redis-server (appendfsync always), and under bookings
// and cancellations SIGKILLs Redis and one natq process in turn, restarting
// each; then it checks every acknowledged change in Redis.
func killBoth(kills, rate int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "natq-kill-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "natq")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/natq").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/natq: %v: %s", err, out)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().In(loc)
	start := now.Add(20 * time.Minute).Truncate(15 * time.Minute)
	if start.Day() != now.Day() || start.Hour() > 20 {
		return fmt.Errorf("too late in the day in Shanghai (%s) for a plan of today: run it before 20:00 there", now.Format("15:04"))
	}
	plan := filepath.Join(dir, "contest.plan.geojson")
	if out, err := exec.Command(bin, "plan", "testdata/contest.geojson", "-o", plan, "--desks", "30", "--tz", "Asia/Shanghai",
		"--date", now.Format("2006-01-02"), "--start", start.Format("15:04")).CombinedOutput(); err != nil {
		return fmt.Errorf("natq plan: %v: %s", err, out)
	}
	compound, buildings, err := planBuildings(plan)
	if err != nil {
		return err
	}
	rs, err := startDurable(dir)
	if err != nil {
		return err
	}
	defer func() { rs.stop() }()
	const secret = "natq-soak-secret-0123456789"
	ports := make([]int, 2)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return err
		}
	}
	procs := make([]*exec.Cmd, 2)
	startNatq := func(i int) error {
		cmd := exec.Command(bin, "serve", "--plan", plan, "--addr", fmt.Sprintf("127.0.0.1:%d", ports[i]), "--booking-limit", "0")
		cmd.Env = append(os.Environ(), "REDIS_URL=redis://"+rs.addr, "NATQ_SECRET="+secret)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		cmd.SysProcAttr = childAttr()
		if err := cmd.Start(); err != nil {
			return err
		}
		procs[i] = cmd
		for j := 0; j < 200; j++ {
			if r, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", ports[i])); err == nil {
				r.Body.Close()
				if r.StatusCode == 200 {
					return nil
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		return fmt.Errorf("natq serve on %d did not become ready", ports[i])
	}
	kill := func(i int) { procs[i].Process.Kill(); procs[i].Wait() }
	for i := range procs {
		if err := startNatq(i); err != nil {
			return err
		}
	}
	defer func() {
		for i := range procs {
			kill(i)
		}
	}()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	call := func(port int, method, path, body string) (int, map[string]any) {
		return callJSON(client, method, fmt.Sprintf("http://127.0.0.1:%d%s", port, path), body)
	}
	book := func(w, n int) (string, int, string) {
		b := buildings[(w*31+n)%len(buildings)]
		room := fmt.Sprintf("%d%02d", 1+n%b.levels, 1+(w*7+n/b.levels)%99)
		body := fmt.Sprintf(`{"building":%q,"unit":%q,"room":%q,"party":1}`, b.id, b.unit, room)
		code, m := call(ports[(w+n)%2], "POST", "/api/v1/compounds/"+compound+"/bookings", body)
		ticket, _ := m["ticket"].(string)
		return b.id + "|" + b.unit + "|" + room, code, ticket
	}
	cancel := func(w, n int, ticket string) int {
		code, _ := call(ports[(w+n+1)%2], "DELETE", "/api/v1/tickets/"+ticket, "")
		return code
	}
	l := startLoad(ctx, rate, 4, book, cancel)
	natqKills := 0
	for k := 0; k < kills; k++ {
		time.Sleep(2 * time.Second)
		if k%2 == 0 {
			if err = rs.kill(time.Duration(1+k%3) * time.Second); err != nil {
				break
			}
		} else {
			i := (k / 2) % 2
			kill(i)
			natqKills++
			time.Sleep(time.Second)
			if err = startNatq(i); err != nil {
				break
			}
		}
	}
	time.Sleep(2 * time.Second)
	l.stop()
	if err != nil {
		return err
	}
	rdb := redis.NewClient(&redis.Options{Addr: rs.addr})
	defer rdb.Close()
	signer, _ := qr.NewSigner([]byte(secret))
	lost, wrong, dup, err := l.check(ctx, rdb, signer, "natq:{"+compound+"}:")
	if err != nil {
		return err
	}
	_, cs := call(ports[0], "GET", "/api/v1/compounds/"+compound, "")
	over := overCapacity(cs)
	fmt.Printf("natq-soak: %d SIGKILLs of redis-server (appendfsync always) and %d of a natq serve process, under bookings and cancellations over two processes\n",
		kills-natqKills, natqKills)
	fmt.Printf("bookings attempted %d, acknowledged %d (households %d), cancellations acknowledged %d, failed during outages %d\n",
		l.attempted, l.ackBook, len(l.acked), l.ackCancel, l.failed)
	fmt.Printf("lost %d, wrong state %d, households with two live tickets %d, windows over capacity %d\n", lost, wrong, dup, over)
	if lost+wrong+dup+over > 0 {
		return fmt.Errorf("acknowledged changes lost or doubled")
	}
	return nil
}

type building struct {
	id, unit string
	levels   int
}

// planBuildings reads a plan's compound id and its dry buildings (with a
// first unit when it has units).
func planBuildings(path string) (string, []building, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	var f struct {
		Compound struct {
			ID string `json:"id"`
		} `json:"natq:compound"`
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return "", nil, err
	}
	var out []building
	for _, x := range f.Features {
		p := x.Properties
		if p["natq:kind"] != "building" || p["natq:variant"] != "dry" || p["natq:doortodoor"] == true || p["natq:sealed"] == true {
			continue
		}
		id, _ := p["natq:building"].(string)
		levels, _ := p["natq:levels"].(float64)
		units, _ := p["natq:units"].(float64)
		unit := ""
		if units > 1 {
			unit = "1"
		}
		if id != "" {
			out = append(out, building{id, unit, max(int(levels), 1)})
		}
	}
	if len(out) == 0 {
		return "", nil, fmt.Errorf("%s: no buildings", path)
	}
	return f.Compound.ID, out, nil
}
