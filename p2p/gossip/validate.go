package gossip

import (
	"context"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

const (
	accept = pubsub.ValidationAccept
	reject = pubsub.ValidationReject
	ignore = pubsub.ValidationIgnore
)

// validate is the topic's validator: the checks of doc.go ("Validation")
// in order, then the kind's validator. pubsub has checked the signature
// (strict signing) before it runs, so m.GetFrom() is the author.
func (t *Topic) validate(ctx context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
	c := &t.counts
	if len(m.Data) > MaxEnvelope {
		return t.rejected(&c.oversize, "oversize", from, m.GetFrom())
	}
	env, err := decodeEnvelope(m.Data)
	if err != nil {
		return t.rejected(&c.malformed, "malformed", from, m.GetFrom())
	}
	author := m.GetFrom()
	if t.r.cfg.Refused(author) {
		// The forwarder may not hold the CRL yet: no penalty.
		return count(&c.refusedAuthor, ignore)
	}
	v := t.validator(env.kind)
	if v == nil {
		return t.rejected(&c.noValidator, "noValidator", from, author)
	}
	switch t.clock.place(env.kind, env.epoch) {
	case unknown:
		return count(&c.epochUnknown, ignore)
	case stale:
		return count(&c.stale, ignore)
	case early:
		// No penalty: this node may simply have missed beacons that the
		// forwarder saw (a loaded coordinator can skip epochs), and an
		// honest forwarder must not be scored down for it.
		return count(&c.early, ignore)
	}
	id := m.ID
	if id == "" {
		id = messageID(m.Message)
	}
	switch t.recs.claim(string(author), env.kind, env.epoch, id) {
	case duplicate:
		return count(&c.duplicate, ignore)
	case full:
		return count(&c.full, ignore)
	case equivocates:
		if from == author {
			return t.rejected(&c.equivocation, "equivocation", from, author)
		}
		// Relayed: the forwarder may have seen the other message first
		// and forwarded it honestly; the author is at fault, not it.
		return count(&c.relayedEquivocation, ignore)
	}
	if env.kind != KindBeacon {
		// At most GOMAXPROCS kind validators run at once, and a message
		// that waited for a slot until its epoch went stale is dropped
		// unchecked. pubsub runs each validation on its own goroutine:
		// unbounded, a burst on a machine short of CPU shared it among
		// them all, every check finished late, and the checks of proofs
		// already too old to count kept the fresh ones late in turn
		// (TestNodeExit under load: every node missed every epoch for a
		// minute). Beacons, one an epoch and what moves the epoch, do not
		// wait.
		select {
		case t.slots <- struct{}{}:
		case <-ctx.Done():
			t.recs.release(string(author), env.kind, env.epoch, id)
			return ignore
		}
		defer func() { <-t.slots }()
		if t.clock.place(env.kind, env.epoch) == stale {
			t.recs.release(string(author), env.kind, env.epoch, id)
			return count(&c.stale, ignore)
		}
	}
	switch v(ctx, author, env.epoch, env.payload) {
	case Accept:
	case Ignore:
		t.recs.release(string(author), env.kind, env.epoch, id)
		return count(&c.kindIgnored, ignore)
	default:
		t.recs.release(string(author), env.kind, env.epoch, id)
		return t.rejected(&c.kindRejected, "kindRejected", from, author)
	}
	if env.kind == KindBeacon {
		t.SetEpoch(env.epoch)
	}
	m.ValidatorData = &env
	return count(&c.accepted, accept)
}

func count(n interface{ Add(int64) int64 }, r pubsub.ValidationResult) pubsub.ValidationResult {
	n.Add(1)
	return r
}

// rejected counts a rejection and logs it at debug level with its reason.
func (t *Topic) rejected(n interface{ Add(int64) int64 }, reason string, from, author peer.ID) pubsub.ValidationResult {
	t.r.cfg.Logger.Debug("gossip message rejected", "reason", reason, "from", from, "author", author)
	return count(n, reject)
}
