package coordinator_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
	"github.com/scatterbytes/scatterbytes/p2p/gossip"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// provingNetwork starts a coordinator and n storage nodes with epochs of
// testEpoch.
func provingNetwork(t *testing.T, n int, configure func(*coordinator.Config)) *testnet.Network {
	t.Helper()
	return nettest.NewWith(t, testclient.WithStorage(testclient.WithCoordinator(testnet.Options{Nodes: n, Epoch: testEpoch}, configure)))
}

func coordOf(net *testnet.Network) *coordinator.Coordinator {
	return net.Coordinator().Role().(*coordinator.Coordinator)
}

// putFiles stores n files of size random bytes through a client that cuts
// shards of at most maxShard bytes.
func putFiles(t *testing.T, net *testnet.Network, n, size int, maxShard int64) {
	t.Helper()
	c := clienttest.New(t, net, func(c *client.Config) {
		if maxShard > 0 {
			c.MaxShard = maxShard
		}
	})
	for i := range n {
		data := make([]byte, size)
		rand.Read(data)
		if _, err := c.Put(t.Context(), bytes.NewReader(data), int64(size), client.PutOptions{Name: fmt.Sprintf("f%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitEpoch waits until the coordinator's epoch reaches e.
func waitEpoch(t *testing.T, c *coordinator.Coordinator, e uint64, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	err := wait.For(ctx, func() error {
		st, err := c.Status()
		if err != nil {
			return err
		}
		if st.Epoch < e {
			return fmt.Errorf("epoch %d, waiting for %d", st.Epoch, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func nodeViews(t *testing.T, c *coordinator.Coordinator) map[string]coordinator.NodeView {
	t.Helper()
	vs, err := c.Nodes()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]coordinator.NodeView{}
	for _, v := range vs {
		out[v.Peer] = v
	}
	return out
}

func TestHonestNodesPassEveryEpoch(t *testing.T) {
	const epochs = 20
	// The test steps the epochs itself, each once every node has proved
	// the one before: an honest node misses no epoch however slow the
	// machine, and a node that never proves one fails the test.
	clk := nettest.NewSteppedClock(time.Now())
	net := provingNetwork(t, 6, func(c *coordinator.Config) { c.Clock = clk })
	putFiles(t, net, 6, 20<<10, 0)
	c := coordOf(net)
	st, start := epochStarts(t, c)
	// Chunks stored in epoch e are committed in the proof of e and
	// challenged from e+1. The first stepped epoch is the first every node
	// hears the beacon of: they were all on the topic by then.
	first := st.Epoch + 1
	for e := first; e <= first+epochs; e++ {
		clk.Set(start(e))
		waitProved(t, c, net, e)
		clk.Set(start(e).Add(st.Length / 2)) // the spot checks
	}
	// Opening the epoch after next settles the last one proved.
	clk.Set(start(first + epochs + 2))
	waitEpoch(t, c, first+epochs+2, time.Minute)
	views := nodeViews(t, c)
	for _, p := range net.Nodes() {
		v, ok := views[p.Node().ID().String()]
		if !ok {
			t.Fatalf("node %s never proved", p.Node().ID())
		}
		if v.Failed != 0 || v.AuditScore != 1 || v.Missed != 0 || v.State == reputation.Suspended || v.State == reputation.Disqualified {
			t.Errorf("honest node %s: %+v", v.Peer, v)
		}
		if v.Proven < epochs || v.Audits < epochs || v.Bytes == 0 || v.Chunks == 0 {
			t.Errorf("honest node %s proved %d epochs with %d audits, %d bytes in %d chunks; want %d epochs of real data",
				v.Peer, v.Proven, v.Audits, v.Bytes, v.Chunks, epochs)
		}
	}
}

// epochStarts returns the coordinator's status and when each epoch
// begins on its clock: what a test stepping that clock sets it to.
func epochStarts(t *testing.T, c *coordinator.Coordinator) (coordinator.StatusView, func(e uint64) time.Time) {
	t.Helper()
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st, func(e uint64) time.Time { return st.Start.Add(time.Duration(e-st.Epoch) * st.Length) }
}

// The stepped clock of the harness is a coordinator clock.
var _ coordinator.Clock = (*nettest.SteppedClock)(nil)

// waitProved waits until every storage node of net has proved epoch e.
func waitProved(t *testing.T, c *coordinator.Coordinator, net *testnet.Network, e uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	err := wait.For(ctx, func() error {
		views := nodeViews(t, c)
		for _, p := range net.Nodes() {
			if v := views[p.Node().ID().String()]; v.LastEpoch < e {
				return fmt.Errorf("node %s last proved epoch %d, waiting for %d", p.Node().ID(), v.LastEpoch, e)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitProvedOrDisqualified waits until every storage node of net has
// proved epoch e or been disqualified.
func waitProvedOrDisqualified(t *testing.T, c *coordinator.Coordinator, net *testnet.Network, e uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	err := wait.For(ctx, func() error {
		views := nodeViews(t, c)
		for _, p := range net.Nodes() {
			if v := views[p.Node().ID().String()]; v.LastEpoch < e && v.State != reputation.Disqualified {
				return fmt.Errorf("node %s last proved epoch %d, waiting for %d", p.Node().ID(), v.LastEpoch, e)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// chunkFiles lists the chunk files of a storage node's disk store.
func chunkFiles(t *testing.T, p *testnet.Peer) []string {
	t.Helper()
	var out []string
	root := filepath.Join(p.Dir, storage.ChunksDir, "chunks")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLossIsCaughtAndDisqualified(t *testing.T) {
	p := reputation.DefaultParams()
	// With 16 samples an epoch, a node that lost 10% is expected under the
	// cut after EpochsToDisqualify(0.10) = 32 epochs; in 1,000 simulated
	// runs the latest was 1.65 times that (package reputation's test), so
	// the test allows twice the expectation.
	within := 2 * reputation.EpochsToDisqualify(p, 0.10)
	// This test is about audits: a node slow to prove while the client
	// uploads 600 chunks under the race detector must not be suspended
	// and passed over by placement. The test steps the epochs, each once
	// every node has proved the one before, so that the count of epochs
	// to disqualification does not depend on how loaded the machine is.
	clk := nettest.NewSteppedClock(time.Now())
	net := provingNetwork(t, 6, func(c *coordinator.Config) {
		c.Clock = clk
		c.Reputation.SuspendBelow, c.Reputation.ReinstateAbove = 0.001, 0.002
	})
	putFiles(t, net, 4, 400<<10, 4<<10)
	nodes := net.Nodes()
	lossy, careless := nodes[0], nodes[1]
	lose := func(p *testnet.Peer, f float64) int {
		files := chunkFiles(t, p)
		n := int(float64(len(files))*f + 0.999)
		if n == 0 || len(files) < 50 {
			t.Fatalf("node holds %d chunks: too few to lose %.0f%%", len(files), 100*f)
		}
		for _, f := range files[:n] {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
		return n
	}
	lostA, lostB := lose(lossy, 0.10), lose(careless, 0.02)
	t.Logf("node %s lost %d chunks (10%%), node %s lost %d (2%%)", lossy.Node().ID(), lostA, careless.Node().ID(), lostB)
	c := coordOf(net)
	st, start := epochStarts(t, c)
	lossyID := lossy.Node().ID().String()
	for e := st.Epoch + 1; ; e++ {
		if v := nodeViews(t, c)[lossyID]; v.State == reputation.Disqualified {
			break
		} else if e > st.Epoch+uint64(within) {
			t.Fatalf("the node that lost 10%% is %s after %d epochs (audit score %.4f after %d audits, %d failed)",
				v.State, within, v.AuditScore, v.Audits, v.Failed)
		}
		clk.Set(start(e))
		waitProvedOrDisqualified(t, c, net, e)
		clk.Set(start(e).Add(st.Length / 2)) // the spot checks
	}
	now, _ := c.Status()
	views := nodeViews(t, c)
	a, b := views[lossy.Node().ID().String()], views[careless.Node().ID().String()]
	t.Logf("disqualified after %d epochs, %d audits (%d failed); the 2%% node: score %.4f, %d of %d audits failed",
		now.Epoch-st.Epoch, a.Audits, a.Failed, b.AuditScore, b.Failed, b.Audits)
	if b.State == reputation.Disqualified {
		t.Fatalf("the node that lost 2%% was disqualified: %+v", b)
	}
	if now.Epoch-st.Epoch > uint64(within) {
		t.Fatalf("disqualified after %d epochs, the math allows %d", now.Epoch-st.Epoch, within)
	}
}

func TestCoordinatorRestartKeepsProofsGoing(t *testing.T) {
	net := provingNetwork(t, 4, nil)
	putFiles(t, net, 2, 20<<10, 0)
	c := coordOf(net)
	st, _ := c.Status()
	waitEpoch(t, c, st.Epoch+4, 30*testEpoch)
	before := nodeViews(t, c)
	if err := net.Coordinator().Restart(); err != nil {
		t.Fatal(err)
	}
	c = coordOf(net)
	st, _ = c.Status()
	waitEpoch(t, c, st.Epoch+5, 30*testEpoch)
	after := nodeViews(t, c)
	for id, b := range before {
		a := after[id]
		// Every node goes on proving after the restart; each epoch is
		// recorded once (a proof record per node and epoch), so the
		// epochs proven only grow by the epochs that passed.
		if a.Proven <= b.Proven || a.LastEpoch <= b.LastEpoch {
			t.Errorf("node %s proved %d epochs (last %d) before the restart and %d (last %d) after", id, b.Proven, b.LastEpoch, a.Proven, a.LastEpoch)
		}
		if a.Proven+a.Missed > a.LastEpoch-b.LastEpoch+b.Proven+b.Missed+1 {
			t.Errorf("node %s: %d epochs settled after the restart, more than the %d that passed", id, a.Proven+a.Missed-b.Proven-b.Missed, a.LastEpoch-b.LastEpoch)
		}
		if a.Failed != 0 {
			t.Errorf("node %s failed %d audits across a coordinator restart", id, a.Failed)
		}
	}
	// With the nodes stopped and the outbox empty, what each node's record
	// says it earned is what the ledger booked for it: no epoch twice.
	for _, p := range net.Nodes() {
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := wait.For(ctx, func() error {
		st, err := c.Status()
		if err == nil && st.Pending > 0 {
			err = fmt.Errorf("%d credits not in the ledger yet", st.Pending)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for id, v := range nodeViews(t, c) {
		p, _ := peer.Decode(id)
		entries, err := c.Ledger().Credits(p)
		if err != nil {
			t.Fatal(err)
		}
		var sum uint64
		seen := map[uint64]bool{}
		for _, e := range entries {
			if seen[e.Epoch] {
				t.Errorf("node %s credited twice for epoch %d", id, e.Epoch)
			}
			seen[e.Epoch] = true
			sum += e.NodeMsat
		}
		if sum != v.EarnedMsat || len(entries) == 0 {
			t.Errorf("node %s: %d credits in the ledger worth %d msat, its record says %d msat", id, len(entries), sum, v.EarnedMsat)
		}
	}
}

// TestProofFitsGossip: the largest proof a node may make travels in one
// gossip message (a 16-sample proof of 4 MiB chunks is about 560 KB).
func TestProofFitsGossip(t *testing.T) {
	if proof.MaxProofSize > gossip.MaxPayload {
		t.Fatalf("a proof may be %d bytes, a gossip payload at most %d", proof.MaxProofSize, gossip.MaxPayload)
	}
}

// TestProofsAcrossASkippedEpoch: the coordinator pauses past an epoch (its
// clock jumps two epochs; a loaded machine does that), so no node hears
// the beacon its commitment was made for. Each answers the next beacon
// with that commitment and is credited for it, with no audit failed.
func TestProofsAcrossASkippedEpoch(t *testing.T) {
	clk := nettest.NewSteppedClock(time.Now())
	net := provingNetwork(t, 4, func(c *coordinator.Config) { c.Clock = clk })
	putFiles(t, net, 2, 20<<10, 0)
	c := coordOf(net)
	st, start := epochStarts(t, c)
	first := st.Epoch + 1
	for e := first; e < first+2; e++ { // the second commits what the first stored
		clk.Set(start(e))
		waitProved(t, c, net, e)
	}
	before := nodeViews(t, c)
	skipTo := first + 3 // first+2 never opens
	clk.Set(start(skipTo))
	waitProved(t, c, net, skipTo)
	after := nodeViews(t, c)
	for _, p := range net.Nodes() {
		id := p.Node().ID().String()
		b, a := before[id], after[id]
		if a.Proven != b.Proven+1 || a.Bytes == 0 || a.Failed != 0 {
			t.Errorf("node %s across the skipped epoch: proven %d -> %d, %d bytes credited, %d failed; want one more epoch proven with bytes, none failed",
				id, b.Proven, a.Proven, a.Bytes, a.Failed)
		}
	}
}
