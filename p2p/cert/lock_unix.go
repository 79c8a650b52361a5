//go:build unix

package cert

import (
	"os"
	"syscall"
)

// lockState takes an exclusive advisory lock on path, waiting for another
// process that holds it, and returns its release. A process that dies
// lets go of it.
func lockState(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
