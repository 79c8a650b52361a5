package gossip

import "errors"

var (
	// ErrBadEnvelope means a gossip message's data is not a well-formed
	// envelope (see envelope.proto).
	ErrBadEnvelope = errors.New("malformed gossip envelope")
	// ErrTooLarge means a payload is over MaxPayload.
	ErrTooLarge = errors.New("gossip payload too large")
	// ErrNoValidator means a kind has no validator on this topic: its
	// messages can be neither published nor received.
	ErrNoValidator = errors.New("no validator for this gossip kind")
	// ErrValidatorSet means a kind's validator was registered already.
	ErrValidatorSet = errors.New("gossip kind already has a validator")
	// ErrRefused means the topic's own checks or the kind's validator
	// refused a message this node tried to publish (an equivocation, an
	// epoch out of the window, or a payload the validator rejects).
	ErrRefused = errors.New("gossip message refused")
)
