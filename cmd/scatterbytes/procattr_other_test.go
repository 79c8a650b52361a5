//go:build !linux

package main

import "syscall"

// testProcAttr puts a started binary in its own process group (the test
// kills the group).
func testProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
