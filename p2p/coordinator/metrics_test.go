package coordinator_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/metrics"
)

func TestCoordinatorMetrics(t *testing.T) {
	net := clienttest.NewNetwork(t, 2)
	c, ok := net.Coordinator().Role().(*coordinator.Coordinator)
	if !ok {
		t.Fatal("peer 0 is not the coordinator")
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var fams metrics.Families
	err := wait.For(ctx, func() (err error) {
		if fams, err = metrics.Scrape(c.Metrics().Handler()); err != nil {
			return err
		}
		if v := fams.Value("scatterbytes_coordinator_proofs_total", map[string]string{"result": "verified"}); v < 2 {
			return fmt.Errorf("%v proofs verified", v)
		}
		if n := fams.Value("scatterbytes_coordinator_nodes", nil); n != 2 {
			return fmt.Errorf("%v nodes known, want 2", n)
		}
		if e := fams.Value("scatterbytes_coordinator_epoch", nil); e < 1 { // proofs of epoch 0 may come first
			return fmt.Errorf("epoch %v, waiting for 1", e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"scatterbytes_coordinator_epoch", "scatterbytes_coordinator_nodes", "scatterbytes_coordinator_audits_total",
		"scatterbytes_coordinator_epochs_missed_total", "scatterbytes_coordinator_stored_bytes",
		"scatterbytes_network_received_bytes_total", "scatterbytes_peers_connected",
	} {
		if _, ok := fams[name]; !ok {
			t.Errorf("/metrics has no %s", name)
		}
	}
	if e := fams.Value("scatterbytes_coordinator_epoch", nil); e < 1 {
		t.Errorf("epoch %v", e)
	}
	if v := fams.Value("scatterbytes_coordinator_nodes", map[string]string{"state": "disqualified"}); v != 0 {
		t.Errorf("%v disqualified", v)
	}
}
