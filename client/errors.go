package client

import "errors"

var (
	// ErrNotEnoughNodes means the network has fewer storage nodes than a
	// stripe needs (k+m distinct ones).
	ErrNotEnoughNodes = errors.New("not enough storage nodes")
	// ErrUnavailable means too few shards of a stripe could be fetched.
	ErrUnavailable = errors.New("data unavailable: too few shards reachable")
	// ErrChanged means a file changed size while it was being stored.
	ErrChanged = errors.New("file changed while it was being read")
	// ErrNotFound means no catalog entry has that name.
	ErrNotFound = errors.New("no such file in the catalog")
)
