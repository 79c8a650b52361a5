package shard

import "errors"

var (
	// ErrNotEnoughNodes means the network has fewer storage nodes than a
	// placement needs (k+m distinct ones for a stripe), or fewer with room.
	ErrNotEnoughNodes = errors.New("not enough storage nodes")
	// ErrUnavailable means too few shards of a stripe could be fetched.
	ErrUnavailable = errors.New("data unavailable: too few shards reachable")
)
