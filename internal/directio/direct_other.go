//go:build !linux

package directio

import (
	"errors"
	"os"
)

// setDirect fails where O_DIRECT does not exist; Writer and SectionReader
// then use ordinary reads and writes.
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }
