//go:build !linux

package main

import "syscall"

// childAttr is nothing off Linux: a child outlives a natq-soak killed
// before it stops it.
func childAttr() *syscall.SysProcAttr { return nil }
