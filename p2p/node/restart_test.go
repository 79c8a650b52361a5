package node_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

func TestRestartKeepsIdentityAndRejoinsWithoutBootstrap(t *testing.T) {
	net := nettest.New(t, 5)
	p := net.Peer(3)
	id := p.ID
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := net.Peer(0).Stop(); err != nil { // the only bootstrap peer
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if p.ID != id {
		t.Fatalf("restarted with peer ID %s, want %s", p.ID, id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := testnet.WaitFor(ctx, func() error {
		rt := p.Node().DHT().RoutingTable()
		for _, q := range []int{1, 2, 4} {
			if rt.Find(net.Peer(q).ID) == "" {
				return fmt.Errorf("node %d not in the restarted node's routing table (%d peers)", q, rt.Size())
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPartitionAndHeal(t *testing.T) {
	net := nettest.New(t, 4)
	net.Partition(2)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cut := net.Peer(2)
	err := testnet.WaitFor(ctx, func() error {
		for _, q := range net.Running() {
			if q != cut && q.Node().DHT().RoutingTable().Find(cut.ID) != "" {
				return fmt.Errorf("node %d still routes to the partitioned node", q.Index)
			}
		}
		if n := cut.Node().DHT().RoutingTable().Size(); n != 0 {
			return fmt.Errorf("partitioned node still has %d peers", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	net.Heal(2)
	if err := net.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}
