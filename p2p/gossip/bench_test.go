package gossip_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/gossip"
)

// BenchmarkGossipBytes measures what gossip costs a node: N members (the
// coordinator and N-1 storage nodes, every pair connected) each publish
// one proof-sized message per epoch; an epoch ends when every member has
// every message. It reports protobuf bytes sent per node per epoch (mean
// and the busiest node), received, the payload share, and how many copies
// of a message that is (sent bytes / message size). One b.N is one epoch.
// "burst" publishes all N at once; "spread" one after another, each
// delivered everywhere before the next, as proofs spread over an hour's
// epoch would be.
//
//	go test -run '^$' -bench GossipBytes -benchtime 10x ./p2p/gossip/
func BenchmarkGossipBytes(b *testing.B) {
	for _, n := range []int{30} {
		for _, spread := range []bool{false, true} {
			name := fmt.Sprintf("nodes=%d/size=40KiB/burst", n)
			if spread {
				name = fmt.Sprintf("nodes=%d/size=40KiB/spread", n)
			}
			b.Run(name, func(b *testing.B) { benchGossip(b, n, 40<<10, spread) })
		}
	}
}

func benchGossip(b *testing.B, n, size int, spread bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// Not nettest.New: thirty nodes on a busy machine may need more than
	// its 30 s to fill their routing tables.
	net, err := testnet.Start(ctx, testnet.Options{Dir: b.TempDir(), Nodes: n - 1, Epoch: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(net.Close)
	peers := net.Running()
	for i, a := range peers {
		for _, c := range peers[i+1:] {
			if err := a.Node().Host().Connect(ctx, c.Node().AddrInfo()); err != nil {
				b.Fatal(err)
			}
		}
	}
	var epoch atomic.Uint64
	epoch.Store(1)
	topics := make([]*gossip.Topic, n)
	counts := make([]atomic.Int64, n)
	accept := func(context.Context, peer.ID, uint64, []byte) gossip.Verdict { return gossip.Accept }
	for i, p := range peers {
		t, err := gossip.Join(p.Node().Gossip())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { t.Close() })
		t.RegisterValidator(gossip.KindProof, accept)
		t.SetEpoch(1)
		sub, err := t.Subscribe(gossip.KindProof)
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			for {
				m, err := sub.Next(ctx)
				if err != nil {
					return
				}
				if m.Epoch == epoch.Load() {
					counts[i].Add(1)
				}
			}
		}()
		topics[i] = t
	}
	waitFor(b, func() error {
		for _, p := range peers {
			if got := len(p.Node().Gossip().Mesh()); got < 5 {
				return fmt.Errorf("peer %d has %d mesh peers", p.Index, got)
			}
		}
		return nil
	})
	round := func(e uint64) {
		epoch.Store(e)
		for i := range topics {
			counts[i].Store(0)
			topics[i].SetEpoch(e)
		}
		delivered := func(want int64) func() error {
			return func() error {
				for i := range counts {
					if got := counts[i].Load(); got < want {
						return fmt.Errorf("member %d has %d of %d proofs of epoch %d", i, got, want, e)
					}
				}
				return nil
			}
		}
		for i, t := range topics {
			payload := make([]byte, size)
			copy(payload, fmt.Sprintf("proof of node %d for epoch %d", i, e))
			if spread {
				if err := t.Publish(ctx, gossip.KindProof, e, payload); err != nil {
					b.Fatal(err)
				}
				waitFor(b, delivered(int64(i+1)))
				continue
			}
			go func() {
				if err := t.Publish(ctx, gossip.KindProof, e, payload); err != nil {
					b.Error(err)
				}
			}()
		}
		waitFor(b, delivered(int64(n)))
	}
	round(2) // warm-up: fanout and meshes settle
	before := traffic(peers)
	b.ResetTimer()
	for r := range b.N {
		round(uint64(3 + r))
	}
	b.StopTimer()
	after := traffic(peers)
	var sent, recv, data []float64
	for i := range after {
		sent = append(sent, float64(after[i].SentBytes-before[i].SentBytes)/float64(b.N))
		recv = append(recv, float64(after[i].RecvBytes-before[i].RecvBytes)/float64(b.N))
		data = append(data, float64(after[i].SentDataBytes-before[i].SentDataBytes)/float64(b.N))
	}
	b.ReportMetric(mean(sent), "sent-B/node/epoch")
	b.ReportMetric(slices.Max(sent), "max-sent-B/node/epoch")
	b.ReportMetric(mean(recv), "recv-B/node/epoch")
	b.ReportMetric(mean(data), "data-B/node/epoch")
	b.ReportMetric(mean(sent)/float64(size), "copies/node/epoch")
	var mesh []float64
	for _, p := range peers {
		mesh = append(mesh, float64(len(p.Node().Gossip().Mesh())))
	}
	b.ReportMetric(mean(mesh), "mesh-peers")
}

func traffic(peers []*testnet.Peer) []gossip.Traffic {
	out := make([]gossip.Traffic, len(peers))
	for i, p := range peers {
		out[i] = p.Node().Gossip().Traffic()
	}
	return out
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
