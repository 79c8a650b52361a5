package node

import (
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/record"
	"github.com/libp2p/go-libp2p/p2p/host/peerstore/pstoremem"
	ma "github.com/multiformats/go-multiaddr"
)

// deniedPeerstore is the host's peer store, refusing addresses of denied
// peers. Node.SetCRL clears the addresses a revoked peer had, but others
// keep arriving from peers that do not have the CRL yet: kad-dht stores the
// addresses of every closer peer a query answer names. Refusing them here
// keeps the store clean whatever adds them.
type deniedPeerstore struct {
	peerstore.Peerstore
	cab    peerstore.CertifiedAddrBook
	denied func(peer.ID) bool
}

var _ peerstore.CertifiedAddrBook = (*deniedPeerstore)(nil)

// newPeerstore returns an in-memory peer store that refuses addresses of
// the peers denied reports.
func newPeerstore(denied func(peer.ID) bool) (*deniedPeerstore, error) {
	ps, err := pstoremem.NewPeerstore()
	if err != nil {
		return nil, fmt.Errorf("peer store: %w", err)
	}
	// The host needs a certified address book (signed peer records).
	return &deniedPeerstore{Peerstore: ps, cab: ps, denied: denied}, nil
}

func (ps *deniedPeerstore) AddAddr(p peer.ID, a ma.Multiaddr, ttl time.Duration) {
	if !ps.denied(p) {
		ps.Peerstore.AddAddr(p, a, ttl)
	}
}

func (ps *deniedPeerstore) AddAddrs(p peer.ID, as []ma.Multiaddr, ttl time.Duration) {
	if !ps.denied(p) {
		ps.Peerstore.AddAddrs(p, as, ttl)
	}
}

func (ps *deniedPeerstore) SetAddr(p peer.ID, a ma.Multiaddr, ttl time.Duration) {
	if !ps.denied(p) {
		ps.Peerstore.SetAddr(p, a, ttl)
	}
}

func (ps *deniedPeerstore) SetAddrs(p peer.ID, as []ma.Multiaddr, ttl time.Duration) {
	if !ps.denied(p) {
		ps.Peerstore.SetAddrs(p, as, ttl)
	}
}

// ConsumePeerRecord stores a signed peer record's addresses unless the
// peer it names is denied.
func (ps *deniedPeerstore) ConsumePeerRecord(e *record.Envelope, ttl time.Duration) (bool, error) {
	rec, err := e.Record()
	if err != nil {
		return false, err
	}
	if pr, ok := rec.(*peer.PeerRecord); ok && ps.denied(pr.PeerID) {
		return false, nil
	}
	return ps.cab.ConsumePeerRecord(e, ttl)
}

func (ps *deniedPeerstore) GetPeerRecord(p peer.ID) *record.Envelope { return ps.cab.GetPeerRecord(p) }
