package metrics

import (
	"sync"
	"sync/atomic"
	"time"

	lpmetrics "github.com/libp2p/go-libp2p/core/metrics"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/prometheus/client_golang/prometheus"
)

// Bandwidth counts the bytes a libp2p host's streams carry, in total and
// by protocol: a libp2p metrics.Reporter (libp2p.BandwidthReporter) that
// is also a Prometheus collector. It keeps totals only: libp2p's own
// BandwidthCounter keeps a rate meter for every peer as well, a map that
// grows with the network and must be trimmed. Rates are what a reader
// derives from two totals (Prometheus' rate(), the dashboard's history).
type Bandwidth struct {
	in, out atomic.Int64
	byProto sync.Map // protocol.ID → *protoCount
}

type protoCount struct{ in, out atomic.Int64 }

var _ lpmetrics.Reporter = (*Bandwidth)(nil)

func newBandwidth() *Bandwidth { return &Bandwidth{} }

func (b *Bandwidth) proto(p protocol.ID) *protoCount {
	if c, ok := b.byProto.Load(p); ok {
		return c.(*protoCount)
	}
	c, _ := b.byProto.LoadOrStore(p, &protoCount{})
	return c.(*protoCount)
}

// Totals returns the bytes received and sent so far.
func (b *Bandwidth) Totals() (in, out int64) {
	if b == nil {
		return 0, 0
	}
	return b.in.Load(), b.out.Load()
}

// LogSentMessage counts bytes sent on a stream (the swarm also calls the
// Stream variant for the same bytes, which counts them).
func (b *Bandwidth) LogSentMessage(int64) {}

// LogRecvMessage: see LogSentMessage.
func (b *Bandwidth) LogRecvMessage(int64) {}

// LogSentMessageStream counts n bytes sent on a stream of protocol p.
func (b *Bandwidth) LogSentMessageStream(n int64, p protocol.ID, _ peer.ID) {
	b.out.Add(n)
	b.proto(p).out.Add(n)
}

// LogRecvMessageStream counts n bytes received on a stream of protocol p.
func (b *Bandwidth) LogRecvMessageStream(n int64, p protocol.ID, _ peer.ID) {
	b.in.Add(n)
	b.proto(p).in.Add(n)
}

// GetBandwidthForPeer is not kept: zero.
func (b *Bandwidth) GetBandwidthForPeer(peer.ID) lpmetrics.Stats { return lpmetrics.Stats{} }

// GetBandwidthForProtocol returns p's totals.
func (b *Bandwidth) GetBandwidthForProtocol(p protocol.ID) lpmetrics.Stats {
	c := b.proto(p)
	return lpmetrics.Stats{TotalIn: c.in.Load(), TotalOut: c.out.Load()}
}

// GetBandwidthTotals returns the totals.
func (b *Bandwidth) GetBandwidthTotals() lpmetrics.Stats {
	in, out := b.Totals()
	return lpmetrics.Stats{TotalIn: in, TotalOut: out}
}

// GetBandwidthByPeer is not kept: empty.
func (b *Bandwidth) GetBandwidthByPeer() map[peer.ID]lpmetrics.Stats { return nil }

// GetBandwidthByProtocol returns every protocol's totals.
func (b *Bandwidth) GetBandwidthByProtocol() map[protocol.ID]lpmetrics.Stats {
	out := map[protocol.ID]lpmetrics.Stats{}
	b.byProto.Range(func(k, v any) bool {
		c := v.(*protoCount)
		out[k.(protocol.ID)] = lpmetrics.Stats{TotalIn: c.in.Load(), TotalOut: c.out.Load()}
		return true
	})
	return out
}

// Reset is refused: counters only go up.
func (b *Bandwidth) Reset() {}

// TrimIdle has nothing to trim.
func (b *Bandwidth) TrimIdle(time.Time) {}

var (
	recvDesc = prometheus.NewDesc(Namespace+"_network_received_bytes_total",
		"Bytes received on libp2p streams, by protocol (\"\" before a protocol is agreed).", []string{"protocol"}, nil)
	sentDesc = prometheus.NewDesc(Namespace+"_network_sent_bytes_total",
		"Bytes sent on libp2p streams, by protocol (\"\" before a protocol is agreed).", []string{"protocol"}, nil)
)

// Describe implements prometheus.Collector.
func (b *Bandwidth) Describe(ch chan<- *prometheus.Desc) { ch <- recvDesc; ch <- sentDesc }

// Collect implements prometheus.Collector.
func (b *Bandwidth) Collect(ch chan<- prometheus.Metric) {
	for p, st := range b.GetBandwidthByProtocol() {
		ch <- prometheus.MustNewConstMetric(recvDesc, prometheus.CounterValue, float64(st.TotalIn), string(p))
		ch <- prometheus.MustNewConstMetric(sentDesc, prometheus.CounterValue, float64(st.TotalOut), string(p))
	}
}
