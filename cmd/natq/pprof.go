package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	rpprof "runtime/pprof"
	"time"

	"natq/planner/errs"
)

// startCPUProfile writes a CPU profile of the run to path until stop is
// called (natq plan --cpuprofile): where a big compound's time goes.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, errs.Invalidf("--cpuprofile %s: %v", path, err)
	}
	if err := rpprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, errs.Invalidf("--cpuprofile %s: %v", path, err)
	}
	return func() { rpprof.StopCPUProfile(); f.Close() }, nil
}

// startPprof serves Go's profiles (/debug/pprof/) on addr, apart from the
// public port: a CPU profile taken during a load run says where a request's
// time goes. It refuses an address that is not loopback, since profiles
// show the program's internals and cost CPU to take.
func startPprof(addr string, stderr io.Writer) (io.Closer, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, usagef("--pprof %q: %v", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, usagef("--pprof %q: give a loopback address (127.0.0.1:PORT): profiles are not for the public", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(stderr, "natq serve: profiles on http://%s/debug/pprof/\n", ln.Addr())
	return srv, nil
}
