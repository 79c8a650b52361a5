package disk

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// InUse returns ErrLocked if a process has the store in dir open (this
// one included), and nil if none has or there is no store: a command
// that must not run beside the store's owner asks before it starts
// anything. It takes the lock for a moment and lets go; where flock is
// not available (lock_other.go) it always returns nil.
func InUse(dir string) error {
	path := filepath.Join(dir, lockFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	f, err := lockDir(path)
	if err != nil {
		return err
	}
	return f.Close()
}
