package manifest

import "errors"

var (
	// ErrBadManifest means a manifest chunk is malformed, inconsistent,
	// over a limit, or fails to open.
	ErrBadManifest = errors.New("bad manifest")
	// ErrBadRef means a string is not a file reference.
	ErrBadRef = errors.New("bad file reference")
	// ErrTooLarge means a manifest cannot be stored within the chunk limits.
	ErrTooLarge = errors.New("manifest too large")
)
