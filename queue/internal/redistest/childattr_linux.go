//go:build linux

package redistest

import "syscall"

// childAttr makes a redis-server die with the test process that started
// it: a test binary killed on a timeout, or by hand, leaves no server
// holding a port and a temporary directory behind. Linux sends the
// signal when the thread that started the child ends; Go ends a thread
// only under a goroutine locked to it, and no test starts servers from
// one.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
