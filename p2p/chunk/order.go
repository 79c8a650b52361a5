package chunk

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/store"
)

// orderDomain prefixes the bytes an order signature covers, so no other
// signed ScatterBytes message can pass for an order.
const orderDomain = "scatterbytes order v1\x00"

// MaxShards bounds K+M (Reed-Solomon over GF(2^8)).
const MaxShards = 256

// MaxStripe bounds the chunk IDs an order may list in Stripe, so that an
// order stays under MaxOrder (64 IDs of 36 bytes).
const MaxStripe = 64

// Order is a client's signed request that a node keep one chunk until
// Expiry. The node stores the encoded order as the chunk's metadata; it is
// what later proofs and payouts refer to (by Hash) and what authorises a
// DELETE (only Client may delete).
type Order struct {
	Chunk   cid.Cid   // the chunk ID
	Size    int64     // the chunk's size in bytes
	Expiry  time.Time // keep until; millisecond precision
	K, M    int       // the stripe's data and parity shard counts
	Client  peer.ID   // the signer; an Ed25519 peer ID embeds its key
	Created time.Time // when signed; millisecond precision
	Nonce   uint64    // random, so two orders for one chunk differ
	// Stripe, when set, lists the IDs of every shard of Chunk's stripe, in
	// stripe order (K data shards, then M parity), Chunk among them. It
	// makes the order a record of the stripe that needs no file key, and
	// it authorises any member to place any shard of the stripe under
	// this order (Covers): that is how a stripe is repaired without its
	// owner. An order without it covers Chunk alone.
	Stripe []cid.Cid
	// Signature is Client's Ed25519 signature over orderDomain followed by
	// the order's canonical encoding without this field.
	Signature []byte
}

// Order field numbers.
const (
	orderChunk     = 1
	orderSize      = 2
	orderExpiry    = 3
	orderK         = 4
	orderM         = 5
	orderClient    = 6
	orderCreated   = 7
	orderNonce     = 8
	orderStripe    = 9
	orderSignature = 15
)

func (o *Order) appendUnsigned(b []byte) []byte {
	b = wire.AppendBytes(b, orderChunk, cidBytes(o.Chunk))
	b = wire.AppendUint(b, orderSize, uint64(max(o.Size, 0)))
	b = appendTime(b, orderExpiry, o.Expiry)
	b = wire.AppendUint(b, orderK, uint64(max(o.K, 0)))
	b = wire.AppendUint(b, orderM, uint64(max(o.M, 0)))
	b = wire.AppendBytes(b, orderClient, []byte(o.Client))
	b = appendTime(b, orderCreated, o.Created)
	b = wire.AppendUint(b, orderNonce, o.Nonce)
	for _, id := range o.Stripe { // absent when unset: older orders keep their bytes
		b = wire.AppendBytes(b, orderStripe, cidBytes(id))
	}
	return b
}

// signedBytes is what the signature covers.
func (o *Order) signedBytes() []byte {
	return o.appendUnsigned([]byte(orderDomain))
}

// Marshal returns the canonical encoding of o, signature included.
func (o *Order) Marshal() []byte {
	b := o.appendUnsigned(make([]byte, 0, 160))
	return wire.AppendBytes(b, orderSignature, o.Signature)
}

// Hash identifies the order: SHA-256 of the bytes its signature covers.
// Receipts, proofs and payouts name orders by it.
func (o *Order) Hash() [32]byte { return sha256.Sum256(o.signedBytes()) }

// UnmarshalOrder decodes an order. It checks the encoding only; use
// VerifyOrder to check the order itself.
func UnmarshalOrder(b []byte) (Order, error) {
	var o Order
	err := orderSchema.Decode(b, func(f *wire.Field, v wire.Value) (err error) {
		switch f.Num {
		case orderChunk:
			o.Chunk, err = decodeCID(v)
		case orderSize:
			o.Size = v.Int()
		case orderExpiry:
			o.Expiry = decodeTime(v)
		case orderK:
			o.K = int(v.Uint())
		case orderM:
			o.M = int(v.Uint())
		case orderClient:
			o.Client, err = decodePeer(v)
		case orderCreated:
			o.Created = decodeTime(v)
		case orderNonce:
			o.Nonce = v.Uint()
		case orderStripe:
			var id cid.Cid
			id, err = decodeCID(v)
			o.Stripe = append(o.Stripe, id)
		case orderSignature:
			o.Signature = decodeBytes(v)
		}
		return err
	})
	if err != nil {
		return Order{}, malformed("order", err)
	}
	return o, nil
}

// SignOrder fills in what the signer owns and signs o with k: Client
// (must be empty or k's peer ID), Created (now, if zero) and Nonce
// (random, if zero). Times are truncated to milliseconds, the precision
// that is signed, so o compares equal to its decoded encoding.
func SignOrder(k identity.Key, o *Order) error {
	switch {
	case k.IsZero():
		return fmt.Errorf("sign order: %w", identity.ErrNoKey)
	case o.Client == "":
		o.Client = k.PeerID()
	case o.Client != k.PeerID():
		return fmt.Errorf("sign order: %w: order names client %s, key is %s", ErrBadOrder, o.Client, k.PeerID())
	}
	if o.Created.IsZero() {
		o.Created = time.Now()
	}
	if o.Nonce == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails
		o.Nonce = binary.LittleEndian.Uint64(b[:])
	}
	o.Created = o.Created.Truncate(time.Millisecond).UTC()
	o.Expiry = o.Expiry.Truncate(time.Millisecond).UTC()
	if err := o.check(); err != nil {
		return fmt.Errorf("sign order: %w", err)
	}
	sig, err := k.Sign(o.signedBytes())
	if err != nil {
		return fmt.Errorf("sign order: %w", err)
	}
	o.Signature = sig
	return nil
}

// VerifyOrder checks that o is well formed and signed by o.Client. It does
// not judge expiry or whether a node can honour it: that is the node's
// business at PUT time. The error wraps ErrBadOrder.
func VerifyOrder(o *Order) error {
	if err := o.check(); err != nil {
		return err
	}
	if len(o.Signature) == 0 {
		return fmt.Errorf("%w: unsigned", ErrBadOrder)
	}
	if err := verifySig(o.Client, o.signedBytes(), o.Signature); err != nil {
		return fmt.Errorf("%w: %v", ErrBadOrder, err)
	}
	return nil
}

// check validates the fields of o, not its signature.
func (o *Order) check() error {
	if err := store.CheckID(o.Chunk); err != nil {
		return fmt.Errorf("%w: %v", ErrBadOrder, err)
	}
	switch {
	case o.Size < 0:
		return fmt.Errorf("%w: negative size", ErrBadOrder)
	case o.K < 1 || o.M < 0 || o.K+o.M > MaxShards:
		return fmt.Errorf("%w: redundancy %d+%d", ErrBadOrder, o.K, o.M)
	case o.Expiry.IsZero():
		return fmt.Errorf("%w: no expiry", ErrBadOrder)
	case o.Client == "":
		return fmt.Errorf("%w: no client", ErrBadOrder)
	}
	return o.checkStripe()
}

// checkStripe validates Stripe: absent, or K+M distinct valid IDs (at most
// MaxStripe) among which Chunk.
func (o *Order) checkStripe() error {
	if len(o.Stripe) == 0 {
		return nil
	}
	if len(o.Stripe) != o.K+o.M || len(o.Stripe) > MaxStripe {
		return fmt.Errorf("%w: a stripe of %d shards for redundancy %d+%d (at most %d)", ErrBadOrder, len(o.Stripe), o.K, o.M, MaxStripe)
	}
	seen := make(map[string]bool, len(o.Stripe))
	for _, id := range o.Stripe {
		if err := store.CheckID(id); err != nil {
			return fmt.Errorf("%w: stripe: %v", ErrBadOrder, err)
		}
		if seen[id.KeyString()] {
			return fmt.Errorf("%w: stripe names %s twice", ErrBadOrder, id)
		}
		seen[id.KeyString()] = true
	}
	if !seen[o.Chunk.KeyString()] {
		return fmt.Errorf("%w: stripe does not name the order's chunk %s", ErrBadOrder, o.Chunk)
	}
	return nil
}

// Covers reports whether o authorises keeping chunk id: its own chunk, or
// any shard its Stripe lists.
func (o *Order) Covers(id cid.Cid) bool { return o.Shard(id) >= 0 }

// Shard is id's index in o's stripe (0 for Chunk when Stripe is unset),
// or -1 when o does not cover id.
func (o *Order) Shard(id cid.Cid) int {
	if len(o.Stripe) == 0 {
		if o.Chunk.Equals(id) {
			return 0
		}
		return -1
	}
	for i, s := range o.Stripe {
		if s.Equals(id) {
			return i
		}
	}
	return -1
}

// verifySig checks sig over msg against the public key embedded in id.
func verifySig(id peer.ID, msg, sig []byte) error {
	pub, err := id.ExtractPublicKey()
	if err != nil {
		return fmt.Errorf("no public key in peer ID %s: %v", id, err)
	}
	ok, err := pub.Verify(msg, sig)
	if err != nil || !ok {
		return fmt.Errorf("signature of %s does not verify", id)
	}
	return nil
}
