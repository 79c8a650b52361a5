package shard_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// bare marks a node in capacities that runs no storage service at all.
const bare = -1

// networkWith starts n storage nodes; node i (1..n) gets capacities[i]
// bytes of disk store when listed (bare: no store, no chunk protocol),
// the harness's default otherwise.
func networkWith(t *testing.T, n int, capacities map[int]int64) *testnet.Network {
	t.Helper()
	return nettest.NewWith(t, testnet.Options{Nodes: n,
		Storage: func(ctx context.Context, cfg node.Config, capacity int64) (testnet.Role, error) {
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
		}})
}

// newNet starts a client-role node on net, with its own key and
// certificate, and returns a Net on it; both stop in t.Cleanup.
func newNet(t *testing.T, net *testnet.Network) (*shard.Net, *node.Node) {
	t.Helper()
	return newNetLogging(t, net, net.Logger())
}

// newNetLogging is newNet with the Net's logs going to log.
func newNetLogging(t *testing.T, net *testnet.Network, log *slog.Logger) (*shard.Net, *node.Node) {
	t.Helper()
	k, der, err := net.NewMember(cert.RoleClient)
	if err != nil {
		t.Fatal(err)
	}
	prof := *net.Profile
	cfg := node.DefaultConfig(t.TempDir(), &prof)
	cfg.Role, cfg.Listen = cert.RoleClient, nil
	cfg.Key, cfg.Cert = &k, der
	cfg.RetryMin = 100 * time.Millisecond
	cfg.Logger = net.Logger()
	ctx, cancel := context.WithCancel(context.Background())
	n, err := node.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	sn, err := shard.New(n, chunk.Client{Protocol: prof.Protocol("chunk", "1.0.0")}, k, shard.DefaultConfig(), log)
	if err != nil {
		t.Fatal(err)
	}
	return sn, n
}

// routesToAll waits until n's routing table holds every peer of net, so
// that every node is a candidate.
func routesToAll(t *testing.T, n *node.Node, net *testnet.Network) {
	t.Helper()
	err := wait.For(ctxT(t), func() error {
		if got, want := n.DHT().RoutingTable().Size(), len(net.Peers()); got < want {
			return fmt.Errorf("routing table holds %d peers, want %d", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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

func random(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// stripe returns n random shards of size bytes and their IDs.
func stripe(t *testing.T, n, size int) ([][]byte, []cid.Cid) {
	t.Helper()
	shards := make([][]byte, n)
	ids := make([]cid.Cid, n)
	for j := range shards {
		shards[j] = random(t, size)
		ids[j] = store.Sum(shards[j])
	}
	return shards, ids
}
