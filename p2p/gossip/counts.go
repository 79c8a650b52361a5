package gossip

import "sync/atomic"

// Counts are the topic validator's verdicts since Join, by reason: what a
// node's metrics show of the topic, and how tests see that a message
// reached a node and why it was dropped.
type Counts struct {
	Accepted            int64
	Oversize            int64 // Reject: data over MaxEnvelope
	Malformed           int64 // Reject: not an envelope
	RefusedAuthor       int64 // Ignore: the author is revoked or blocked
	NoValidator         int64 // Reject: a kind without a validator
	EpochUnknown        int64 // Ignore: no epoch known yet
	Stale               int64 // Ignore: older than the previous epoch
	Early               int64 // Reject: beyond the horizon
	Equivocation        int64 // Reject: a second message from its author
	RelayedEquivocation int64 // Ignore: the same, relayed by a third peer
	Duplicate           int64 // Ignore: the same message again
	Full                int64 // Ignore: no room for another record
	KindRejected        int64 // Reject by the kind's validator
	KindIgnored         int64 // Ignore by the kind's validator
}

// counts is Counts kept with atomics; validators run concurrently.
type counts struct {
	accepted, oversize, malformed, refusedAuthor, noValidator, epochUnknown,
	stale, early, equivocation, relayedEquivocation, duplicate, full,
	kindRejected, kindIgnored atomic.Int64
}

func (c *counts) snapshot() Counts {
	return Counts{
		Accepted: c.accepted.Load(), Oversize: c.oversize.Load(), Malformed: c.malformed.Load(),
		RefusedAuthor: c.refusedAuthor.Load(), NoValidator: c.noValidator.Load(),
		EpochUnknown: c.epochUnknown.Load(), Stale: c.stale.Load(), Early: c.early.Load(),
		Equivocation: c.equivocation.Load(), RelayedEquivocation: c.relayedEquivocation.Load(),
		Duplicate: c.duplicate.Load(), Full: c.full.Load(),
		KindRejected: c.kindRejected.Load(), KindIgnored: c.kindIgnored.Load(),
	}
}

// Counts are the topic validator's verdicts so far.
func (t *Topic) Counts() Counts { return t.counts.snapshot() }
