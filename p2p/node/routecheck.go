package node

import (
	"context"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// sweepEvery is how often the whole routing table is checked against the
// gate, for verdicts that end without an event: a certificate expiring.
const sweepEvery = time.Minute

// addedPeers collects the peers the DHT adds to its routing table until
// checkRoutingTable looks at them. The routing table calls PeerAdded with
// its lock held, so the callback only records the peer and never blocks.
type addedPeers struct {
	mu      sync.Mutex
	pending map[peer.ID]struct{}
	kick    chan struct{} // capacity 1: "pending is not empty"
}

func newAddedPeers() *addedPeers {
	return &addedPeers{pending: map[peer.ID]struct{}{}, kick: make(chan struct{}, 1)}
}

func (a *addedPeers) add(p peer.ID) {
	a.mu.Lock()
	a.pending[p] = struct{}{}
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default: // a check is due already and will see p
	}
}

func (a *addedPeers) take() []peer.ID {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]peer.ID, 0, len(a.pending))
	for p := range a.pending {
		out = append(out, p)
	}
	clear(a.pending)
	return out
}

// watchRoutingTable makes every add to the routing table re-checked after
// it happened. The routing-table filter is asked before an add, and the
// peer may be revoked between its answer and the add; the eviction that
// follows a revocation may run in that window too and miss the peer. A
// check after the add closes it: the add is either seen by the eviction or
// followed by this check, which reads the revocation. kad-dht's own
// callback (connection-manager tags) is kept.
//
// Call it before Run: the gate settles no verdict before its Run, and the
// routing-table filter admits no peer without one, so until then nothing
// is added and no add can race with this write.
func (n *Node) watchRoutingTable() {
	rt := n.dht.RoutingTable()
	tag := rt.PeerAdded
	rt.PeerAdded = func(p peer.ID) {
		tag(p)
		n.added.add(p)
	}
}

// checkRoutingTable evicts from the routing table each added peer that is
// not verified by the time it looks, and sweeps the whole table every
// sweepEvery, until ctx is cancelled.
func (n *Node) checkRoutingTable(ctx context.Context) error {
	sweep := time.NewTicker(sweepEvery)
	defer sweep.Stop()
	for {
		var peers []peer.ID
		select {
		case <-ctx.Done():
			return nil
		case <-n.added.kick:
			peers = n.added.take()
		case <-sweep.C:
			peers = n.dht.RoutingTable().ListPeers()
		}
		for _, p := range peers {
			if _, ok := n.gate.Verified(p); !ok {
				n.log.Debug("routing table: evict unverified peer", "peer", p)
				n.evict(p)
			}
		}
	}
}
