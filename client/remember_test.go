package client_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// TestRememberedPeers checks that a client's next run admits the peers of
// its last one (peers.json, with their certificates) before connecting to
// any: a node stopped since is admitted, fails its dial and does not stop
// a put and a get; a node revoked since (in the CRL the client holds) is
// not admitted.
func TestRememberedPeers(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	var cfg client.Config
	c1 := clienttest.New(t, net, func(c *client.Config) { cfg = *c })
	putGet(t, c1, random(t, 1<<10), "")
	// Every node is in the table, so in peers.json once c1 closes.
	err := wait.For(ctxT(t), func() error {
		if n := c1.Node().DHT().RoutingTable().Size(); n < 7 {
			return fmt.Errorf("client routes to %d of 7 peers", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(cfg.Dir, node.PeersFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("peers file: %v, %v; want mode 0600", st, err)
	}

	gone, revoked := net.Peer(1), net.Peer(2)
	if err := gone.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := net.Revoke(revoked); err != nil {
		t.Fatal(err)
	}
	crl, err := net.CA.CRL(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Where the client keeps the CRL it holds.
	if err := os.WriteFile(filepath.Join(cfg.Dir, node.CRLFile), crl, 0o644); err != nil {
		t.Fatal(err)
	}

	c2 := clienttest.New(t, net, func(c *client.Config) { *c = cfg })
	g := c2.Node().Gate()
	if _, ok := g.Verified(gone.ID); !ok {
		t.Error("the stopped node was not remembered")
	}
	if _, ok := g.Verified(revoked.ID); ok {
		t.Error("the revoked node was remembered")
	}
	if _, ok := g.Verified(net.Peer(3).ID); !ok {
		t.Error("a running node was not remembered")
	}
	for range 3 { // each put places on the nodes nearest a new CID
		putGet(t, c2, random(t, 1<<10), "")
	}
	if _, ok := g.Verified(revoked.ID); ok {
		t.Error("the revoked node was verified")
	}
}

// TestRememberedAddressesAllGone checks that a client whose remembered
// nodes all moved (restarted on new ports) finds them again through the
// bootstrap peer and its lookup.
func TestRememberedAddressesAllGone(t *testing.T) {
	net := clienttest.NewNetwork(t, 5)
	var cfg client.Config
	c1 := clienttest.New(t, net, func(c *client.Config) { cfg = *c })
	putGet(t, c1, random(t, 1<<10), "3+2")
	if err := c1.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if err := net.Peer(i).Restart(); err != nil {
			t.Fatal(err)
		}
	}
	// The bootstrap peer knows where they are now once they have
	// connected to it again (identify tells it their new addresses).
	coord := net.Peer(0).Node().Host().Network()
	err := wait.For(ctxT(t), func() error {
		for i := 1; i <= 5; i++ {
			if coord.Connectedness(net.Peer(i).ID) != network.Connected {
				return fmt.Errorf("node %d has not reconnected to the coordinator", i)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c2 := clienttest.New(t, net, func(c *client.Config) { *c = cfg })
	if _, ok := c2.Node().Gate().Verified(net.Peer(1).ID); !ok {
		t.Fatal("the nodes were not remembered: the test tests nothing")
	}
	putGet(t, c2, random(t, 1<<10), "3+2")
}
