package gossip

import (
	"context"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// validate is the topic's validator: the checks of doc.go ("Validation")
// in order, then the kind's validator. pubsub has checked the signature
// (strict signing) before it runs, so m.GetFrom() is the author.
func (t *Topic) validate(ctx context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
	if len(m.Data) > MaxEnvelope {
		return pubsub.ValidationReject
	}
	env, err := decodeEnvelope(m.Data)
	if err != nil {
		return pubsub.ValidationReject
	}
	author := m.GetFrom()
	if t.r.cfg.Refused(author) {
		// The forwarder may not hold the CRL yet: no penalty.
		return pubsub.ValidationIgnore
	}
	v := t.validator(env.kind)
	if v == nil {
		return pubsub.ValidationReject
	}
	if w := t.clock.judge(env.kind, env.epoch); w != Accept {
		return w.result()
	}
	id := m.ID
	if id == "" {
		id = messageID(m.Message)
	}
	switch t.recs.claim(string(author), env.kind, env.epoch, id) {
	case duplicate, full:
		return pubsub.ValidationIgnore
	case equivocates:
		if from == author {
			return pubsub.ValidationReject
		}
		// Relayed: the forwarder may have seen the other message first
		// and forwarded it honestly; the author is at fault, not it.
		return pubsub.ValidationIgnore
	}
	verdict := v(ctx, author, env.epoch, env.payload)
	if verdict != Accept {
		t.recs.release(string(author), env.kind, env.epoch, id)
		return verdict.result()
	}
	if env.kind == KindBeacon {
		t.SetEpoch(env.epoch)
	}
	m.ValidatorData = &env
	return pubsub.ValidationAccept
}
