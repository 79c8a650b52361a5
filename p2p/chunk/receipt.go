package chunk

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
)

// receiptDomain prefixes the bytes a receipt signature covers.
const receiptDomain = "scatterbytes receipt v1\x00"

// Receipt is a node's signed acknowledgement that it stored a chunk under
// an order. Anyone can verify it from the node's peer ID alone.
type Receipt struct {
	Chunk     cid.Cid
	Size      int64
	Node      peer.ID   // the signer
	StoredAt  time.Time // millisecond precision
	OrderHash [32]byte  // Order.Hash of the order the node holds
	// Signature is Node's Ed25519 signature over receiptDomain followed
	// by the canonical encoding without this field.
	Signature []byte
}

// Receipt field numbers.
const (
	receiptChunk     = 1
	receiptSize      = 2
	receiptNode      = 3
	receiptStoredAt  = 4
	receiptOrderHash = 5
	receiptSignature = 15
)

func (r *Receipt) appendUnsigned(b []byte) []byte {
	b = wire.AppendBytes(b, receiptChunk, cidBytes(r.Chunk))
	b = wire.AppendUint(b, receiptSize, uint64(max(r.Size, 0)))
	b = wire.AppendBytes(b, receiptNode, []byte(r.Node))
	b = appendTime(b, receiptStoredAt, r.StoredAt)
	return wire.AppendBytes(b, receiptOrderHash, r.OrderHash[:])
}

func (r *Receipt) signedBytes() []byte { return r.appendUnsigned([]byte(receiptDomain)) }

// Marshal returns the canonical encoding of r, signature included.
func (r *Receipt) Marshal() []byte {
	b := r.appendUnsigned(make([]byte, 0, 192))
	return wire.AppendBytes(b, receiptSignature, r.Signature)
}

// UnmarshalReceipt decodes a receipt; VerifyReceipt checks it.
func UnmarshalReceipt(b []byte) (Receipt, error) {
	var r Receipt
	err := receiptSchema.Decode(b, func(f *wire.Field, v wire.Value) (err error) {
		switch f.Num {
		case receiptChunk:
			r.Chunk, err = decodeCID(v)
		case receiptSize:
			r.Size = v.Int()
		case receiptNode:
			r.Node, err = decodePeer(v)
		case receiptStoredAt:
			r.StoredAt = decodeTime(v)
		case receiptOrderHash:
			copy(r.OrderHash[:], v.Bytes()) // the schema makes it 32 bytes
		case receiptSignature:
			r.Signature = decodeBytes(v)
		}
		return err
	})
	if err != nil {
		return Receipt{}, malformed("receipt", err)
	}
	return r, nil
}

// SignReceipt sets r.Node to k's peer ID, truncates StoredAt to the signed
// precision and signs r.
func SignReceipt(k identity.Key, r *Receipt) error {
	r.Node = k.PeerID()
	r.StoredAt = r.StoredAt.Truncate(time.Millisecond).UTC()
	sig, err := k.Sign(r.signedBytes())
	if err != nil {
		return fmt.Errorf("sign receipt: %w", err)
	}
	r.Signature = sig
	return nil
}

// VerifyReceipt checks that r is complete and signed by r.Node. The error
// wraps ErrBadReceipt.
func VerifyReceipt(r *Receipt) error {
	switch {
	case !r.Chunk.Defined():
		return fmt.Errorf("%w: no chunk", ErrBadReceipt)
	case r.Node == "":
		return fmt.Errorf("%w: no node", ErrBadReceipt)
	case len(r.Signature) == 0:
		return fmt.Errorf("%w: unsigned", ErrBadReceipt)
	}
	if err := verifySig(r.Node, r.signedBytes(), r.Signature); err != nil {
		return fmt.Errorf("%w: %v", ErrBadReceipt, err)
	}
	return nil
}
