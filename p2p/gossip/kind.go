package gossip

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Kind says what an envelope's payload is. The topic does not read
// payloads: each kind has a validator, registered by the role that
// understands it.
type Kind uint32

// The kinds of the proofs topic. New kinds take new numbers; see doc.go on
// what a node does with a kind it has no validator for.
const (
	KindBeacon Kind = 1 // the coordinator's signed beacon, one per epoch; accepted beacons move the topic's epoch
	KindProof  Kind = 2 // a storage node's availability proof, one per node per epoch
	KindCRL    Kind = 3 // the CA's certificate revocation list, at most one per epoch
)

func (k Kind) String() string {
	switch k {
	case KindBeacon:
		return "beacon"
	case KindProof:
		return "proof"
	case KindCRL:
		return "crl"
	}
	return fmt.Sprintf("kind(%d)", uint32(k))
}

// Verdict is a validator's judgement of a message.
type Verdict int

const (
	// Accept delivers the message to subscribers and forwards it.
	Accept Verdict = iota
	// Reject drops the message and counts an invalid delivery against
	// the peer that forwarded it: for a message that is forged or
	// invalid whoever judges it, which an honest peer would not have
	// forwarded.
	Reject
	// Ignore drops the message without penalty: for a message that is
	// stale, a duplicate, or one this node cannot judge yet (it lacks the
	// beacon or the CRL the forwarder may already have).
	Ignore
)

func (v Verdict) String() string {
	switch v {
	case Accept:
		return "accept"
	case Reject:
		return "reject"
	case Ignore:
		return "ignore"
	}
	return fmt.Sprintf("verdict(%d)", int(v))
}

// Validator judges the payload of one kind. author signed the message (the
// pubsub signature is checked before the validator runs); it may not be a
// peer this node is connected to, since messages are relayed, so a payload
// that must come from a member carries the author's certificate and the
// validator checks it. Validators run concurrently, on pubsub's validation
// goroutines, and must not block for long: ctx ends when the message is
// given up. payload aliases the message and must not be kept or changed.
type Validator func(ctx context.Context, author peer.ID, epoch uint64, payload []byte) Verdict
