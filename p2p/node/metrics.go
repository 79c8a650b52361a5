package node

import (
	"sync/atomic"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/scatterbytes/scatterbytes/p2p/metrics"
)

// registerMetrics adds the node's gauges to Config.Metrics, read at each
// scrape. A node restarted in-process with the same Set registers them
// once; they read the newest node through the Set's slot.
func (n *Node) registerMetrics() {
	set := n.cfg.Metrics
	if set == nil {
		return
	}
	slot := set.Slot("node")
	slot.Store(n)
	cur := func() *Node { return slot.Load().(*Node) }
	set.RegisterOnce("node", func() []prometheus.Collector {
		return []prometheus.Collector{
			metrics.ResourceManager(rmOf{slot}),
			metrics.Gauge("peers_connected", "Peers with an open connection.", func() float64 {
				return float64(len(cur().raw.Network().Peers()))
			}),
			metrics.Gauge("routing_table_peers", "Peers in the DHT routing table.", func() float64 {
				return float64(cur().dht.RoutingTable().Size())
			}),
			metrics.Gauge("verified_members", "Peers whose membership certificate the gate holds verified.", func() float64 {
				return float64(len(cur().gate.Members()))
			}),
		}
	})
}

// rmOf reads the resource manager of the node in a slot.
type rmOf struct{ slot *atomic.Value }

func (r rmOf) rm() network.ResourceManager {
	return r.slot.Load().(*Node).raw.Network().ResourceManager()
}

func (r rmOf) ViewSystem(f func(network.ResourceScope) error) error { return r.rm().ViewSystem(f) }
func (r rmOf) ViewTransient(f func(network.ResourceScope) error) error {
	return r.rm().ViewTransient(f)
}
