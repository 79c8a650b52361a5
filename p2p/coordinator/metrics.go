package coordinator

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
	"github.com/scatterbytes/scatterbytes/p2p/metrics"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
)

// coordMetrics are the coordinator's own series, beside the node's (the
// Set in Config.Node.Metrics, made by New when nil).
type coordMetrics struct {
	proofs *prometheus.CounterVec // by result: verified, rejected
	audits *prometheus.CounterVec // by result: passed, failed
	missed prometheus.Counter
}

func newCoordMetrics(c *Coordinator, set *metrics.Set) *coordMetrics {
	m := &coordMetrics{
		proofs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace,
			Name: "coordinator_proofs_total", Help: "Proofs received on gossip, by verdict (verified, rejected)."}, []string{"result"}),
		audits: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace,
			Name: "coordinator_audits_total", Help: "Sampled chunks in verified proofs, by result (passed, failed)."}, []string{"result"}),
		missed: prometheus.NewCounter(prometheus.CounterOpts{Namespace: metrics.Namespace,
			Name: "coordinator_epochs_missed_total", Help: "Epochs closed without a proof from a node, summed over nodes."}),
	}
	slot := set.Slot("coordinator")
	slot.Store(c)
	cur := func() *Coordinator { return slot.Load().(*Coordinator) }
	set.RegisterOnce("coordinator", func() []prometheus.Collector {
		return []prometheus.Collector{m.proofs, m.audits, m.missed,
			metrics.Gauge("coordinator_epoch", "The current epoch.", func() float64 { return float64(cur().clock.now()) }),
			nodesCollector{cur},
			metrics.Gauge("coordinator_stored_bytes", "Bytes proven in each paid node's last proof, summed.", func() float64 {
				v, _ := cur().Status()
				return float64(v.Bytes)
			}),
			payoutsCollector{cur},
		}
	})
	if old, ok := set.Slot("coordinator-series").Load().(*coordMetrics); ok {
		return old // restarted in-process: keep counting in the series registered
	}
	set.Slot("coordinator-series").Store(m)
	return m
}

// observeProof counts a proof the validator judged (res nil: rejected).
func (m *coordMetrics) observeProof(res *proof.Result) {
	if res == nil {
		m.proofs.WithLabelValues("rejected").Inc()
		return
	}
	m.proofs.WithLabelValues("verified").Inc()
	failed := res.Failed()
	m.audits.WithLabelValues("passed").Add(float64(len(res.Samples) - failed))
	m.audits.WithLabelValues("failed").Add(float64(failed))
}

var nodesDesc = prometheus.NewDesc(metrics.Namespace+"_coordinator_nodes",
	"Storage nodes the coordinator knows, by state.", []string{"state"}, nil)

// nodesCollector counts the nodes by state at each scrape.
type nodesCollector struct{ cur func() *Coordinator }

func (n nodesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- nodesDesc }

func (n nodesCollector) Collect(ch chan<- prometheus.Metric) {
	by := map[string]int{}
	for s := reputation.Vetting; s <= reputation.Disqualified; s++ {
		by[s.String()] = 0
	}
	v, err := n.cur().Status()
	if err != nil {
		return
	}
	for s, k := range v.Nodes {
		by[s] = k
	}
	for s, k := range by {
		ch <- prometheus.MustNewConstMetric(nodesDesc, prometheus.GaugeValue, float64(k), s)
	}
}

var (
	payoutsDesc = prometheus.NewDesc(metrics.Namespace+"_coordinator_payouts",
		"Payouts in the ledger, by state.", []string{"state"}, nil)
	paidDesc = prometheus.NewDesc(metrics.Namespace+"_coordinator_payouts_sat",
		"Satoshi to nodes in payouts, by payout state (a payout moves from open to confirmed).", []string{"state"}, nil)
)

// payoutsCollector reads the ledger's payouts at each scrape.
type payoutsCollector struct{ cur func() *Coordinator }

func (p payoutsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- payoutsDesc; ch <- paidDesc }

func (p payoutsCollector) Collect(ch chan<- prometheus.Metric) {
	ps, err := p.cur().ledger.Payouts()
	if err != nil {
		return
	}
	n, sat := map[string]float64{}, map[string]float64{}
	for _, po := range ps {
		s := string(po.State)
		n[s]++
		sat[s] += float64(po.Total())
	}
	for s := range n {
		ch <- prometheus.MustNewConstMetric(payoutsDesc, prometheus.GaugeValue, n[s], s)
		ch <- prometheus.MustNewConstMetric(paidDesc, prometheus.GaugeValue, sat[s], s)
	}
}
