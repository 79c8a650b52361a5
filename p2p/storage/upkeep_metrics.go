package storage

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/scatterbytes/scatterbytes/p2p/metrics"
)

// registerUpkeep adds the repairer's and the sweep's series to the node's
// metrics, read at each scrape from the newest Storage in the Set's slot
// (a node restarted in-process keeps its Set: its counters then start
// again from zero, which Prometheus reads as a reset).
func (s *Storage) registerUpkeep() {
	set := s.metrics
	slot := set.Slot("upkeep")
	slot.Store(s)
	cur := func() RepairStats { return slot.Load().(*Storage).Repairs() }
	counter := func(name, help string, fn func(RepairStats) int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: metrics.Namespace, Name: name, Help: help},
			func() float64 { return float64(fn(cur())) })
	}
	set.RegisterOnce("upkeep", func() []prometheus.Collector {
		return []prometheus.Collector{
			counter("repair_passes_total", "Repair passes run (one after each proof).", func(r RepairStats) int64 { return r.Passes }),
			counter("repair_stripes_endangered_total", "Stripes found at or below their repair threshold, summed over passes.", func(r RepairStats) int64 { return r.Endangered }),
			counter("repair_stripes_repaired_total", "Stripes this node repaired.", func(r RepairStats) int64 { return r.Repaired }),
			counter("repair_stripes_failed_total", "Repairs that failed (tried again next pass).", func(r RepairStats) int64 { return r.Failed }),
			counter("repair_shards_rebuilt_total", "Shards rebuilt and placed on new holders.", func(r RepairStats) int64 { return r.Rebuilt }),
			counter("repair_fetched_bytes_total", "Shard bytes fetched from other holders to repair.", func(r RepairStats) int64 { return r.BytesFetched }),
			counter("repair_sent_bytes_total", "Rebuilt bytes sent to new holders.", func(r RepairStats) int64 { return r.BytesSent }),
			counter("repair_corrupt_shards_total", "Shards a repair found not to hash to their ID.", func(r RepairStats) int64 { return r.Corrupt }),
		}
	})
}
