package gossip_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/gossip"
)

// BenchmarkGossipBytes measures what gossip costs a node: N members (the
// coordinator and N-1 storage nodes, every pair connected) each publish
// one proof-sized message per epoch; an epoch ends when every member has
// every message. It reports protobuf bytes sent per node per epoch (mean
// and the busiest node), received, and the payload share. One b.N is one
// epoch.
//
//	go test -run '^$' -bench GossipBytes -benchtime 10x ./p2p/gossip/
func BenchmarkGossipBytes(b *testing.B) {
	for _, n := range []int{30} {
		b.Run(fmt.Sprintf("nodes=%d/size=40KiB", n), func(b *testing.B) { benchGossip(b, n, 40<<10) })
	}
}

func benchGossip(b *testing.B, n, size int) {
	net := nettest.NewWith(b, testnet.Options{Nodes: n - 1, Epoch: time.Second})
	peers := net.Running()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
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
		for i, t := range topics {
			payload := make([]byte, size)
			copy(payload, fmt.Sprintf("proof of node %d for epoch %d", i, e))
			go func() {
				if err := t.Publish(ctx, gossip.KindProof, e, payload); err != nil {
					b.Error(err)
				}
			}()
		}
		waitFor(b, func() error {
			for i := range counts {
				if got := counts[i].Load(); got < int64(n) {
					return fmt.Errorf("member %d has %d of %d proofs of epoch %d", i, got, n, e)
				}
			}
			return nil
		})
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
