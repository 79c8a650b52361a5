package client

import (
	"errors"

	"github.com/scatterbytes/scatterbytes/p2p/shard"
)

var (
	// ErrNotEnoughNodes means the network has fewer storage nodes than a
	// stripe needs (k+m distinct ones). It is the shard layer's error.
	ErrNotEnoughNodes = shard.ErrNotEnoughNodes
	// ErrNoSpace comes with ErrNotEnoughNodes when there are storage nodes
	// enough but too few with room. It is the shard layer's error.
	ErrNoSpace = shard.ErrNoSpace
	// ErrNoPeers comes with ErrNotEnoughNodes when no peer of the
	// network answers at all. It is the shard layer's error.
	ErrNoPeers = shard.ErrNoPeers
	// ErrEnrol means the client has no valid certificate and could not
	// get one from the network's coordinator (unreachable, or refused).
	ErrEnrol = errors.New("enrolment with the network's coordinator failed")
	// ErrUnavailable means too few shards of a stripe could be fetched.
	// It is the shard layer's error.
	ErrUnavailable = shard.ErrUnavailable
	// ErrChanged means a file changed size while it was being stored.
	ErrChanged = errors.New("file changed while it was being read")
	// ErrNoManifest means no node serves a chunk of a reference's
	// manifest: the file was removed, or its holders are offline.
	ErrNoManifest = errors.New("no node serves the file's manifest")
	// ErrNotFound means no catalog entry has that name.
	ErrNotFound = errors.New("no such file in the catalog")
)
