package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// TestNodeStatusAndEarnings runs `node status` and `node earnings` as a
// running storage node of an in-process network, and `node status` in a
// directory where no node ran.
func TestNodeStatusAndEarnings(t *testing.T) {
	net := nettest.NewWith(t, testclient.WithStorage(testclient.WithCoordinator(testnet.Options{Nodes: 4, Epoch: time.Second},
		func(cfg *coordinator.Config) {
			cfg.Reputation.SuspendBelow, cfg.Reputation.ReinstateAbove = 0.001, 0.002
		})))
	prof := filepath.Join(t.TempDir(), "net.json")
	if err := net.Profile.Save(prof); err != nil {
		t.Fatal(err)
	}
	p := net.Nodes()[0]
	id := p.Node().ID().String()
	c := cli{t: t, ctx: t.Context(), network: prof, dir: p.Dir}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var st nodeStatus
	if err := wait.For(ctx, func() error {
		out, err := c.run("node", "status", "--json")
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			return err
		}
		if st.Local.Proofs == 0 || st.Standing.Proven == 0 {
			return fmt.Errorf("%d proofs published, %d epochs proven at the coordinator", st.Local.Proofs, st.Standing.Proven)
		}
		return nil
	}); err != nil {
		t.Fatal(humanError(err))
	}
	// A node that caught up on the first beacon proved epoch 0: any
	// epoch will do, the status must name the node and its proofs.
	if st.Local.Node != id || st.Standing.Peer != id || st.Local.LastEpoch > st.Epoch || st.Standing.Proven == 0 {
		t.Fatalf("node status: %+v", st)
	}
	if out := c.must("node", "status"); !strings.Contains(out, "standing: ") || !strings.Contains(out, id) {
		t.Fatalf("node status:\n%s", out)
	}
	var e earnings
	if err := json.Unmarshal([]byte(c.must("node", "earnings", "--json")), &e); err != nil || e.Statement.Node.String() != id {
		t.Fatalf("node earnings: %+v %v", e, err)
	}
	if out := c.must("node", "earnings"); !strings.Contains(out, "balance") {
		t.Fatalf("node earnings:\n%s", out)
	}

	never := cli{t: t, ctx: t.Context(), network: prof, dir: t.TempDir()}
	_, err := never.run("node", "status")
	if !errors.Is(err, storage.ErrNoStatus) {
		t.Fatalf("a node that never ran: %v", err)
	}
	if msg := humanError(err); strings.Contains(msg, "\n") {
		t.Fatalf("not one line: %q", msg)
	}
	fmt.Fprintln(testWriter{t}, humanError(err))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
