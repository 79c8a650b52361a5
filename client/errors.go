package client

import (
	"errors"

	"github.com/scatterbytes/scatterbytes/p2p/shard"
)

var (
	// ErrNotEnoughNodes means the network has fewer storage nodes than a
	// stripe needs (k+m distinct ones). It is the shard layer's error.
	ErrNotEnoughNodes = shard.ErrNotEnoughNodes
	// ErrUnavailable means too few shards of a stripe could be fetched.
	// It is the shard layer's error.
	ErrUnavailable = shard.ErrUnavailable
	// ErrChanged means a file changed size while it was being stored.
	ErrChanged = errors.New("file changed while it was being read")
	// ErrNotFound means no catalog entry has that name.
	ErrNotFound = errors.New("no such file in the catalog")
)
