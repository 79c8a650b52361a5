package gossip

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/scatterbytes/scatterbytes/internal/golden"
	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// TestProtoMatchesSchema keeps envelope.proto and envelopeSchema in step.
func TestProtoMatchesSchema(t *testing.T) {
	src, err := os.ReadFile("envelope.proto")
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.MatchProto(src, &envelopeSchema); err != nil {
		t.Fatal(err)
	}
	if err := envelopeSchema.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestGolden pins the envelope encoding.
func TestGolden(t *testing.T) {
	golden.Check(t, "envelope.golden", envelope{kind: KindProof, epoch: 300, payload: []byte("signed proof")}.encode())
}

func TestEnvelopeRoundTripAndLimits(t *testing.T) {
	for _, e := range []envelope{
		{kind: KindBeacon, epoch: 0, payload: []byte{1}},
		{kind: KindCRL, epoch: 1<<64 - 1, payload: make([]byte, MaxPayload)},
		{kind: 1<<32 - 1, epoch: 7, payload: []byte("future kind")},
	} {
		b := e.encode()
		if len(b) > MaxEnvelope {
			t.Fatalf("%s: %d bytes encoded, over MaxEnvelope", e.kind, len(b))
		}
		got, err := decodeEnvelope(b)
		if err != nil || got.kind != e.kind || got.epoch != e.epoch || !bytes.Equal(got.payload, e.payload) {
			t.Fatalf("%s: round trip = %+v, %v", e.kind, got.kind, err)
		}
	}
	ok := envelope{kind: KindProof, epoch: 3, payload: []byte("p")}.encode()
	for name, b := range map[string][]byte{
		"empty":             nil,
		"no kind":           wire.AppendBytes(wire.AppendUint(nil, fieldEpoch, 1), fieldPayload, []byte("p")),
		"no payload":        wire.AppendUint(wire.AppendUint(nil, fieldKind, 1), fieldEpoch, 1),
		"empty payload":     envelope{kind: KindProof, payload: nil}.encode(),
		"payload too long":  envelope{kind: KindProof, payload: make([]byte, MaxPayload+1)}.encode(),
		"kind over 32 bits": wire.AppendBytes(wire.AppendUint(nil, fieldKind, 1<<32), fieldPayload, []byte("p")),
		"kind twice":        wire.AppendUint(bytes.Clone(ok), fieldKind, 2),
		"epoch twice":       wire.AppendUint(bytes.Clone(ok), fieldEpoch, 4),
		"payload twice":     wire.AppendBytes(bytes.Clone(ok), fieldPayload, []byte("q")),
		"truncated":         ok[:len(ok)-1],
		"group":             append(bytes.Clone(ok), 0x23, 0x24),
		"kind as bytes":     wire.AppendBytes(wire.AppendBytes(nil, fieldKind, []byte{1}), fieldPayload, []byte("p")),
		"over the limit":    make([]byte, MaxEnvelope+1),
	} {
		if _, err := decodeEnvelope(b); !errors.Is(err, ErrBadEnvelope) || !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: decodeEnvelope = %v, want ErrBadEnvelope and wire.ErrMalformed", name, err)
		}
	}
	// Unknown fields are skipped: a later version may add some.
	if e, err := decodeEnvelope(wire.AppendUint(bytes.Clone(ok), 9, 1)); err != nil || e.kind != KindProof {
		t.Errorf("unknown field: %+v, %v", e, err)
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add(envelope{kind: KindBeacon, epoch: 1, payload: []byte("beacon")}.encode())
	f.Add(envelope{kind: KindProof, epoch: 1 << 40, payload: make([]byte, 300)}.encode())
	f.Add([]byte{0x08, 0x01, 0x08, 0x01, 0x1a, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEnvelope(b)
		if err != nil {
			return
		}
		if len(e.payload) == 0 || len(e.payload) > MaxPayload || uint64(e.kind) > 1<<32-1 {
			t.Fatalf("decoded an envelope outside its caps: kind %d, %d bytes", e.kind, len(e.payload))
		}
		// Re-encoding what was decoded must decode to the same envelope.
		again, err := decodeEnvelope(e.encode())
		if err != nil || again.kind != e.kind || again.epoch != e.epoch || !bytes.Equal(again.payload, e.payload) {
			t.Fatalf("re-decode: %+v, %v", again, err)
		}
	})
}
