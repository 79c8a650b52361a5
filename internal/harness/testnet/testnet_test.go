package testnet_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// The coordinator is the real role, with its CA on disk in its directory,
// and comes back from it after a restart.
func TestCoordinatorIsTheRole(t *testing.T) {
	net := nettest.NewWith(t, testclient.WithCoordinator(testnet.Options{Nodes: 2}, nil))
	c0 := net.Coordinator()
	if _, ok := c0.Role().(*coordinator.Coordinator); !ok {
		t.Fatalf("peer 0 runs a %T", c0.Role())
	}
	onDisk, err := coordinator.LoadCA(c0.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(onDisk.Certificate().Raw, net.CA.Certificate().Raw) {
		t.Fatal("the network's CA is not the one in the coordinator's directory")
	}
	saved, err := profile.Load(filepath.Join(net.Dir(), testnet.ProfileFile))
	if err != nil {
		t.Fatal(err)
	}
	if saved.CoordinatorID() != c0.ID || len(saved.Bootstrap) != 1 {
		t.Fatalf("saved profile names coordinator %s, bootstrap %v", saved.Coordinator, saved.Bootstrap)
	}

	id := c0.ID
	if err := c0.Restart(); err != nil {
		t.Fatal(err)
	}
	if c0.ID != id {
		t.Fatalf("coordinator restarted as %s, want %s", c0.ID, id)
	}
	if _, err := net.AddNode(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = testnet.WaitFor(ctx, func() error {
		if n := c0.Node().DHT().RoutingTable().Size(); n < 3 {
			return fmt.Errorf("the restarted coordinator routes to %d nodes, want 3", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
