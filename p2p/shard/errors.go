package shard

import (
	"errors"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
)

var (
	// ErrNotEnoughNodes means the network has fewer storage nodes than a
	// placement needs (k+m distinct ones for a stripe), or fewer with room.
	ErrNotEnoughNodes = errors.New("not enough storage nodes")
	// ErrNoSpace comes wrapped together with ErrNotEnoughNodes when there
	// are nodes enough but too few of them have room: the storage nodes
	// are out of space, which more nodes or freed space cure.
	ErrNoSpace = errors.New("storage nodes are out of space")
	// ErrUnavailable means too few shards of a stripe could be fetched.
	ErrUnavailable = errors.New("data unavailable: too few shards reachable")
)

// Sent is a chunk sent (in full or in part) to a node.
type Sent struct {
	ID   cid.Cid
	Node peer.ID
}

// PlaceError is the error of a placement that failed (Place, PutStripe,
// Replicate, Rehome): Err says why, and Sent names every chunk it sent to
// a node, each of which may hold it now although nothing refers to it.
// Whoever placed them deletes them, or they expire with their orders.
type PlaceError struct {
	Sent []Sent
	Err  error
}

func (e *PlaceError) Error() string { return e.Err.Error() }

func (e *PlaceError) Unwrap() error { return e.Err }
