package storage_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// TestRepairFigures measures repair at scale for the figures: 12
// nodes, a file of 400 MiB at 4+2 (600 MiB stored, 50 MiB a node), two
// nodes lost (about 100 MiB of shards). It reports the epochs and time
// the repair took and the bytes moved, against the bytes lost. Set
// SB_REPAIR_FIGURES=1 to run it; it is not a test of correctness (the
// others are) and takes minutes on two cores.
func TestRepairFigures(t *testing.T) {
	if os.Getenv("SB_REPAIR_FIGURES") == "" {
		t.Skip("set SB_REPAIR_FIGURES=1 to measure repair")
	}
	var margin *int // SB_REPAIR_MARGIN=0 repairs only stripes that lost m shards
	if v := os.Getenv("SB_REPAIR_MARGIN"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		margin = &n
	}
	r := newRepairNet(t, 12, 0.75, func(_ int, c *node.Config) {
		if margin != nil {
			p := *c.Profile
			p.RepairMargin = margin
			c.Profile = &p
		}
	})
	t0 := time.Now()
	data, ref, c := r.put(400 << 20)
	t.Logf("put 400 MiB in %v", time.Since(t0))
	r.step()
	before, orders := r.held()
	victims := r.net.Running()[1:3]
	var lostBytes int64
	var lostShards int
	for id, ps := range before {
		for _, p := range ps {
			if p == victims[0] || p == victims[1] {
				lostBytes += orders[id].Size
				lostShards++
			}
		}
	}
	for _, p := range victims {
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("stopped 2 nodes holding %d chunks, %.1f MiB", lostShards, float64(lostBytes)/(1<<20))
	var restoredAt time.Duration
	start := time.Now()
	for e := 1; e <= 6; e++ {
		r.step()
		if missing := r.missing(before, victims); missing == 0 {
			restoredAt = time.Since(start)
			t.Logf("every chunk held again %d epochs after the loss (%v of stepped epochs)", e, restoredAt)
			break
		} else {
			t.Logf("epoch +%d: %d chunks still missing", e, missing)
		}
	}
	var fetched, sent, rebuilt int64
	var busiest time.Duration
	for _, p := range r.net.Running()[1:] {
		st := storageOf(p).Repairs()
		fetched, sent, rebuilt = fetched+st.BytesFetched, sent+st.BytesSent, rebuilt+st.Rebuilt
		busiest = max(busiest, st.Busiest)
		t.Logf("node %d: %d rebuilt, fetched %.1f MiB, sent %.1f MiB, longest pass %v", p.Index, st.Rebuilt,
			float64(st.BytesFetched)/(1<<20), float64(st.BytesSent)/(1<<20), st.Busiest.Round(time.Millisecond))
	}
	t.Logf("the longest repair pass took %v; traffic per rebuilt byte %.2f× (fetched %.2f×, sent 1×)",
		busiest.Round(time.Millisecond), float64(fetched+sent)/float64(sent), float64(fetched)/float64(sent))
	mib := func(n int64) float64 { return float64(n) / (1 << 20) }
	t.Logf("lost %.1f MiB (%d chunks); rebuilt %d chunks; fetched %.1f MiB, sent %.1f MiB: %.2f× the lost bytes in all (fetched %.2f×)",
		mib(lostBytes), lostShards, rebuilt, mib(fetched), mib(sent), float64(fetched+sent)/float64(lostBytes), float64(fetched)/float64(lostBytes))
	if margin == nil || *margin > 0 {
		readBack(t, c, ref, data)
	}
}

// missing counts the chunks held before that no running node holds now.
func (r *repairNet) missing(before map[cid.Cid][]*testnet.Peer, _ []*testnet.Peer) int {
	now, _ := r.held()
	n := 0
	for id := range before {
		if len(now[id]) == 0 {
			n++
		}
	}
	return n
}
