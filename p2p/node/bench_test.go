package node_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// BenchmarkBringUp reports how long a network takes from nothing to every
// routing table full (testnet.Ready).
func BenchmarkBringUp(b *testing.B) {
	for _, n := range []int{10, 30} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			for range b.N {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				start := time.Now()
				net, err := testnet.Start(ctx, testnet.Options{Dir: b.TempDir(), Nodes: n})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/ready")
				net.Close()
				cancel()
			}
		})
	}
}

// BenchmarkLookup30 reports median FindPeer and GetClosestPeers latency on
// a 30-node network, each lookup from a different node.
func BenchmarkLookup30(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	net, err := testnet.Start(ctx, testnet.Options{Dir: b.TempDir(), Nodes: 30})
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	nodes := net.Nodes()
	b.Run("FindPeer", func(b *testing.B) {
		var lat []time.Duration
		for i := range b.N {
			from, to := nodes[i%len(nodes)], nodes[(i*7+3)%len(nodes)]
			start := time.Now()
			if _, err := from.Node().DHT().FindPeer(ctx, to.ID); err != nil && from != to {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		b.ReportMetric(median(lat), "µs/median")
	})
	b.Run("GetClosestPeers", func(b *testing.B) {
		var lat []time.Duration
		for i := range b.N {
			start := time.Now()
			if _, err := nodes[i%len(nodes)].Node().DHT().GetClosestPeers(ctx, fmt.Sprintf("key-%d", i)); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		b.ReportMetric(median(lat), "µs/median")
	})
}

func median(d []time.Duration) float64 {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[len(d)/2].Microseconds())
}
