package proof

import (
	"crypto/sha256"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// Commitment binds a node's inventory, made before the beacon that
// challenges it: the root of the Merkle sum tree over the node's chunks in
// CID byte order, their number and their total size.
type Commitment struct {
	Node  peer.ID
	Epoch uint64 // the epoch whose beacon challenges it
	Root  [32]byte
	Count uint64 // chunks
	Bytes uint64 // total chunk bytes, bound to Root by the sum tree
}

func (c *Commitment) marshal(b []byte) []byte {
	b = wire.AppendBytes(b, commitNode, []byte(c.Node))
	b = wire.AppendUint(b, commitEpoch, c.Epoch)
	b = wire.AppendBytes(b, commitRoot, c.Root[:])
	b = wire.AppendUint(b, commitCount, c.Count)
	return wire.AppendUint(b, commitBytes, c.Bytes)
}

// Marshal returns the canonical encoding of c.
func (c *Commitment) Marshal() []byte { return c.marshal(make([]byte, 0, 96)) }

// Hash names the commitment: SHA-256 of its canonical encoding. A ledger
// may record it instead of the whole commitment.
func (c *Commitment) Hash() [32]byte { return sha256.Sum256(c.Marshal()) }

// Equal reports whether c and o commit to the same thing. Nil equals nil.
func (c *Commitment) Equal(o *Commitment) bool {
	if c == nil || o == nil {
		return c == o
	}
	return *c == *o
}

func (c *Commitment) String() string {
	return fmt.Sprintf("commitment of %s for epoch %d: %d chunks, %d bytes, root %x", c.Node, c.Epoch, c.Count, c.Bytes, c.Root[:8])
}

// check refuses numbers no tree can have.
func (c *Commitment) check() error {
	switch {
	case c.Count == 0 && (c.Bytes != 0 || c.Root != emptyRoot):
		return fmt.Errorf("%w: no chunks but %d bytes or a root other than the empty one", ErrBadCommitment, c.Bytes)
	case c.Count > MaxCount:
		return fmt.Errorf("%w: %d chunks", ErrBadCommitment, c.Count)
	}
	return nil
}

// UnmarshalCommitment decodes a commitment.
func UnmarshalCommitment(b []byte) (*Commitment, error) {
	var c Commitment
	err := commitmentSchema.Decode(b, func(f *wire.Field, v wire.Value) (err error) {
		switch f.Num {
		case commitNode:
			c.Node, err = decodePeer(v)
		case commitEpoch:
			c.Epoch = v.Uint()
		case commitRoot:
			c.Root = decodeHash(v)
		case commitCount:
			c.Count = v.Uint()
		case commitBytes:
			c.Bytes = v.Uint()
		}
		return err
	})
	if err != nil {
		return nil, malformed("commitment", err)
	}
	return &c, nil
}
