package gossip

import (
	"context"
	"fmt"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Message is an accepted gossip message.
type Message struct {
	Kind    Kind
	Epoch   uint64
	Payload []byte
	Author  peer.ID // who signed it
	From    peer.ID // who forwarded it to this node (this node, for its own)
	Local   bool    // published by this node
}

// Subscription delivers the accepted messages of one kind, this node's own
// included, in the order they were accepted.
type Subscription struct {
	sub *pubsub.Subscription
}

// Subscribe delivers the messages of kind that its validator accepts, and
// makes the node take part in the mesh.
func (t *Topic) Subscribe(kind Kind) (*Subscription, error) {
	if t.validator(kind) == nil {
		return nil, fmt.Errorf("subscribe %s: %w", kind, ErrNoValidator)
	}
	sub, err := t.t.Subscribe(pubsub.WithBufferSize(subBuffer), pubsub.WithMessageFilter(func(m *pubsub.Message) bool {
		e, ok := m.ValidatorData.(*envelope)
		return ok && e.kind == kind
	}))
	if err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", kind, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		sub.Cancel()
		return nil, fmt.Errorf("subscribe %s: %w", kind, pubsub.ErrTopicClosed)
	}
	t.subs = append(t.subs, sub)
	return &Subscription{sub: sub}, nil
}

// Next blocks until the next message, ctx ends or the subscription is
// cancelled.
func (s *Subscription) Next(ctx context.Context) (Message, error) {
	m, err := s.sub.Next(ctx)
	if err != nil {
		return Message{}, err
	}
	e := m.ValidatorData.(*envelope)
	return Message{Kind: e.kind, Epoch: e.epoch, Payload: e.payload,
		Author: m.GetFrom(), From: m.ReceivedFrom, Local: m.Local}, nil
}

// Cancel ends the subscription; Next then returns an error.
func (s *Subscription) Cancel() { s.sub.Cancel() }
