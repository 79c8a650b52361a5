package gossip

import (
	"fmt"
	"math"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

const (
	// MaxEnvelope bounds an envelope, the data of one gossip message. A
	// message of more is refused (Reject) before it is decoded.
	MaxEnvelope = 800 << 10
	// MaxPayload bounds the payload an envelope carries: MaxEnvelope less
	// room for the kind, the epoch and the field headers.
	MaxPayload = 819056
)

// Envelope field numbers.
const (
	fieldKind    = 1
	fieldEpoch   = 2
	fieldPayload = 3
)

// envelopeSchema is Envelope of envelope.proto, which TestProtoMatchesSchema
// keeps in step with it.
var envelopeSchema = wire.Message{Name: "Envelope", Max: MaxEnvelope, Fields: []wire.Field{
	{Num: fieldKind, Name: "kind", Kind: wire.Uint64, Required: true, Max: math.MaxUint32},
	{Num: fieldEpoch, Name: "epoch", Kind: wire.Uint64},
	{Num: fieldPayload, Name: "payload", Kind: wire.Bytes, Required: true, Min: 1, Max: MaxPayload},
}}

// envelope is one decoded gossip message.
type envelope struct {
	kind    Kind
	epoch   uint64
	payload []byte
}

// encode writes e canonically: fields in number order, each once, the
// epoch even when 0 (so that every envelope has the same shape).
func (e envelope) encode() []byte {
	b := make([]byte, 0, len(e.payload)+24)
	b = wire.AppendUint(b, fieldKind, uint64(e.kind))
	b = wire.AppendUint(b, fieldEpoch, e.epoch)
	return wire.AppendBytes(b, fieldPayload, e.payload)
}

// decodeEnvelope decodes an envelope under package wire's policy. The
// payload aliases b.
func decodeEnvelope(b []byte) (envelope, error) {
	var e envelope
	err := envelopeSchema.Decode(b, func(f *wire.Field, v wire.Value) error {
		switch f.Num {
		case fieldKind:
			e.kind = Kind(v.Uint())
		case fieldEpoch:
			e.epoch = v.Uint()
		case fieldPayload:
			e.payload = v.Bytes()
		}
		return nil
	})
	if err != nil {
		return envelope{}, fmt.Errorf("%w: %w", ErrBadEnvelope, err)
	}
	return e, nil
}
