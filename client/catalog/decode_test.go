package catalog

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// TestProtoMatchesSchema keeps catalog.proto and entrySchema in step.
func TestProtoMatchesSchema(t *testing.T) {
	src, err := os.ReadFile("catalog.proto")
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.MatchProto(src, &entrySchema); err != nil {
		t.Fatal(err)
	}
}

// without re-encodes e's fields except num, then appends extra.
func without(t *testing.T, num protowire.Number, extra []byte) []byte {
	t.Helper()
	e := testEntry(t, "v", "n")
	b := encodeEntry(&e)
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
	return append(out, extra...)
}

func bytesField(num protowire.Number, v string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, num, protowire.BytesType), v)
}

func varintField(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"truncated", without(t, 0, nil)[:10]},
		{"missing volume", without(t, fVolume, nil)},
		{"missing key", without(t, fKey, nil)},
		{"missing size", without(t, fSize, nil)},
		{"missing redundancy", without(t, fRedundancy, nil)},
		{"name twice", without(t, 0, bytesField(fName, "m"))},
		{"created twice", without(t, 0, varintField(fCreated, 2))},
		{"size as bytes", without(t, fSize, bytesField(fSize, "1"))},
		{"name as varint", without(t, fName, varintField(fName, 1))},
		{"size over int64", without(t, fSize, varintField(fSize, math.MaxInt64+1))},
		{"short key", without(t, fKey, bytesField(fKey, strings.Repeat("k", 31)))},
		{"zero key", without(t, fKey, bytesField(fKey, strings.Repeat("\x00", 32)))},
		{"not a CID", without(t, fManifest, bytesField(fManifest, "cid"))},
		{"CID of another kind", without(t, fManifest, bytesField(fManifest, "\x01\x71\x12\x20"+strings.Repeat("h", 32)))},
		{"slash in volume", without(t, fVolume, bytesField(fVolume, "a/b"))},
		{"bad UTF-8 name", without(t, fName, bytesField(fName, "\xff"))},
		{"bad redundancy", without(t, fRedundancy, bytesField(fRedundancy, "4-2"))},
		{"malformed unknown field", without(t, 0, append(protowire.AppendTag(nil, 99, protowire.BytesType), 5, 'x'))},
		{"over the size limit", without(t, 0, bytesField(99, strings.Repeat("x", maxEntrySize)))},
		// Stricter than before the shared policy, which skipped groups.
		{"unknown group", without(t, 0, append(protowire.AppendTag(nil, 99, protowire.StartGroupType), protowire.AppendTag(nil, 99, protowire.EndGroupType)...))},
		{"redundancy over its cap", without(t, fRedundancy, bytesField(fRedundancy, strings.Repeat("1", maxRedundancy+1)))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeEntry(tc.b); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestDecodeSkipsUnknownFields(t *testing.T) {
	e, err := decodeEntry(without(t, 0, append(bytesField(42, "future"), varintField(1000, 7)...)))
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEntry(e, testEntry(t, "v", "n")); d != "" {
		t.Fatal(d)
	}
}
