package coordinator_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// TestRevocationReachesRunningMembers: a peer revoked at the running
// coordinator is refused by every running member within their CRL
// refresh, with nothing handing them the CRL (the harness's Revoke does;
// this test does not use it): they fetch it, disconnect the peer, drop it
// from their routing tables, and keep the CRL for their next start.
func TestRevocationReachesRunningMembers(t *testing.T) {
	o := testclient.WithStorage(testnet.Options{Nodes: 4, Epoch: testEpoch})
	o.Configure = func(_ int, c *node.Config) { c.CRLRefresh = 200 * time.Millisecond }
	net := nettest.NewWith(t, o)
	victim := net.Peer(1)
	if err := coordOf(net).Enrollment().Revoke(victim.ID); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	err := wait.For(ctx, func() error {
		for _, q := range net.Running() {
			if q == victim {
				continue
			}
			n := q.Node()
			switch {
			case !n.CRL().RevokedPeer(victim.ID):
				return fmt.Errorf("peer %d holds no CRL revoking peer 1", q.Index)
			case n.Host().Network().Connectedness(victim.ID) == network.Connected:
				return fmt.Errorf("peer %d is still connected to peer 1", q.Index)
			case n.DHT().RoutingTable().Find(victim.ID) != "":
				return fmt.Errorf("peer %d still has peer 1 in its routing table", q.Index)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range net.Running()[2:] {
		if _, err := os.Stat(filepath.Join(q.Dir, node.CRLFile)); err != nil {
			t.Errorf("peer %d kept no CRL for its next start: %v", q.Index, err)
		}
	}
}
