package node_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/store"
)

// TestProviderRecordsOnDisk: a DHT server keeps the provider records it
// is given in DIR/providers, not in memory, so they are there after a
// restart.
func TestProviderRecordsOnDisk(t *testing.T) {
	net := nettest.New(t, 3)
	p := net.Peer(2)
	id := store.Sum([]byte("provided"))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := net.Peer(1).Node().DHT().Provide(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	// ADD_PROVIDER is a message without an answer: wait until p has it.
	err := wait.For(ctx, func() error {
		provs, err := p.Node().DHT().ProviderStore().GetProviders(ctx, id.Hash())
		if err == nil && len(provs) == 0 {
			err = fmt.Errorf("node 2 has no provider record yet")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, node.ProvidersDir)); err != nil {
		t.Fatalf("no provider store in the node's directory: %v", err)
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	provs, err := p.Node().DHT().ProviderStore().GetProviders(ctx, id.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if len(provs) != 1 || provs[0].ID != net.Peer(1).ID {
		t.Fatalf("after a restart the node knows providers %v, want %s", provs, net.Peer(1).ID)
	}
}
