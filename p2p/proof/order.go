package proof

import (
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
)

// checkOrder decodes a sample's order and checks that its client signed it
// for the committed leaf (its chunk, or a shard of its stripe: a repaired
// shard is kept under the order of the shard it was rebuilt from) and
// that it was in force at the beacon.
func checkOrder(s *Sample, b *Beacon) (chunk.Order, error) {
	o, err := chunk.UnmarshalOrder(s.Order)
	if err != nil {
		return o, fmt.Errorf("%w: %w", ErrBadOrder, err)
	}
	if err := chunk.VerifyOrder(&o); err != nil {
		return o, fmt.Errorf("%w: %w", ErrBadOrder, err)
	}
	switch {
	case !o.Covers(s.Chunk):
		return o, fmt.Errorf("%w: the order is for chunk %s and covers no %s", ErrBadOrder, o.Chunk, s.Chunk)
	case uint64(o.Size) != s.Size:
		return o, fmt.Errorf("%w: the order is for %d bytes, the leaf says %d", ErrBadOrder, o.Size, s.Size)
	case o.Hash() != s.OrderHash:
		return o, fmt.Errorf("%w: the order is not the committed one", ErrBadOrder)
	case !o.Expiry.After(b.Start):
		return o, fmt.Errorf("%w: at %s, before the beacon", ErrOrderExpired, o.Expiry.Format("2006-01-02T15:04:05.000Z07:00"))
	}
	return o, nil
}

// checkClient checks that the proof carries a certificate of the order's
// client from the network's CA, valid when the client signed the order.
// Client certificates are short-lived and orders long-lived, so the
// certificate is judged at the order's creation, not now (see doc.go).
func checkClient(o *chunk.Order, certs map[peer.ID][]byte, opts Options) error {
	der, ok := certs[o.Client]
	if !ok {
		return fmt.Errorf("%w: no certificate of %s in the proof", ErrClientCert, o.Client)
	}
	if _, _, err := opts.member(der, cert.RoleClient, o.Created); err != nil {
		return fmt.Errorf("%w: %w", ErrClientCert, err)
	}
	return nil
}
