package proof

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// Field numbers; proof.proto names them.
const (
	beaconNetwork    = 1
	beaconEpoch      = 2
	beaconStart      = 3
	beaconLength     = 4
	beaconSamples    = 5
	beaconRandomness = 6
	beaconPrev       = 7
	beaconCert       = 8
	beaconSignature  = 15

	commitNode  = 1
	commitEpoch = 2
	commitRoot  = 3
	commitCount = 4
	commitBytes = 5

	sampleIndex     = 1
	sampleChunk     = 2
	sampleSize      = 3
	sampleOrderHash = 4
	sampleOrder     = 5
	samplePath      = 6
	sampleSlice     = 7
	sampleTail      = 8

	proofNetwork     = 1
	proofEpoch       = 2
	proofNode        = 3
	proofNodeCert    = 4
	proofBeacon      = 5
	proofCommitted   = 6
	proofSamples     = 7
	proofNext        = 8
	proofClientCerts = 9
	proofSignature   = 15
)

// Encoders write fields in number order, zeros included; optional fields
// (a first proof's committed, a lost chunk's order and slices) are left
// out when empty.

func appendTime(b []byte, num protowire.Number, t time.Time) []byte {
	ms := int64(0)
	if !t.IsZero() {
		ms = max(t.UnixMilli(), 0)
	}
	return wire.AppendUint(b, num, uint64(ms))
}

func decodeTime(v wire.Value) time.Time {
	if v.Uint() == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v.Int()).UTC()
}

func decodeBytes(v wire.Value) []byte { return append([]byte(nil), v.Bytes()...) }

func decodeHash(v wire.Value) (h [32]byte) { copy(h[:], v.Bytes()); return h }

func decodeCID(v wire.Value) (cid.Cid, error) { return cid.Cast(v.Bytes()) }

func decodePeer(v wire.Value) (peer.ID, error) { return peer.IDFromBytes(v.Bytes()) }

// malformed is a decoding failure of message what.
func malformed(what string, err error) error {
	return fmt.Errorf("decode %s: %w: %w", what, ErrMalformed, err)
}
