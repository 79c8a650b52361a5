package btcnode

import "syscall"

// childAttr makes the kernel kill btcd when the process that started it
// dies, however it dies (SIGKILL included): a testnet killed hard leaves no
// btcd behind. Go never ends the OS threads that start processes unless a
// goroutine locked to one exits, so the parent-death signal fires only
// when the process ends.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
