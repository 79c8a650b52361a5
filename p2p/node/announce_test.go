package node_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	ma "github.com/multiformats/go-multiaddr"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// A node with announce addresses tells its peers those and nothing else.
func TestAnnounceReplacesAdvertisedAddresses(t *testing.T) {
	const announced = "/ip4/10.11.12.13/tcp/4999"
	net := nettest.NewWith(t, testnet.Options{Nodes: 2, Configure: func(i int, c *node.Config) {
		if i == 2 {
			c.Announce = []string{announced}
		}
	}})
	n := net.Peer(2).Node()
	if got := n.AddrInfo().Addrs; len(got) != 1 || got[0].String() != announced {
		t.Fatalf("node advertises %v, want only %s", got, announced)
	}
	// The coordinator heard it through identify (the node dialled it).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ps := net.Peer(0).Node().Host().Peerstore()
	err := wait.For(ctx, func() error {
		if !slices.ContainsFunc(ps.Addrs(n.ID()), func(a ma.Multiaddr) bool { return a.String() == announced }) {
			return fmt.Errorf("coordinator holds %v for the node", ps.Addrs(n.ID()))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
