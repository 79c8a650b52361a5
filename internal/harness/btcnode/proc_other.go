//go:build !linux

package btcnode

import "syscall"

// childAttr: no parent-death signal outside Linux; Stop stops btcd.
func childAttr() *syscall.SysProcAttr { return nil }
