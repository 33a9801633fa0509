package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// yearOn is a year after the fixtures' day: the demo tests run there, so
// that the demo's plan is dated by the binary's clock and not the machine's.
var yearOn = time.Date(2027, 12, 1, 5, 30, 0, 0, time.FixedZone("CST", 8*3600))

// TestDemoCommand runs natq demo as a user would and follows the URLs it
// prints.
func TestDemoCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuf
	e := &env{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }, now: clockAt(yearOn)}
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, []string{"demo", "--addr", "127.0.0.1:0"}) }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stdout.String(), "Ctrl-C") {
		select {
		case code := <-done:
			t.Fatalf("natq demo exited %d early:\n%s\n%s", code, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("natq demo printed no URLs in 30s:\n%s", stdout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := stdout.String()
	if !strings.Contains(stderr.String(), "IN MEMORY") {
		t.Errorf("natq demo does not say its store is in memory; stderr:\n%s", stderr.String())
	}
	for _, want := range []string{"resident page", "coordinator page", "coordinator token:", "marshal token:", "site display", "/display/", "building sheet", "battle map"} {
		if !strings.Contains(out, want) {
			t.Errorf("natq demo output lacks %q:\n%s", want, out)
		}
	}
	urls := regexp.MustCompile(`http://127\.0\.0\.1:\d+/\S*`).FindAllString(out, -1)
	if len(urls) < 5 {
		t.Fatalf("natq demo printed %d URLs, want at least 5:\n%s", len(urls), out)
	}
	// The call screen's link signs it in: a display's token after #t=,
	// which reads the site's line.
	if m := regexp.MustCompile(`site display \(a TV\): +(\S+)/display/(\S+)/(\S+)#t=(\S+)`).FindStringSubmatch(out); m == nil {
		t.Errorf("natq demo prints no call screen link with its token:\n%s", out)
	} else if code, body := call(t, "GET", m[1]+"/api/v1/sites/"+m[3]+"/line", m[4], ""); code != 200 {
		t.Errorf("the call screen's token reading %s's line = %d %s", m[3], code, body)
	} else if code, body := call(t, "POST", m[1]+"/api/v1/sites/"+m[3]+"/calls", m[4], `{"desk":1}`); code != 403 {
		t.Errorf("the call screen's token calling at %s = %d %s, want 403", m[3], code, body)
	}
	for _, u := range urls {
		resp, err := http.Get(u)
		if err != nil {
			t.Errorf("GET %s: %v", u, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(body) == 0 {
			t.Errorf("GET %s = %d, %d bytes; want 200 with a body", u, resp.StatusCode, len(body))
		}
	}
	// A sheet of a building the plan lacks says so, through the server's
	// one error path (it used to come out as "no such route"), as a 404.
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(urls[0])
	for _, p := range []string{"/print/b/nosuch.pdf", "/print/battle/snowy.pdf"} {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || !strings.Contains(string(body), `the plan has no sheet \"`) || !strings.Contains(string(body), `"code":"not_found"`) {
			t.Errorf("GET %s = %d %s, want 404 not_found naming the sheet", p, resp.StatusCode, body)
		}
	}
	// The whole city may ask for the battle map at once: it is drawn once
	// (before, each request drew it, and 300 of them took 30 s of CPU).
	drawnBefore := sheetDraws.Load()
	// Their own connections, closed after them: left open, they kept the
	// demo's shutdown waiting past its deadline.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr}
	var wg sync.WaitGroup
	got := make([][]byte, 16)
	for i := range got {
		wg.Go(func() {
			resp, err := cl.Get(base + "/print/battle/wet.pdf")
			if err != nil {
				t.Error(err)
				return
			}
			got[i], _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	for i := range got {
		if !bytes.HasPrefix(got[i], []byte("%PDF")) || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("request %d for the wet battle map got %d bytes (%.10q); want the same PDF as the others", i, len(got[i]), got[i])
		}
	}
	if n := sheetDraws.Load() - drawnBefore; n > 1 {
		t.Errorf("16 requests for the wet battle map drew it %d times; want at most once", n)
	}
	tr.CloseIdleConnections()
	// A browser opens spare sockets it may never send on; one still open
	// at Ctrl-C outlasts the shutdown's wait, and is closed with the
	// process: stopping is still what was asked for, exit 0.
	spare, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer spare.Close()
	cancel() // Ctrl-C
	stopped(t, "demo", done, &stderr)
}

func TestDemoUsage(t *testing.T) {
	var out bytes.Buffer
	e := testEnv(&out, &out)
	if code := run(context.Background(), e, []string{"demo", "extra"}); code != 2 {
		t.Errorf("natq demo extra = %d, want 2 (usage)", code)
	}
	if code := run(context.Background(), e, []string{"demo", "--file", "/nonexistent.geojson", "--addr", "127.0.0.1:0"}); code != 2 {
		t.Errorf("natq demo --file /nonexistent = %d, want 2 (bad input): %s", code, out.String())
	}
}
