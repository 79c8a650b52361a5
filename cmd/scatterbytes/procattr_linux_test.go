package main

import "syscall"

// testProcAttr puts a started binary in its own process group (the test
// kills the group) and has the kernel kill it if the test process dies
// first (a timeout, a panic): a testnet then takes its children with it.
func testProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
