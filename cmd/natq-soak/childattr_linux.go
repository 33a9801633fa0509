//go:build linux

package main

import "syscall"

// childAttr makes a process natq-soak starts (redis-server, natq serve,
// the listeners run's instance) die with natq-soak: a run killed by hand
// or by its test's timeout leaves no server holding a port, a temporary
// directory or an append-only file behind. Linux sends the signal when
// the thread that started the child ends; Go ends a thread only under a
// goroutine locked to it, and natq-soak locks none.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
