package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
	"github.com/scatterbytes/scatterbytes/p2p/metrics"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

// repairNet is a network whose epochs the test steps, with reachability
// forgetting factor lambda: a node is suspended after n missed epochs in
// a row where lambda^n < 0.6 (0.75: two). No spot checks run.
type repairNet struct {
	t     *testing.T
	net   *testnet.Network
	coord *coordinator.Coordinator
	clk   *nettest.SteppedClock
	start time.Time // of epoch `epoch`
	len   time.Duration
	epoch uint64 // the last epoch stepped to
}

func newRepairNet(t *testing.T, nodes int, lambda float64, configure ...func(int, *node.Config)) *repairNet {
	t.Helper()
	o := testnet.Options{Nodes: nodes, Epoch: 2 * time.Second}
	if len(configure) > 0 {
		o.Configure = configure[0]
	}
	return newRepairNetWith(t, o, lambda)
}

// newRepairNetWith is newRepairNet on a network with options o.
func newRepairNetWith(t *testing.T, o testnet.Options, lambda float64) *repairNet {
	t.Helper()
	clk := nettest.NewSteppedClock(time.Now())
	o = testclient.WithCoordinator(o, func(c *coordinator.Config) {
		c.Clock = clk
		c.SpotChecks = 0
		c.Reputation.ReachLambda = lambda
	})
	o = testclient.WithStorage(o)
	net := nettest.NewWith(t, o)
	c := net.Coordinator().Role().(*coordinator.Coordinator)
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	return &repairNet{t: t, net: net, coord: c, clk: clk, start: st.Start, len: st.Length, epoch: st.Epoch}
}

// step opens the next epoch and waits until the coordinator has every
// running node's proof of it and every running node has ended the repair
// pass that follows.
func (r *repairNet) step() {
	r.t.Helper()
	r.epoch++
	r.start = r.start.Add(r.len)
	r.clk.Set(r.start)
	e := r.epoch
	ctx, cancel := context.WithTimeout(r.t.Context(), 2*time.Minute)
	defer cancel()
	err := wait.For(ctx, func() error {
		vs, err := r.coord.Nodes()
		if err != nil {
			return err
		}
		last := map[string]uint64{}
		for _, v := range vs {
			last[v.Peer] = v.LastEpoch
		}
		for _, p := range r.net.Running()[1:] {
			if got := last[p.Node().ID().String()]; got < e {
				return fmt.Errorf("node %d: the coordinator has its proofs up to epoch %d, waiting for %d", p.Index, got, e)
			}
			s := storageOf(p)
			if got := s.Repairs().Epoch; got < e {
				return fmt.Errorf("node %d: last repair pass after epoch %d, waiting for %d (proofs: %d)", p.Index, got, e, s.Proofs())
			}
		}
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// held maps each chunk ID of the running nodes' stores to its holders,
// and keeps the orders found.
func (r *repairNet) held() (map[cid.Cid][]*testnet.Peer, map[cid.Cid]chunk.Order) {
	r.t.Helper()
	holders := map[cid.Cid][]*testnet.Peer{}
	orders := map[cid.Cid]chunk.Order{}
	for _, p := range r.net.Running()[1:] {
		err := storageOf(p).Store().Iterate(r.t.Context(), cid.Undef, func(i store.Info) error {
			holders[i.ID] = append(holders[i.ID], p)
			if o, err := chunk.UnmarshalOrder(i.Meta); err == nil {
				orders[i.ID] = o
			}
			return nil
		})
		if err != nil {
			r.t.Fatal(err)
		}
	}
	return holders, orders
}

// stripe returns the one stripe stored and its shards' holders.
func (r *repairNet) stripe() ([]cid.Cid, map[cid.Cid][]*testnet.Peer) {
	r.t.Helper()
	holders, orders := r.held()
	for _, o := range orders {
		if len(o.Stripe) > 0 {
			return o.Stripe, holders
		}
	}
	r.t.Fatal("no stripe stored")
	return nil, nil
}

func (r *repairNet) put(size int) ([]byte, manifest.Ref, *client.Client) {
	r.t.Helper()
	c := clienttest.New(r.t, r.net, func(c *client.Config) {
		c.Redundancy = "4+2"
		c.MaxShard = 256 << 10
	})
	data := make([]byte, size)
	rand.Read(data)
	ref, err := c.Put(r.t.Context(), bytes.NewReader(data), int64(size), client.PutOptions{Name: "f"})
	if err != nil {
		r.t.Fatal(err)
	}
	return data, ref, c
}

func readBack(t *testing.T, c *client.Client, ref manifest.Ref, want []byte) {
	t.Helper()
	rd, err := c.Open(t.Context(), ref)
	if err != nil {
		t.Fatalf("open after repair: %v", err)
	}
	defer rd.Close()
	got, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("read after repair: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, not the %d stored", len(got), len(want))
	}
}

func TestRepairRestoresLostShards(t *testing.T) {
	r := newRepairNet(t, 12, 0.75)
	data, ref, c := r.put(600 << 10) // one stripe of 4+2 shards of 150 KiB
	r.step()
	ids, holders := r.stripe()
	orig := map[peer.ID]bool{}
	for _, id := range ids {
		if len(holders[id]) != 1 {
			t.Fatalf("shard %s has %d holders before any loss, want 1", id, len(holders[id]))
		}
		orig[holders[id][0].Node().ID()] = true
	}
	// The client told every holder the stripe's placement.
	placed := map[cid.Cid]peer.ID{}
	for _, id := range ids {
		placed[id] = holders[id][0].Node().ID()
	}
	checkRecords(t, ids, holders, placed)
	// Two holders go; the file reads from the other four.
	lost := []*testnet.Peer{holders[ids[0]][0], holders[ids[4]][0]}
	for _, p := range lost {
		if err := p.Stop(); err != nil {
			t.Fatal(err)
		}
	}
	readBack(t, recordReader(t, r.net), ref, data)
	// Suspended after two missed epochs, settled one epoch later; then
	// one pass repairs. Eight epochs leave room for a pass that finds the
	// records of a new holder late.
	const bound = 8
	var back int
	for e := 1; e <= bound; e++ {
		r.step()
		h, _ := r.held()
		back = 0
		for _, id := range ids {
			if len(h[id]) > 0 {
				back++
			}
		}
		if back == len(ids) {
			t.Logf("every shard back %d epochs after the loss", e)
			break
		}
	}
	if back != len(ids) {
		t.Fatalf("%d of %d shards held after %d epochs, want all", back, len(ids), bound)
	}
	h, orders := r.held()
	var rebuilt int64
	for _, id := range ids {
		for _, p := range h[id] {
			if orig[p.Node().ID()] && p != holders[id][0] {
				t.Errorf("shard %s rebuilt on %s, which holds another shard of the stripe", id, p.Node().ID())
			}
		}
		if o := orders[id]; !o.Covers(id) || o.Client != orders[ids[1]].Client {
			t.Errorf("shard %s kept under order %+v, not the client's", id, o)
		}
	}
	for _, p := range r.net.Running()[1:] {
		st := storageOf(p).Repairs()
		rebuilt += st.Rebuilt
		if st.Corrupt != 0 {
			t.Errorf("node %d found %d corrupt shards", p.Index, st.Corrupt)
		}
	}
	if rebuilt < 2 {
		t.Fatalf("%d shards rebuilt, want at least the 2 lost", rebuilt)
	}
	// The repair found the holders in its records, and told every holder,
	// the new ones included, where the rebuilt shards went.
	noProviderLookups(t, r.net)
	checkRecords(t, ids, h, map[cid.Cid]peer.ID{ids[0]: h[ids[0]][0].Node().ID(), ids[4]: h[ids[4]][0].Node().ID()})
	// The operator sees the same on /metrics and the dashboard's view.
	var scraped float64
	var shown int64
	for _, p := range r.net.Running()[1:] {
		fams, err := metrics.Scrape(storageOf(p).Metrics().Handler())
		if err != nil {
			t.Fatal(err)
		}
		scraped += fams.Value("scatterbytes_repair_shards_rebuilt_total", nil)
		v, err := storageOf(p).View(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		shown += v.Upkeep.Rebuilt
	}
	if int64(scraped) != rebuilt || shown != rebuilt {
		t.Errorf("%d shards rebuilt; /metrics says %v, the dashboard %d", rebuilt, scraped, shown)
	}
	// Every rebuilt shard hashes to its ID (the store checks on PUT; read
	// them back to be sure).
	for _, id := range ids {
		for _, p := range h[id] {
			rc, err := storageOf(p).Store().Get(t.Context(), id, 0, -1)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if !store.Sum(b).Equals(id) {
				t.Fatalf("node %d holds shard %s with bytes that hash to %s", p.Index, id, store.Sum(b))
			}
		}
	}
	// Now two more of the original holders go: the file reads back from
	// the two originals left and the rebuilt shards, which no manifest
	// lists and a reader finds in the stripe's placement record.
	var more int
	for _, id := range ids[1:] {
		p := holders[id][0]
		if more < 2 && p.Node() != nil {
			if err := p.Stop(); err != nil {
				t.Fatal(err)
			}
			more++
		}
	}
	readBack(t, c, ref, data)
	fresh := recordReader(t, r.net)
	readBack(t, fresh, ref, data)
	if st := fresh.Stats(); st.PlacementsRead.Load() == 0 {
		t.Errorf("a fresh reader read the file without the stripe's placement record")
	}
	// The owner removes the file: the rebuilt shards go too, though only
	// the stripe's record names their holders. (The stopped holders keep
	// theirs until the order expires.)
	if err := c.Remove(t.Context(), "", "f"); err != nil {
		t.Fatal(err)
	}
	after, _ := r.held()
	for _, id := range ids {
		for _, p := range after[id] {
			t.Errorf("node %d still holds shard %s of the removed file", p.Index, id)
		}
	}
}

// The designated repairer's own shard rotted on its disk: it finds out
// (the bytes no longer hash to the ID) and rebuilds from the other shards.
func TestRepairSkipsACorruptShard(t *testing.T) {
	r := newRepairNet(t, 8, 0.75)
	data, ref, c := r.put(600 << 10)
	r.step()
	ids, holders := r.stripe()
	// Shard 0's holder goes: the repairer is then shard 1's holder, the
	// healthy holder of the first member that has one.
	if err := holders[ids[0]][0].Stop(); err != nil {
		t.Fatal(err)
	}
	repairer := holders[ids[1]][0]
	corrupt(t, repairer, ids[1])
	const bound = 8
	for e := 1; e <= bound; e++ {
		r.step()
		if h, _ := r.held(); len(h[ids[0]]) > 0 {
			break
		}
	}
	h, _ := r.held()
	if len(h[ids[0]]) == 0 {
		t.Fatalf("shard 0 not rebuilt within %d epochs: repairer %+v", bound, storageOf(repairer).Repairs())
	}
	st := storageOf(repairer).Repairs()
	if st.Corrupt == 0 || st.Rebuilt == 0 {
		t.Fatalf("repairer stats %+v: want its corrupt shard found and shard 0 rebuilt", st)
	}
	for _, p := range h[ids[0]] {
		rc, err := storageOf(p).Store().Get(t.Context(), ids[0], 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !store.Sum(b).Equals(ids[0]) {
			t.Fatalf("rebuilt shard 0 on node %d hashes to %s", p.Index, store.Sum(b))
		}
	}
	readBack(t, c, ref, data)
}

// corrupt flips the last byte of chunk id in p's disk store, behind the
// store's back.
func corrupt(t *testing.T, p *testnet.Peer, id cid.Cid) {
	t.Helper()
	var path string
	err := filepath.WalkDir(filepath.Join(p.Dir, storage.ChunksDir), func(f string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == id.String() {
			path = f
		}
		return err
	})
	if err != nil || path == "" {
		t.Fatalf("chunk file of %s on node %d: %v", id, p.Index, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestNoRepairWithinGrace(t *testing.T) {
	// λ = 0.85 suspends after four missed epochs (0.85⁴ = 0.52 < 0.6).
	r := newRepairNet(t, 8, 0.85)
	data, ref, c := r.put(600 << 10)
	r.step()
	ids, holders := r.stripe()
	away := holders[ids[2]][0]
	id := away.Node().ID()
	if err := away.Stop(); err != nil {
		t.Fatal(err)
	}
	// Away through three epochs: the first is missed for sure (a proof is
	// taken until the end of the epoch after its own), the second may be
	// proved late, the third will be; either way under the four that
	// suspend.
	r.step()
	r.step()
	r.step()
	if err := away.Start(); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		r.step()
	}
	vs, err := r.coord.Nodes()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Peer == id.String() && (v.Missed == 0 || v.State == reputation.Suspended || v.State == reputation.Disqualified) {
			t.Fatalf("the node away: %d epochs missed, state %v; want some missed and not suspended", v.Missed, v.State)
		}
	}
	h, _ := r.held()
	for _, id := range ids {
		if len(h[id]) != 1 || h[id][0] != holders[id][0] {
			t.Errorf("shard %s held by %d nodes after a short absence, want its one original holder", id, len(h[id]))
		}
	}
	for _, p := range r.net.Running()[1:] {
		if st := storageOf(p).Repairs(); st.Rebuilt != 0 || st.Endangered != 0 {
			t.Errorf("node %d repaired within the grace period: %+v", p.Index, st)
		}
	}
	readBack(t, c, ref, data)
}
