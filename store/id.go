package store

import (
	"fmt"
	"hash"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
	"github.com/zeebo/blake3"
)

// A chunk's ID is a CIDv1 with codec raw over the BLAKE3-256 multihash of
// its bytes. BLAKE3 is a Merkle tree, so a slice of a chunk can be proven
// against the ID alone (see proof.go). Nothing else is accepted as an ID.

// DigestSize is the length of a chunk digest in bytes.
const DigestSize = 32

// Sum returns the chunk ID of data.
func Sum(data []byte) cid.Cid {
	d := blake3.Sum256(data)
	return IDFromDigest(d)
}

// IDFromDigest wraps a BLAKE3-256 digest as a chunk ID.
func IDFromDigest(d [DigestSize]byte) cid.Cid {
	m, err := mh.Encode(d[:], mh.BLAKE3)
	if err != nil {
		panic(err) // a 32-byte BLAKE3 digest always encodes
	}
	return cid.NewCidV1(cid.Raw, m)
}

// Digest returns the BLAKE3-256 digest inside a valid chunk ID.
func Digest(id cid.Cid) ([DigestSize]byte, error) {
	var d [DigestSize]byte
	if err := CheckID(id); err != nil {
		return d, err
	}
	dm, _ := mh.Decode(id.Hash()) // CheckID decoded it already
	copy(d[:], dm.Digest)
	return d, nil
}

// CheckID reports whether id is a chunk ID: CIDv1, codec raw, BLAKE3 with a
// 32-byte digest. The error wraps ErrBadID.
func CheckID(id cid.Cid) error {
	if !id.Defined() {
		return fmt.Errorf("%w: empty", ErrBadID)
	}
	if id.Version() != 1 || id.Type() != cid.Raw {
		return fmt.Errorf("%w: %s is not a CIDv1 with codec raw", ErrBadID, id)
	}
	dm, err := mh.Decode(id.Hash())
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadID, id, err)
	}
	if dm.Code != mh.BLAKE3 || dm.Length != DigestSize {
		return fmt.Errorf("%w: %s is not a BLAKE3-256 hash", ErrBadID, id)
	}
	return nil
}

// ParseID parses the string form of a chunk ID and checks it.
func ParseID(s string) (cid.Cid, error) {
	id, err := cid.Decode(s)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %q: %v", ErrBadID, s, err)
	}
	return id, CheckID(id)
}

// Hasher computes a chunk ID over bytes written to it.
type Hasher struct{ h *blake3.Hasher }

// NewHasher returns a Hasher ready for writing.
func NewHasher() *Hasher { return &Hasher{h: blake3.New()} }

var _ hash.Hash = (*blake3.Hasher)(nil)

// Write adds p to the hash. It never fails.
func (h *Hasher) Write(p []byte) (int, error) { return h.h.Write(p) }

// ID returns the chunk ID of everything written so far.
func (h *Hasher) ID() cid.Cid {
	var d [DigestSize]byte
	h.h.Sum(d[:0])
	return IDFromDigest(d)
}

// Reset clears the Hasher for reuse.
func (h *Hasher) Reset() { h.h.Reset() }
