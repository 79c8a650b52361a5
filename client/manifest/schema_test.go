package manifest

import (
	"errors"
	"os"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// TestProtoMatchesSchemas keeps manifest.proto, the published schema, and
// the tables the decoders use in step.
func TestProtoMatchesSchemas(t *testing.T) {
	src, err := os.ReadFile("manifest.proto")
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.MatchProto(src, &rootSchema, &stripeSchema, &shardSchema, &listSchema); err != nil {
		t.Fatal(err)
	}
}

// TestStricterDecoding pins what the shared policy refuses that the
// decoder before it accepted: groups (skipped as unknown fields before)
// and a content type that is not UTF-8, which proto3 readers refuse.
func TestStricterDecoding(t *testing.T) {
	m := testManifest(t, 3<<20, 4, 2, 2)
	good := encodeRoot(m, nil)
	good = good[:len(good):len(good)]
	group := append(protowire.AppendTag(nil, 99, protowire.StartGroupType), protowire.AppendTag(nil, 99, protowire.EndGroupType)...)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"unknown group", append(good, group...)},
		{"content type not UTF-8", wire.AppendBytes(without(t, good, func(n protowire.Number) bool { return n == fContentType }), fContentType, []byte{0xff})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeRoot(tc.b)
			if !errors.Is(err, ErrBadManifest) {
				t.Fatalf("err = %v, want ErrBadManifest", err)
			}
			t.Log(err)
		})
	}
	m.ContentType = "\xff"
	if err := m.Validate(); !errors.Is(err, ErrBadManifest) {
		t.Fatalf("Validate accepted a content type that is not UTF-8: %v", err)
	}
}
