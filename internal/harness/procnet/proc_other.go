//go:build !linux

package procnet

import "syscall"

// childAttr puts a child in its own process group; without Linux's
// parent-death signal a supervisor killed hard leaves its children
// running (`testnet down` stops them by PID).
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
