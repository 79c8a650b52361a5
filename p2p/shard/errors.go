package shard

import "errors"

var (
	// ErrNotEnoughNodes means the network has fewer storage nodes than a
	// placement needs (k+m distinct ones for a stripe), or fewer with room.
	ErrNotEnoughNodes = errors.New("not enough storage nodes")
	// ErrNoPeers comes wrapped together with ErrNotEnoughNodes when no
	// peer of the network could be reached at all (Connected).
	ErrNoPeers = errors.New("no peer of the network reachable")
	// ErrNoSpace comes wrapped together with ErrNotEnoughNodes when there
	// are nodes enough but too few of them have room: the storage nodes
	// are out of space, which more nodes or freed space cure.
	ErrNoSpace = errors.New("storage nodes are out of space")
	// ErrUnavailable means too few shards of a stripe could be fetched.
	ErrUnavailable = errors.New("data unavailable: too few shards reachable")
	// ErrNoAnswer means a holder did not answer in the time a live one
	// takes (see answerWithin), or is believed dead: it failed to answer
	// recently.
	ErrNoAnswer = errors.New("holder did not answer")
)
