package store

import "errors"

var (
	// ErrBadID means a value offered as a chunk ID is not one.
	ErrBadID = errors.New("not a chunk ID (CIDv1 raw, BLAKE3-256)")
)
