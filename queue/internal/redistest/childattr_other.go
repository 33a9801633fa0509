//go:build !linux

package redistest

import "syscall"

// childAttr is nothing off Linux: a server outlives a test process killed
// before its Stop.
func childAttr() *syscall.SysProcAttr { return nil }
