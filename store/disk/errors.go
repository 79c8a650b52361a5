package disk

import "errors"

var (
	// ErrBadRecord means an index record or chunk file header does not
	// decode.
	ErrBadRecord = errors.New("bad chunk record")
	// ErrBadConfig means a Config does not validate.
	ErrBadConfig = errors.New("bad disk store config")
	// ErrLocked means another process has the store open.
	ErrLocked = errors.New("store directory in use by another process")
)
