package procnet

import "syscall"

// childAttr puts a child in its own process group (a Ctrl-C reaches the
// supervisor alone, which stops the children in order) and has the kernel
// kill it when the supervisor dies, however it dies. Go ends the OS
// thread that started a process only when a goroutine locked to it exits,
// which this package never does, so the signal fires when the process
// ends.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
