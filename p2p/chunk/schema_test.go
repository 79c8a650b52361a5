package chunk

import (
	"errors"
	"os"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// TestProtoMatchesSchemas keeps chunk.proto, the published schema, and
// the tables the decoders use in step.
func TestProtoMatchesSchemas(t *testing.T) {
	src, err := os.ReadFile("chunk.proto")
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.MatchProto(src, &requestSchema, &responseSchema, &orderSchema, &receiptSchema); err != nil {
		t.Fatal(err)
	}
}

// TestStricterDecoding pins what the shared policy refuses that the
// decoders before it accepted: a repeated singular field (two decoders
// could read different values from one signed order), a missing required
// field, and messages over their size limit.
func TestStricterDecoding(t *testing.T) {
	msgs := goldenMessages(t)
	order, receipt := msgs["order"], msgs["receipt"]
	for _, tc := range []struct {
		name   string
		decode func([]byte) error
		b      []byte
	}{
		{"order with size twice", decodeOrder, wire.AppendUint(clip(order), orderSize, 1)},
		{"order with signature twice", decodeOrder, wire.AppendBytes(clip(order), orderSignature, make([]byte, 64))},
		{"order without nonce", decodeOrder, dropField(t, order, orderNonce)},
		{"order without signature", decodeOrder, dropField(t, order, orderSignature)},
		{"order over 1 KiB", decodeOrder, wire.AppendBytes(clip(order), 99, make([]byte, maxOrder))},
		{"receipt with node twice", decodeReceipt, wire.AppendBytes(clip(receipt), receiptNode, nil)},
		{"receipt without order hash", decodeReceipt, dropField(t, receipt, receiptOrderHash)},
		{"request with op twice", decodeRequest, wire.AppendUint(clip(msgs["request-get"]), reqOp, uint64(opDelete))},
		{"response with status twice", decodeResponse, wire.AppendUint(clip(msgs["response-get"]), respStatus, uint64(codeOK))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.decode(tc.b)
			if !errors.Is(err, ErrBadMessage) || !errors.Is(err, wire.ErrMalformed) {
				t.Fatalf("err = %v, want ErrBadMessage", err)
			}
			t.Log(err)
		})
	}
}

func decodeOrder(b []byte) error    { _, err := UnmarshalOrder(b); return err }
func decodeReceipt(b []byte) error  { _, err := UnmarshalReceipt(b); return err }
func decodeRequest(b []byte) error  { _, err := unmarshalRequest(b); return err }
func decodeResponse(b []byte) error { _, err := unmarshalResponse(b); return err }

// clip makes appending to b copy it.
func clip(b []byte) []byte { return b[:len(b):len(b)] }

// dropField re-encodes b without field num.
func dropField(t *testing.T, b []byte, num protowire.Number) []byte {
	t.Helper()
	var out []byte
	for len(b) > 0 {
		n, _, l := protowire.ConsumeField(b)
		if l < 0 {
			t.Fatal(protowire.ParseError(l))
		}
		if n != num {
			out = append(out, b[:l]...)
		}
		b = b[l:]
	}
	return out
}
