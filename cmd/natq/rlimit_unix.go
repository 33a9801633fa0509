//go:build unix

package main

import "syscall"

// raiseFileLimit raises the soft limit on open files to the hard limit
// (each event stream holds a socket) and returns the limit in force.
// Go's runtime does the same at start on most systems; doing it here
// makes it certain and gives the figure the stream caps derive from.
func raiseFileLimit() (uint64, error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, err
	}
	if r.Cur < r.Max {
		r.Cur = r.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r)
			return r.Cur, err
		}
	}
	return r.Cur, nil
}
