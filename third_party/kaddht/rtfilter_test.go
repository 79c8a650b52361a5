package dht

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/wait"
)

// ScatterBytes' own test of the change recorded in FORK.md: a peer that
// answers a query reaches the routing table through validPeerFound, and
// the routing-table filter must be asked on that path too.
func TestValidPeerFoundAsksRoutingTableFilter(t *testing.T) {
	rejected, admitted := randomPeer(t), randomPeer(t)
	h, err := libp2p.New(libp2p.NoListenAddrs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	d, err := New(h, Mode(ModeServer), RoutingTableFilter(func(_ any, p peer.ID) bool {
		return p != rejected
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })

	// Record adds rather than look at the table: the refresh manager may
	// evict these address-less peers again at any moment. Nothing adds to
	// the table before the sends below, which order this write before
	// rtPeerLoop reads the callback.
	var (
		mu    sync.Mutex
		added = map[peer.ID]bool{}
	)
	prev := d.routingTable.PeerAdded
	d.routingTable.PeerAdded = func(p peer.ID) {
		prev(p)
		mu.Lock()
		added[p] = true
		mu.Unlock()
	}

	// rtPeerLoop takes peers one at a time from an unbuffered channel, so
	// once admitted is added, rejected has been handled before it.
	d.validPeerFound(rejected)
	d.validPeerFound(admitted)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = wait.For(ctx, func() error {
		mu.Lock()
		defer mu.Unlock()
		if !added[admitted] {
			return fmt.Errorf("admitted peer %s not added to the routing table", admitted)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if added[rejected] {
		t.Fatalf("peer %s rejected by the routing-table filter was added through validPeerFound", rejected)
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
