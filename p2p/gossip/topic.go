package gossip

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// subBuffer is how many messages a subscription holds for a slow reader
// before pubsub drops the newest: an epoch's burst of proofs on a small
// network, at most 256 MiB of envelopes.
const subBuffer = 1024

// Topic is the network's proofs topic on one node. Make it with Join,
// register a validator for every kind the node takes part in, then
// Subscribe (or Relay): the node enters the mesh then, and from then on a
// message of a kind without a validator is rejected.
type Topic struct {
	r      *Router
	t      *pubsub.Topic
	clock  *clock
	recs   records
	counts counts
	// slots bounds the kind validators running at once (see validate).
	slots chan struct{}

	mu         sync.RWMutex
	validators map[Kind]Validator
	relay      pubsub.RelayCancelFunc
	subs       []*pubsub.Subscription
	closed     bool
}

// Join joins the router's proofs topic and installs the topic's validator.
// The node does not take part in the mesh until Subscribe or Relay.
func Join(r *Router) (*Topic, error) {
	pt, err := r.ps.Join(r.topic)
	if err != nil {
		return nil, fmt.Errorf("join %s: %w", r.topic, err)
	}
	if err := pt.SetScoreParams(r.scoring.topic); err != nil {
		pt.Close()
		return nil, fmt.Errorf("join %s: %w", r.topic, err)
	}
	t := &Topic{r: r, t: pt, validators: map[Kind]Validator{},
		clock: &clock{length: r.epoch, now: time.Now}, slots: make(chan struct{}, runtime.GOMAXPROCS(0))}
	if err := r.ps.RegisterTopicValidator(r.topic, t.validate); err != nil {
		pt.Close()
		return nil, fmt.Errorf("join %s: %w", r.topic, err)
	}
	return t, nil
}

// RegisterValidator sets the validator of kind. Each kind has one, for
// the topic's life.
func (t *Topic) RegisterValidator(kind Kind, v Validator) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.validators[kind]; ok {
		return fmt.Errorf("%w: %s", ErrValidatorSet, kind)
	}
	t.validators[kind] = v
	return nil
}

func (t *Topic) validator(kind Kind) Validator {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.validators[kind]
}

// SetEpoch moves the topic's current epoch forward to e (never back). An
// accepted beacon does the same, so a node learns the epoch from the
// coordinator's beacons; a coordinator sets it as it starts an epoch.
func (t *Topic) SetEpoch(e uint64) {
	if t.clock.advance(e) {
		t.recs.forget(e)
	}
}

// Epoch is the current epoch, and whether one is known yet.
func (t *Topic) Epoch() (uint64, bool) { return t.clock.current() }

// Publish signs and sends one message. The topic's validator and kind's
// own judge it first, as they would anyone's: a message they refuse is
// not sent and Publish returns ErrRefused. Publishing the same envelope
// again is a no-op.
func (t *Topic) Publish(ctx context.Context, kind Kind, epoch uint64, payload []byte) error {
	if len(payload) > MaxPayload {
		return fmt.Errorf("publish %s: %w: %d bytes, at most %d", kind, ErrTooLarge, len(payload), MaxPayload)
	}
	if len(payload) == 0 {
		return fmt.Errorf("publish %s: %w: empty payload", kind, ErrBadEnvelope)
	}
	if t.validator(kind) == nil {
		return fmt.Errorf("publish %s: %w", kind, ErrNoValidator)
	}
	err := t.t.Publish(ctx, envelope{kind: kind, epoch: epoch, payload: payload}.encode())
	if ve := (pubsub.ValidationError{}); errors.As(err, &ve) {
		return fmt.Errorf("publish %s for epoch %d: %w (%s)", kind, epoch, ErrRefused, ve.Reason)
	}
	if err != nil {
		return fmt.Errorf("publish %s for epoch %d: %w", kind, epoch, err)
	}
	return nil
}

// Relay makes the node take part in the mesh, forwarding messages,
// without subscribing. Subscribe does it too.
func (t *Topic) Relay() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.relay != nil {
		return nil
	}
	cancel, err := t.t.Relay()
	if err != nil {
		return fmt.Errorf("relay %s: %w", t.r.topic, err)
	}
	t.relay = cancel
	return nil
}

// Peers are the peers known to take part in the topic.
func (t *Topic) Peers() []peer.ID { return t.t.ListPeers() }

// Score is p's peer score on this node (see Router.Score).
func (t *Topic) Score(p peer.ID) float64 { return t.r.Score(p) }

// Close leaves the topic: subscriptions end (their Next returns an
// error), the validator goes.
func (t *Topic) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	if t.relay != nil {
		t.relay()
	}
	for _, sub := range t.subs {
		sub.Cancel()
	}
	t.mu.Unlock()
	return errors.Join(t.r.ps.UnregisterTopicValidator(t.r.topic), t.t.Close())
}
