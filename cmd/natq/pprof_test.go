package main

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"natq/planner/errs"
)

func TestPprofRefusesPublic(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "192.0.2.1:6060", "example.com:6060", "nonsense"} {
		if c, err := startPprof(addr, io.Discard); err == nil {
			c.Close()
			t.Errorf("startPprof(%q) = nil error, want a refusal", addr)
		} else if errs.CodeOf(err) != errs.Usage {
			t.Errorf("startPprof(%q) = %v, want a usage error", addr, err)
		}
	}
}

func TestPprofServes(t *testing.T) {
	var log bytes.Buffer
	c, err := startPprof("127.0.0.1:0", &log)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	url := regexp.MustCompile(`http://\S+/debug/pprof/`).FindString(log.String())
	if url == "" {
		t.Fatalf("startPprof said %q, want its URL", log.String())
	}
	resp, err := http.Get(url + "goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "goroutine profile") {
		t.Errorf("GET %sgoroutine = %d %.100s", url, resp.StatusCode, b)
	}
}
