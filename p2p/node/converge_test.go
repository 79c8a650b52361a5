package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

func TestTenNodesConverge(t *testing.T) {
	start := time.Now()
	net := nettest.New(t, 10)
	t.Logf("10 nodes ready in %v", time.Since(start))
	peers := net.Peers()
	for _, p := range peers {
		rt := p.Node().DHT().RoutingTable()
		if rt.Size() < 9 {
			t.Fatalf("node %d routing table holds %d peers, want >= 9", p.Index, rt.Size())
		}
		for _, id := range rt.ListPeers() {
			if _, ok := p.Node().Gate().Verified(id); !ok {
				t.Errorf("node %d routing table holds unverified %s", p.Index, id)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i, p := range peers {
		target := peers[(i+5)%len(peers)]
		ai, err := p.Node().DHT().FindPeer(ctx, target.ID)
		if err != nil || ai.ID != target.ID || len(ai.Addrs) == 0 {
			t.Fatalf("node %d FindPeer(%d) = %v, %v", i, target.Index, ai, err)
		}
		closest, err := p.Node().DHT().GetClosestPeers(ctx, "stripe-key")
		if err != nil || len(closest) < 9 {
			t.Fatalf("node %d GetClosestPeers = %d peers, %v", i, len(closest), err)
		}
	}
}

func TestOpenNetworkConverges(t *testing.T) {
	net := nettest.NewWith(t, testnet.Options{Nodes: 4, Open: true})
	if net.Profile.CA != "" || !net.Profile.Open {
		t.Fatalf("profile is not open: %+v", net.Profile)
	}
	for _, p := range net.Peers() {
		if got := p.Node().DHT().RoutingTable().Size(); got < 4 {
			t.Fatalf("node %d routes to %d peers on an open network, want 4", p.Index, got)
		}
		for _, id := range p.Node().DHT().RoutingTable().ListPeers() {
			if _, ok := p.Node().Gate().Verified(id); !ok {
				t.Fatalf("node %d routes to unverified %s", p.Index, id)
			}
		}
	}
}
