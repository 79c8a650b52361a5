package store

import "errors"

var (
	// ErrBadID means a value offered as a chunk ID is not one.
	ErrBadID = errors.New("not a chunk ID (CIDv1 raw, BLAKE3-256)")
	// ErrNotFound means the store does not hold the chunk.
	ErrNotFound = errors.New("chunk not found")
	// ErrExists means a Put named a chunk the store already holds.
	ErrExists = errors.New("chunk already stored")
	// ErrMismatch means the bytes offered for a chunk do not hash to its ID
	// or do not have the announced size.
	ErrMismatch = errors.New("chunk bytes do not match the ID")
	// ErrNoSpace means a Put would take the store over its capacity.
	ErrNoSpace = errors.New("store capacity exceeded")
	// ErrRange means a byte range does not lie inside the chunk.
	ErrRange = errors.New("byte range outside the chunk")
	// ErrCorrupt means the chunk failed a scrub and was quarantined; its
	// bytes are never served again.
	ErrCorrupt = errors.New("chunk corrupt (quarantined)")
	// ErrClosed means the store was closed.
	ErrClosed = errors.New("store closed")
	// ErrMetaTooLarge means a Put carried more than MaxMetaSize bytes of
	// metadata.
	ErrMetaTooLarge = errors.New("chunk metadata too large")
	// ErrBadProof means a slice proof did not verify against the chunk ID.
	ErrBadProof = errors.New("slice proof does not verify")
)
