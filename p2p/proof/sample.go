package proof

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Domains of the derivations, so a sample index can never equal a slice
// offset computed from the same inputs by accident.
const (
	sampleDomain = "scatterbytes sample v1\x00"
	sliceDomain  = "scatterbytes slice v1\x00"
)

// SampleCount is how many samples a proof of a commitment of count chunks
// carries under a beacon asking for samples: min(samples, count).
func SampleCount(samples int, count uint64) int {
	return int(min(uint64(max(samples, 0)), count))
}

// SampleIndex is the leaf sample j challenges:
// H(sampleDomain ‖ randomness ‖ node ‖ j u64) mod count, the hash's
// first 8 bytes read big-endian. count must be positive.
func SampleIndex(randomness [32]byte, node peer.ID, j int, count uint64) uint64 {
	h := sha256.New()
	h.Write([]byte(sampleDomain))
	h.Write(randomness[:])
	h.Write([]byte(node))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(j))
	h.Write(n[:])
	return binary.BigEndian.Uint64(h.Sum(nil)) % count
}

// SliceOffset is the byte of chunk id (of size bytes) that sample j
// proves: H(sliceDomain ‖ randomness ‖ node ‖ j u64 ‖ CID) mod size.
// size must be positive.
func SliceOffset(randomness [32]byte, node peer.ID, j int, id cid.Cid, size uint64) uint64 {
	h := sha256.New()
	h.Write([]byte(sliceDomain))
	h.Write(randomness[:])
	h.Write([]byte(node))
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(j))
	h.Write(n[:])
	h.Write(id.Bytes())
	return binary.BigEndian.Uint64(h.Sum(nil)) % size
}
