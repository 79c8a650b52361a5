package coordinator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/dash"
)

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

func TestCoordinatorDashboard(t *testing.T) {
	o := testclient.WithStorage(testclient.WithCoordinator(testnet.Options{Nodes: 3}, func(c *coordinator.Config) {
		c.Dashboard = "127.0.0.1:0"
		c.Reputation.SuspendBelow, c.Reputation.ReinstateAbove = 0.001, 0.002
	}))
	net := nettest.NewWith(t, o)
	c := net.Coordinator().Role().(*coordinator.Coordinator)
	base := "http://" + c.Dashboard().Addr()

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var v dash.CoordinatorView
	err := wait.For(ctx, func() error {
		v = dash.CoordinatorView{}
		if err := json.Unmarshal([]byte(getBody(t, base+"/api/v1/view?sort=peer")), &v); err != nil {
			return err
		}
		proofs := 0
		for _, e := range v.Epochs {
			proofs += e.Passed
		}
		// Nodes that catch up on the first beacon prove epoch 0: wait for
		// the epoch to move too, so the page shows one it stepped to.
		if len(v.Nodes) != 3 || proofs < 3 || v.BeaconHash == "" || v.Epoch == 0 {
			return fmt.Errorf("%d nodes, %d proofs, beacon %q, epoch %d", len(v.Nodes), proofs, v.BeaconHash, v.Epoch)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v.Epoch == 0 || v.NodesByState["vetting"] != 3 {
		t.Errorf("epoch %d, nodes by state %v", v.Epoch, v.NodesByState)
	}
	for i := 1; i < len(v.Nodes); i++ {
		if v.Nodes[i-1].Peer > v.Nodes[i].Peer {
			t.Errorf("not sorted by peer: %v", v.Nodes)
		}
	}

	page := getBody(t, base+"/?sort=last_epoch&desc=1")
	for _, want := range []string{`id="nodes-table"`, `id="chart-proofs"`, `id="epoch"`, `id="beacon"`, "last epoch</a> ▼"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if n := strings.Count(page, "<tr data-peer="); n != 3 {
		t.Errorf("%d node rows", n)
	}
	if dir := os.Getenv("SCATTERBYTES_ARTIFACTS"); dir != "" {
		_ = os.WriteFile(dir+"/coordinator.html", []byte(page), 0o644)
	}
	if m := getBody(t, base+"/metrics"); !strings.Contains(m, "scatterbytes_coordinator_epoch") {
		t.Error("/metrics lacks the coordinator's series")
	}
}
