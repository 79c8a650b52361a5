package proof

import (
	"os"
	"testing"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// TestProtoMatchesSchemas keeps proof.proto, the published schema, and
// the tables the decoders use in step.
func TestProtoMatchesSchemas(t *testing.T) {
	src, err := os.ReadFile("proof.proto")
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.MatchProto(src, &beaconSchema, &commitmentSchema, &sampleSchema, &proofSchema); err != nil {
		t.Fatal(err)
	}
}
