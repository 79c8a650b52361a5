package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

// The sweep of these tests: a pass a minute, thirty seconds of grace, on
// clocks the tests step. Epochs are 15 s of the coordinator's clock.
const (
	gcEpoch    = 15 * time.Second
	gcInterval = time.Minute
	gcGrace    = 30 * time.Second
	// shortLife is the order lifetime of the files that expire: the
	// client's minimum is a minute, and the chunks should be committed
	// (and paid) for a few epochs before they expire.
	shortLife = 2 * time.Minute
)

// gcNetwork starts a coordinator whose epochs follow coordClock and six
// storage nodes (4+2) whose expiry sweeps follow nodeClock.
func gcNetwork(t *testing.T, coordClock coordinator.Clock, nodeClock storage.Clock) *testnet.Network {
	t.Helper()
	o := testclient.WithCoordinator(testnet.Options{Nodes: 6, Epoch: gcEpoch}, func(c *coordinator.Config) {
		c.Clock = coordClock
		// As clienttest's: placement must not pass over a node slow to
		// prove under the race detector.
		c.Reputation.SuspendBelow, c.Reputation.ReinstateAbove = 0.001, 0.002
	})
	o.Storage = func(ctx context.Context, cfg node.Config, capacity int64) (testnet.Role, error) {
		return storage.New(ctx, cfg, storage.Config{
			Capacity: capacity, Logger: cfg.Logger, Clock: nodeClock,
			GC: storage.GCConfig{Interval: gcInterval, Grace: gcGrace},
		})
	}
	return nettest.NewWith(t, o)
}

// held is what one node holds: chunk IDs (as the chunk service sees
// them, through the proof guard) and its store's usage.
type held struct {
	ids   map[string]int64 // CID key → size
	usage store.Usage
}

func (h held) bytes() (n uint64) {
	for _, s := range h.ids {
		n += uint64(s)
	}
	return n
}

func holdings(t *testing.T, p *testnet.Peer) held {
	t.Helper()
	st := storageOf(p).Store()
	h := held{ids: map[string]int64{}}
	err := st.Iterate(t.Context(), cid.Undef, func(i store.Info) error {
		h.ids[i.ID.KeyString()] = i.Size
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if h.usage, err = st.Usage(t.Context()); err != nil {
		t.Fatal(err)
	}
	return h
}

func holdingsOf(t *testing.T, net *testnet.Network) []held {
	t.Helper()
	var out []held
	for _, p := range net.Nodes() {
		out = append(out, holdings(t, p))
	}
	return out
}

// sameHoldings is nil when every node holds what want says, chunk for
// chunk and byte for byte of usage.
func sameHoldings(t *testing.T, net *testnet.Network, want []held) error {
	for i, p := range net.Nodes() {
		got := holdings(t, p)
		if got.usage != want[i].usage {
			return fmt.Errorf("node %d: usage %+v, want %+v", p.Index, got.usage, want[i].usage)
		}
		if len(got.ids) != len(want[i].ids) {
			return fmt.Errorf("node %d: %d chunks, want %d", p.Index, len(got.ids), len(want[i].ids))
		}
		for k := range want[i].ids {
			if _, ok := got.ids[k]; !ok {
				return fmt.Errorf("node %d lost a chunk it should keep", p.Index)
			}
		}
	}
	return nil
}

// allCommitted is nil when every node's commitment for its next proof
// (its status file) holds all it has.
func allCommitted(t *testing.T, net *testnet.Network) error {
	for _, p := range net.Nodes() {
		h := holdings(t, p)
		s, err := storage.ReadStatus(p.Dir)
		if err != nil {
			return err
		}
		if s.Chunks != uint64(len(h.ids)) || s.Bytes != h.bytes() {
			return fmt.Errorf("node %d committed %d chunks (%d bytes), holds %d (%d bytes)", p.Index, s.Chunks, s.Bytes, len(h.ids), h.bytes())
		}
	}
	return nil
}

func within(t *testing.T, d time.Duration, cond func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	if err := wait.For(ctx, cond); err != nil {
		t.Fatal(err)
	}
}

// epochs steps the coordinator's clock one epoch at a time.
type epochs struct {
	t     *testing.T
	net   *testnet.Network
	c     *coordinator.Coordinator
	clock *nettest.SteppedClock
	start time.Time // of epoch next
	next  uint64
}

// newEpochs steps from the epoch after the coordinator's current one.
// Gossip publishes to mesh peers only (no flood publishing), and a beacon
// is published once: one published before the coordinator and the nodes
// have formed a mesh reaches no one, and the nodes ask for it (catchup.go)
// only an epoch of wall time later. So it first waits for every peer to
// have a mesh.
func newEpochs(t *testing.T, net *testnet.Network, clk *nettest.SteppedClock) *epochs {
	t.Helper()
	within(t, time.Minute, func() error {
		for _, p := range net.Peers() {
			if len(p.Node().Gossip().Mesh()) == 0 {
				return fmt.Errorf("peer %d has no gossip mesh yet", p.Index)
			}
		}
		return nil
	})
	c := net.Coordinator().Role().(*coordinator.Coordinator)
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	return &epochs{t: t, net: net, c: c, clock: clk, start: st.Start.Add(st.Length), next: st.Epoch + 1}
}

// step opens the next epoch and waits until every node has proved it;
// it returns the epoch.
func (e *epochs) step() uint64 {
	e.t.Helper()
	n := e.next
	e.clock.Set(e.start)
	within(e.t, time.Minute, func() error {
		views := e.views()
		for _, p := range e.net.Nodes() {
			if v := views[p.ID.String()]; v.LastEpoch < n {
				return fmt.Errorf("node %d last proved epoch %d, waiting for %d", p.Index, v.LastEpoch, n)
			}
		}
		return nil
	})
	e.next++
	e.start = e.start.Add(gcEpoch)
	return n
}

func (e *epochs) views() map[string]coordinator.NodeView {
	e.t.Helper()
	vs, err := e.c.Nodes()
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]coordinator.NodeView{}
	for _, v := range vs {
		out[v.Peer] = v
	}
	return out
}

// noFailedAudits fails the test if any node failed an audit.
func (e *epochs) noFailedAudits() {
	e.t.Helper()
	for _, p := range e.net.Nodes() {
		if v := e.views()[p.ID.String()]; v.Failed != 0 {
			e.t.Errorf("node %d failed %d audits", p.Index, v.Failed)
		}
	}
}

func randomData(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func put(t *testing.T, c *client.Client, name string, data []byte) manifest.Ref {
	t.Helper()
	ref, err := c.Put(t.Context(), bytes.NewReader(data), int64(len(data)), client.PutOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestExpiredFileLeavesEveryNode: a file stored with a short order
// lifetime is proven and paid for while its orders run, then no node
// commits it, and within the bound (expiry + grace + sweep interval) every
// node has deleted it and its usage is back to what it was; a file with a
// long lifetime stays whole. One clock drives the epochs and the sweeps.
func TestExpiredFileLeavesEveryNode(t *testing.T) {
	clk := nettest.NewSteppedClock(time.Now())
	net := gcNetwork(t, clk, clk)
	longC := clienttest.New(t, net, nil)
	shortC := clienttest.New(t, net, func(c *client.Config) { c.Lifetime = shortLife })
	ep := newEpochs(t, net, clk)

	keepData := randomData(t, 200<<10)
	keep := put(t, longC, "keep", keepData)
	before := holdingsOf(t, net)
	put(t, shortC, "short", randomData(t, 200<<10))
	expiry := time.Now().Add(shortLife) // no order of the file ends later
	during := holdingsOf(t, net)
	added := 0
	for i := range during {
		added += len(during[i].ids) - len(before[i].ids)
	}
	if added < 6 {
		t.Fatalf("the short-lived file added %d chunks, want its 4+2 shards and manifest", added)
	}

	// Proven and paid for while the orders run.
	ep.step()
	within(t, time.Minute, func() error { return allCommitted(t, net) })
	ep.step()

	// Past the bound by the shared clock: every node has swept them.
	bound := expiry.Add(gcGrace + gcInterval)
	for clk.Now().Before(bound.Add(gcEpoch)) {
		ep.step()
	}
	within(t, time.Minute, func() error { return sameHoldings(t, net, before) })
	// What the nodes commit to, and the coordinator credits, is the
	// long-lived file alone.
	e := ep.step()
	within(t, time.Minute, func() error { return allCommitted(t, net) })
	views := ep.views()
	for i, p := range net.Nodes() {
		if v := views[p.ID.String()]; v.LastEpoch != e || v.Bytes != before[i].bytes() {
			t.Errorf("node %d: credited %d bytes for epoch %d, holds %d unexpired", p.Index, v.Bytes, v.LastEpoch, before[i].bytes())
		}
	}
	ep.noFailedAudits()
	readBack(t, longC, keep, keepData)
}

// TestCommittedChunkOutlivesItsExpiryUntilProven: a node whose clock runs
// ahead of the coordinator's (or whose beacon is late) finds chunks
// expired that its outstanding commitment holds. They vanish for every
// reader at once, but their bytes stay until the node has answered the
// next beacon over that commitment (no audit fails for them), and that
// proof's next commitment leaves them out; then they go and usage drops.
func TestCommittedChunkOutlivesItsExpiryUntilProven(t *testing.T) {
	coordClk := nettest.NewSteppedClock(time.Now())
	nodeClk := nettest.NewSteppedClock(time.Now())
	net := gcNetwork(t, coordClk, nodeClk)
	longC := clienttest.New(t, net, nil)
	shortC := clienttest.New(t, net, func(c *client.Config) { c.Lifetime = shortLife })
	ep := newEpochs(t, net, coordClk)

	keepData := randomData(t, 100<<10)
	keep := put(t, longC, "keep", keepData)
	before := holdingsOf(t, net)
	put(t, shortC, "short", randomData(t, 100<<10))
	expiry := time.Now().Add(shortLife)
	ep.step()
	within(t, time.Minute, func() error { return allCommitted(t, net) })
	during := holdingsOf(t, net)

	// The nodes' clocks jump past the bound; the coordinator's stays.
	swept := expiry.Add(gcGrace + gcInterval)
	nodeClk.Set(swept)
	within(t, time.Minute, func() error {
		for _, p := range net.Nodes() {
			if st, ok := storageOf(p).LastSweep(); !ok || st.At.Before(swept) {
				return fmt.Errorf("node %d has not swept at %s (last %+v)", p.Index, swept, st)
			}
		}
		return nil
	})
	for i, p := range net.Nodes() {
		h := holdings(t, p)
		if len(h.ids) != len(before[i].ids) {
			t.Fatalf("node %d shows %d chunks after the sweep, want the %d unexpired", p.Index, len(h.ids), len(before[i].ids))
		}
		if h.usage != during[i].usage {
			t.Fatalf("node %d freed committed chunks before proving them: usage %+v, was %+v", p.Index, h.usage, during[i].usage)
		}
	}

	// The next beacon: every node proves the commitment that holds the
	// expired chunks (by the coordinator's clock they have not expired),
	// commits without them; the proof after frees them.
	if coordClk.Now().After(expiry) {
		t.Fatal("the coordinator's clock passed the expiry: the test proves nothing")
	}
	ep.step()
	ep.noFailedAudits()
	within(t, time.Minute, func() error { return allCommitted(t, net) })
	// The proof after that is paid for the unexpired chunks alone and
	// frees the expired ones (the coordinator may spot-check the samples
	// of the proof before it until then: package proof, "Deletes").
	e := ep.step()
	views := ep.views()
	for i, p := range net.Nodes() {
		if v := views[p.ID.String()]; v.LastEpoch != e || v.Bytes != before[i].bytes() {
			t.Errorf("node %d: credited %d bytes for epoch %d, holds %d unexpired", p.Index, v.Bytes, v.LastEpoch, before[i].bytes())
		}
	}
	readBack(t, longC, keep, keepData)
	ep.step()
	within(t, time.Minute, func() error { return sameHoldings(t, net, before) })
	ep.noFailedAudits()
}

// TestRemovedFileLeavesEveryNode: a client's Remove reaches every node
// holding the file (shards and manifest); a chunk the nodes committed to
// vanishes at once and is freed by the node's next proof, after which
// every node's usage is what it was before the file came.
func TestRemovedFileLeavesEveryNode(t *testing.T) {
	clk := nettest.NewSteppedClock(time.Now())
	net := gcNetwork(t, clk, clk)
	c := clienttest.New(t, net, nil)
	ep := newEpochs(t, net, clk)

	keepData := randomData(t, 100<<10)
	keep := put(t, c, "keep", keepData)
	before := holdingsOf(t, net)
	put(t, c, "gone", randomData(t, 300<<10))
	ep.step()
	within(t, time.Minute, func() error { return allCommitted(t, net) })
	during := holdingsOf(t, net)
	for _, p := range net.Nodes() {
		if err := recordsMatchHoldings(t, p); err != nil {
			t.Fatal(err)
		}
	}

	if err := c.Remove(t.Context(), "", "gone"); err != nil {
		t.Fatal(err)
	}
	for i, p := range net.Nodes() {
		h := holdings(t, p)
		if len(h.ids) != len(before[i].ids) {
			t.Fatalf("node %d shows %d chunks after the remove, want %d", p.Index, len(h.ids), len(before[i].ids))
		}
		if h.usage != during[i].usage {
			t.Fatalf("node %d freed committed chunks before proving them: usage %+v, was %+v", p.Index, h.usage, during[i].usage)
		}
	}
	// The next proof answers for the commitment that holds them; the one
	// after frees them (the coordinator may spot-check the first one's
	// samples until then: package proof, "Deletes").
	ep.step()
	ep.step()
	ep.noFailedAudits()
	within(t, time.Minute, func() error { return sameHoldings(t, net, before) })
	// A sweep drops the placement records of the stripes gone, and keeps
	// the others'.
	for _, p := range net.Nodes() {
		if _, err := storageOf(p).Sweep(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := recordsMatchHoldings(t, p); err != nil {
			t.Fatal(err)
		}
	}
	readBack(t, c, keep, keepData)
}

// TestSpotCheckOfARemovedChunk: the coordinator spot-checks slices that a
// node's last proof sampled by fetching them again. A chunk its owner has
// removed since is hidden from every reader but still owed to that check:
// the node serves it to the coordinator, and no audit fails for a delete.
func TestSpotCheckOfARemovedChunk(t *testing.T) {
	clk := nettest.NewSteppedClock(time.Now())
	net := gcNetwork(t, clk, clk)
	c := clienttest.New(t, net, nil)
	ep := newEpochs(t, net, clk)
	put(t, c, "gone", randomData(t, 300<<10))
	ep.step() // commits the file's chunks
	ep.step() // samples them: the spot checks' targets
	if err := c.Remove(t.Context(), "", "gone"); err != nil {
		t.Fatal(err)
	}
	spots := func() (ok, failed uint64) {
		for _, v := range ep.views() {
			ok, failed = ok+v.SpotOK, failed+v.SpotFailed
		}
		return ok, failed
	}
	ok0, failed0 := spots()
	clk.Set(ep.start.Add(-gcEpoch / 2)) // the middle of the epoch: the spot checks run
	within(t, time.Minute, func() error {
		if ok, failed := spots(); ok+failed < ok0+failed0+3 {
			return fmt.Errorf("%d spot checks so far, waiting for 3", ok+failed-ok0-failed0)
		}
		return nil
	})
	if ok, failed := spots(); failed != failed0 {
		t.Errorf("%d of %d spot checks of removed chunks failed", failed-failed0, ok+failed-ok0-failed0)
	}
	ep.noFailedAudits()
}

// TestReplacedVersionLeavesEveryNode: a put under a name already filed
// frees the version it replaces, as a remove would: its chunks are gone
// from every node after the proofs that owe them, and the new version
// reads back. With KeepReplaced, the replaced version stays readable by
// its reference.
func TestReplacedVersionLeavesEveryNode(t *testing.T) {
	clk := nettest.NewSteppedClock(time.Now())
	net := gcNetwork(t, clk, clk)
	c := clienttest.New(t, net, nil)
	ep := newEpochs(t, net, clk)

	keptData := randomData(t, 100<<10)
	kept := put(t, c, "kept", keptData)
	next := randomData(t, 100<<10)
	if _, err := c.Put(t.Context(), bytes.NewReader(next), int64(len(next)), client.PutOptions{Name: "kept", KeepReplaced: true}); err != nil {
		t.Fatal(err)
	}

	before := holdingsOf(t, net)
	old := put(t, c, "f", randomData(t, 300<<10))
	ep.step()
	within(t, time.Minute, func() error { return allCommitted(t, net) })
	withOld := holdingsOf(t, net)
	oldChunks := 0
	for i := range withOld {
		oldChunks += len(withOld[i].ids) - len(before[i].ids)
	}
	newData := randomData(t, 200<<10)
	v2 := put(t, c, "f", newData)
	if e, err := c.Catalog().Get(t.Context(), catalog.DefaultVolume, "f"); err != nil || e.Ref.Manifest != v2.Manifest {
		t.Fatalf("the catalog has %v (err %v), want the new version", e.Ref.Manifest, err)
	}
	if f, err := c.Open(t.Context(), old); err == nil {
		f.Close()
		t.Fatal("the replaced version still opens")
	}
	ep.step()
	ep.step()
	ep.step()
	ep.noFailedAudits()
	within(t, time.Minute, func() error {
		for i, p := range net.Nodes() {
			h := holdings(t, p)
			for k := range withOld[i].ids {
				if _, was := before[i].ids[k]; !was {
					if _, ok := h.ids[k]; ok {
						return fmt.Errorf("node %d still holds a chunk of the replaced version", p.Index)
					}
				}
			}
			if h.usage.Chunks != int64(len(h.ids)) {
				return fmt.Errorf("node %d counts %d chunks, holds %d", p.Index, h.usage.Chunks, len(h.ids))
			}
		}
		return nil
	})
	t.Logf("the replaced version's %d chunks were freed", oldChunks)
	if oldChunks == 0 {
		t.Fatal("the replaced version took no chunk: the test shows nothing")
	}
	readBack(t, c, v2, newData)
	readBack(t, c, kept, keptData)
}
