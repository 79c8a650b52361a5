//go:build !linux

package directio

import (
	"errors"
	"os"
)

// setDirect fails where O_DIRECT does not exist; Writer and SectionReader
// then use ordinary reads and writes.
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }

// startWriteback does nothing where sync_file_range does not exist.
func startWriteback(*os.File, int64, int64) {}
