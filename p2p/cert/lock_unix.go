//go:build unix

package cert

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockWait bounds how long lockState waits for another process's lock:
// a change of the CA takes milliseconds, so a holder that long is stuck,
// and an enrolment must not hang behind it.
const lockWait = 10 * time.Second

// lockState takes an exclusive advisory lock on path, waiting up to
// lockWait for another process that holds it, and returns its release. A
// process that dies lets go of it.
func lockState(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return func() { f.Close() }, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK) && time.Now().Before(deadline):
			time.Sleep(5 * time.Millisecond)
			continue
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s held by another process for over %s", path, lockWait)
		}
		return nil, err
	}
}
