package client_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

// bare marks a node in capacities that runs no storage service at all.
const bare = -1

// networkWith starts n storage nodes; node i (1..n) gets capacities[i]
// bytes of disk store when listed (bare: no store, no chunk protocol),
// the harness's default otherwise.
func networkWith(t *testing.T, n int, capacities map[int]int64) *testnet.Network {
	t.Helper()
	o := testclient.WithStorage(testnet.Options{Nodes: n})
	o.Storage = func(ctx context.Context, cfg node.Config, capacity int64) (testnet.Role, error) {
		var i int
		fmt.Sscanf(filepath.Base(cfg.Dir), "node%d", &i)
		switch c, ok := capacities[i]; {
		case c == bare:
			n, err := node.New(ctx, cfg)
			if err != nil {
				return nil, err
			}
			return testnet.Bare(n), nil
		case ok:
			capacity = c
		}
		return storage.New(ctx, cfg, storage.Config{Capacity: capacity, Logger: cfg.Logger})
	}
	return nettest.NewWith(t, o)
}

// counts is what node p was asked over the chunk protocol.
func counts(p *testnet.Peer) chunk.Counts {
	return p.Role().(*storage.Node).Storage().ChunkService().Counts()
}

func usage(t *testing.T, p *testnet.Peer) store.Usage {
	t.Helper()
	u, err := p.Role().(*storage.Node).Storage().Store().Usage(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// storedChunks is how many chunks the storage nodes of net hold together.
func storedChunks(t *testing.T, net *testnet.Network) (n int64) {
	t.Helper()
	for _, p := range net.Nodes() {
		n += usage(t, p).Chunks
	}
	return n
}

// routesToAll waits until c's routing table holds every peer of net, so
// that every node is a candidate.
func routesToAll(t *testing.T, c *client.Client, net *testnet.Network) {
	t.Helper()
	err := wait.For(ctxT(t), func() error {
		if got, want := c.Node().DHT().RoutingTable().Size(), len(net.Peers()); got < want {
			return fmt.Errorf("client routes to %d peers, want %d", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFullNodesGetNoPut(t *testing.T) {
	const (
		full  = 1         // nothing fits, not even a manifest chunk
		small = 2         // a manifest chunk fits, a shard does not
		shard = 128 << 10 // MaxShard below
		room  = shard * 3 / 4
	)
	// 256 bytes hold no chunk: a file header with its order is more.
	net := networkWith(t, 8, map[int]int64{full: 256, small: room})
	c := clienttest.New(t, net, func(cfg *client.Config) { cfg.MaxShard = shard })
	routesToAll(t, c, net)
	data := random(t, 2<<20) // several stripes of 4+2: every node would be picked
	ref := put(t, c, data, "4+2")

	f, err := c.Open(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := f.Manifest().Layout()
	if ss := l.ShardSize; ss <= room {
		t.Fatalf("shards of %d bytes fit the small node's %d: the test tests nothing", ss, room)
	}
	tight := map[peer.ID]*testnet.Peer{net.Peer(full).ID: net.Peer(full), net.Peer(small).ID: net.Peer(small)}
	for i, st := range holdersOf(t, c, ref) {
		for _, p := range st {
			// The last stripe's shards may be small enough for the small node.
			if tight[p] == net.Peer(full) || (tight[p] != nil && l.Stripe(i).ShardSize > room) {
				t.Fatalf("stripe %d has a %d-byte shard on node %d, which has no room for it",
					i, l.Stripe(i).ShardSize, tight[p].Index)
			}
		}
	}
	if n := counts(net.Peer(full)).Put; n != 0 {
		t.Fatalf("the full node got %d PUTs", n)
	}
	for _, p := range tight {
		n := counts(p)
		if stored := usage(t, p).Chunks; n.Put != stored {
			t.Fatalf("node %d got %d PUTs and stores %d chunks: it was sent chunks it had no room for", p.Index, n.Put, stored)
		}
		if n.Space == 0 {
			t.Fatalf("node %d was never asked for its space: it was no candidate and the test tests nothing", p.Index)
		}
	}
	got, err := get(t, c, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("download differs from the upload")
	}
}
