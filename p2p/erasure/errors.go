package erasure

import "errors"

var (
	// ErrTooFewShards means fewer than K shards of a stripe are present.
	ErrTooFewShards = errors.New("erasure: fewer than k shards present")
	// ErrRedundancy means a k+m setting is malformed or out of bounds.
	ErrRedundancy = errors.New("erasure: bad redundancy")
	// ErrLayout means layout parameters or a stripe/shard argument are invalid.
	ErrLayout = errors.New("erasure: bad layout")
	// ErrShardSize means a shard handed in has the wrong length.
	ErrShardSize = errors.New("erasure: shard has the wrong size")
)
