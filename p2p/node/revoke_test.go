package node_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// The routing-table filter is asked before an add; a peer revoked between
// its answer and the add, after the eviction that follows the revocation
// has looked, would stay. Every add is therefore checked after it happened.
// These adds go straight to the table, the way kad-dht's rtPeerLoop does
// once the filter has passed. Node 1 does not re-bootstrap (MinPeers 1), so
// no refresh query to the unreachable peer evicts it by chance and the test
// sees only the check.
func TestRoutingTableEvictsPeersAddedUnverified(t *testing.T) {
	net := nettest.NewWith(t, testnet.Options{Nodes: 1, Configure: func(i int, c *node.Config) {
		if i == 1 {
			c.MinPeers = 1
		}
	}})
	n := net.Peer(1).Node()
	denied := randomPeer(t)
	n.Block(denied)
	for _, tc := range []struct {
		name string
		p    peer.ID
	}{
		{"never verified", randomPeer(t)},
		{"denied", denied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := n.DHT().RoutingTable()
			if _, err := rt.TryAddPeer(tc.p, true, false); err != nil {
				t.Fatal(err)
			}
			waitFor(t, func() error {
				if rt.Find(tc.p) != "" {
					return fmt.Errorf("unverified %s still in the routing table", tc.p)
				}
				return nil
			})
		})
	}
}

// Revocation leaves nothing of the peer behind on the nodes that install
// the CRL: no connection, no verdict, no routing-table entry, no address.
func TestRevokedPeerIsForgotten(t *testing.T) {
	net := nettest.New(t, 3)
	p := net.Peer(3)
	waitFor(t, func() error {
		for _, q := range net.Running() {
			if q != p && len(q.Node().Host().Peerstore().Addrs(p.ID)) == 0 {
				return fmt.Errorf("node %d has no address of node 3 yet", q.Index)
			}
		}
		return nil
	})
	if err := net.Revoke(p); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() error {
		for _, q := range net.Running() {
			if q == p {
				continue
			}
			n := q.Node()
			switch {
			case n.Host().Network().Connectedness(p.ID) == network.Connected:
				return fmt.Errorf("node %d still connected to the revoked peer", q.Index)
			case n.DHT().RoutingTable().Find(p.ID) != "":
				return fmt.Errorf("node %d still routes to the revoked peer", q.Index)
			case len(n.Host().Peerstore().Addrs(p.ID)) > 0:
				return fmt.Errorf("node %d still holds addresses of the revoked peer: %v", q.Index, n.Host().Peerstore().Addrs(p.ID))
			}
			if _, ok := n.Gate().Verified(p.ID); ok {
				return fmt.Errorf("node %d still verifies the revoked peer", q.Index)
			}
		}
		return nil
	})
}

func waitFor(t *testing.T, cond func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := testnet.WaitFor(ctx, cond); err != nil {
		t.Fatal(err)
	}
}

func randomPeer(t *testing.T) peer.ID {
	t.Helper()
	_, pub, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
