package chunk

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

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
	b = appendBytes(b, receiptChunk, cidBytes(r.Chunk))
	b = appendVarint(b, receiptSize, uint64(max(r.Size, 0)))
	b = appendBytes(b, receiptNode, []byte(r.Node))
	b = appendTime(b, receiptStoredAt, r.StoredAt)
	return appendBytes(b, receiptOrderHash, r.OrderHash[:])
}

func (r *Receipt) signedBytes() []byte { return r.appendUnsigned([]byte(receiptDomain)) }

// Marshal returns the canonical encoding of r, signature included.
func (r *Receipt) Marshal() []byte {
	b := r.appendUnsigned(make([]byte, 0, 192))
	return appendBytes(b, receiptSignature, r.Signature)
}

// UnmarshalReceipt decodes a receipt; VerifyReceipt checks it.
func UnmarshalReceipt(b []byte) (Receipt, error) {
	var r Receipt
	err := eachField(b, func(f field) (err error) {
		switch f.num {
		case receiptChunk:
			r.Chunk, err = f.cid()
		case receiptSize:
			r.Size, err = f.int64()
		case receiptNode:
			r.Node, err = f.peer()
		case receiptStoredAt:
			r.StoredAt, err = f.time()
		case receiptOrderHash:
			var h []byte
			if h, err = f.bytes(len(r.OrderHash)); err == nil && len(h) != len(r.OrderHash) {
				err = fmt.Errorf("%w: order hash is %d bytes", ErrBadMessage, len(h))
			}
			copy(r.OrderHash[:], h)
		case receiptSignature:
			r.Signature, err = f.bytes(maxSignature)
		}
		return err
	})
	if err != nil {
		return Receipt{}, fmt.Errorf("decode receipt: %w", err)
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
