package gate

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// TestProtoMatchesSchema keeps cert.proto and certSchema in step.
func TestProtoMatchesSchema(t *testing.T) {
	src, err := os.ReadFile("cert.proto")
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.MatchProto(src, &certSchema); err != nil {
		t.Fatal(err)
	}
}

func TestChainRoundTripAndLimits(t *testing.T) {
	chain := [][]byte{[]byte("leaf"), []byte("intermediate")}
	got, err := decodeChain(encodeChain(chain))
	if err != nil || len(got) != 2 || !bytes.Equal(got[0], chain[0]) || !bytes.Equal(got[1], chain[1]) {
		t.Fatalf("round trip = %q, %v", got, err)
	}
	for name, b := range map[string][]byte{
		"empty":          nil,
		"too many":       encodeChain(make([][]byte, MaxChain+1)),
		"too large":      encodeChain([][]byte{make([]byte, MaxMessage)}),
		"truncated":      encodeChain([][]byte{[]byte("leaf")})[:3],
		"bad tag":        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"only unknown":   {0x10, 0x01},
		"truncated skip": {0x1a, 0x05, 0x01},
		// Stricter than before the shared policy: groups were skipped, and
		// a chain field of another wire type was skipped as unknown.
		"group":            append(encodeChain([][]byte{[]byte("leaf")}), 0x1b, 0x1c),
		"chain as varint":  append(encodeChain([][]byte{[]byte("leaf")}), 0x08, 0x01),
		"chain as fixed32": append(encodeChain([][]byte{[]byte("leaf")}), protowire.AppendFixed32(protowire.AppendTag(nil, 1, protowire.Fixed32Type), 1)...),
	} {
		if _, err := decodeChain(b); !errors.Is(err, ErrBadMessage) {
			t.Errorf("%s: decodeChain = %v, want ErrBadMessage", name, err)
		} else if !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: decodeChain = %v, want wire.ErrMalformed too", name, err)
		}
	}
}

func FuzzDecodeChain(f *testing.F) {
	f.Add(encodeChain([][]byte{[]byte("leaf")}))
	f.Add(encodeChain([][]byte{make([]byte, 300), []byte("ca")}))
	f.Add([]byte{0x10, 0x01, 0x0a, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		chain, err := decodeChain(b)
		if err != nil {
			return
		}
		if len(chain) == 0 || len(chain) > MaxChain {
			t.Fatalf("decoded %d certificates", len(chain))
		}
		// Re-encoding what was decoded must decode to the same chain.
		again, err := decodeChain(encodeChain(chain))
		if err != nil || len(again) != len(chain) {
			t.Fatalf("re-decode: %v", err)
		}
		for i := range chain {
			if !bytes.Equal(again[i], chain[i]) {
				t.Fatalf("certificate %d changed", i)
			}
		}
	})
}
