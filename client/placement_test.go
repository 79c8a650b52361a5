package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

// bare marks a node in capacities that runs no storage service at all.
const bare = -1

// networkWith starts n storage nodes; node i (1..n) gets capacities[i]
// bytes of disk store when listed (bare: no store, no chunk protocol),
// the harness's default otherwise.
func networkWith(t *testing.T, n int, capacities map[int]int64) *testnet.Network {
	t.Helper()
	o := testclient.WithStorage(testnet.Options{Nodes: n})
	o.Storage = func(ctx context.Context, cfg node.Config, capacity int64) (testnet.Role, error) {
		var i int
		fmt.Sscanf(filepath.Base(cfg.Dir), "node%d", &i)
		switch c, ok := capacities[i]; {
		case c == bare:
			n, err := node.New(ctx, cfg)
			if err != nil {
				return nil, err
			}
			return testnet.Bare(n), nil
		case ok:
			capacity = c
		}
		return storage.New(ctx, cfg, storage.Config{Capacity: capacity, Logger: cfg.Logger})
	}
	return nettest.NewWith(t, o)
}

// counts is what node p was asked over the chunk protocol.
func counts(p *testnet.Peer) chunk.Counts {
	return p.Role().(*storage.Node).Storage().ChunkService().Counts()
}

func usage(t *testing.T, p *testnet.Peer) store.Usage {
	t.Helper()
	u, err := p.Role().(*storage.Node).Storage().Store().Usage(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// storedChunks is how many chunks the storage nodes of net hold together.
func storedChunks(t *testing.T, net *testnet.Network) (n int64) {
	t.Helper()
	for _, p := range net.Nodes() {
		n += usage(t, p).Chunks
	}
	return n
}

// routesToAll waits until c's routing table holds every peer of net, so
// that every node is a candidate.
func routesToAll(t *testing.T, c *client.Client, net *testnet.Network) {
	t.Helper()
	err := wait.For(ctxT(t), func() error {
		if got, want := c.Node().DHT().RoutingTable().Size(), len(net.Peers()); got < want {
			return fmt.Errorf("client routes to %d peers, want %d", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestFullNodesGetNoPut(t *testing.T) {
	const (
		full  = 1         // nothing fits, not even a manifest chunk
		small = 2         // a manifest chunk fits, a shard does not
		shard = 128 << 10 // MaxShard below
		room  = shard * 3 / 4
	)
	// 256 bytes hold no chunk: a file header with its order is more.
	net := networkWith(t, 8, map[int]int64{full: 256, small: room})
	c := clienttest.New(t, net, func(cfg *client.Config) { cfg.MaxShard = shard })
	routesToAll(t, c, net)
	data := random(t, 2<<20) // several stripes of 4+2: every node would be picked
	ref := put(t, c, data, "4+2")

	f, err := c.Open(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := f.Manifest().Layout()
	if ss := l.ShardSize; ss <= room {
		t.Fatalf("shards of %d bytes fit the small node's %d: the test tests nothing", ss, room)
	}
	tight := map[peer.ID]*testnet.Peer{net.Peer(full).ID: net.Peer(full), net.Peer(small).ID: net.Peer(small)}
	for i, st := range holdersOf(t, c, ref) {
		for _, p := range st {
			// The last stripe's shards may be small enough for the small node.
			if tight[p] == net.Peer(full) || (tight[p] != nil && l.Stripe(i).ShardSize > room) {
				t.Fatalf("stripe %d has a %d-byte shard on node %d, which has no room for it",
					i, l.Stripe(i).ShardSize, tight[p].Index)
			}
		}
	}
	if n := counts(net.Peer(full)).Put; n != 0 {
		t.Fatalf("the full node got %d PUTs", n)
	}
	for _, p := range tight {
		n := counts(p)
		if stored := usage(t, p).Chunks; n.Put != stored {
			t.Fatalf("node %d got %d PUTs and stores %d chunks: it was sent chunks it had no room for", p.Index, n.Put, stored)
		}
		if n.Space == 0 {
			t.Fatalf("node %d was never asked for its space: it was no candidate and the test tests nothing", p.Index)
		}
	}
	got, err := get(t, c, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("download differs from the upload")
	}
}

func TestRefusalTeachesTheSpaceCache(t *testing.T) {
	const x = 7 // the node that fills up behind the client's back
	net := networkWith(t, 7, map[int]int64{x: 4 << 20})
	xp := net.Peer(x)
	c := clienttest.New(t, net, nil)
	routesToAll(t, c, net)
	first := random(t, 64<<10)
	ref1 := put(t, c, first, "4+2")
	if counts(xp).Space == 0 {
		t.Fatal("the node was never asked for its space")
	}

	// Fill the node through its store, leaving less than any chunk needs
	// (a few hundred bytes, the file header taken): the client's cache
	// still says there is room.
	st := xp.Role().(*storage.Node).Storage().Store()
	filler := random(t, int(usage(t, xp).Free()-600))
	if err := st.Put(ctxT(t), store.Sum(filler), int64(len(filler)), bytes.NewReader(filler), nil); err != nil {
		t.Fatal(err)
	}
	if free := usage(t, xp).Free(); free >= 1<<10 {
		t.Fatalf("%d bytes left on the filled node", free)
	}
	before := counts(xp)

	// 5+2 needs all seven nodes, so the client must try the full one: it
	// is refused, and with no spare the upload fails.
	second := random(t, 200<<10)
	_, err := c.Put(ctxT(t), bytes.NewReader(second), int64(len(second)), client.PutOptions{Redundancy: "5+2"})
	if !errors.Is(err, client.ErrNotEnoughNodes) {
		t.Fatalf("5+2 with a full node among seven: %v, want ErrNotEnoughNodes", err)
	}
	after := counts(xp)
	if after.Put != before.Put+1 || after.Space != before.Space {
		t.Fatalf("the full node got %d PUTs and %d probes; want 1 PUT (the cache said there was room) and no probe",
			after.Put-before.Put, after.Space-before.Space)
	}

	// The refusal taught the cache: the node is no candidate for a shard
	// any more, and nobody asks it again.
	cands, err := c.Candidates(ctxT(t), store.Sum([]byte("any key")).KeyString(), 1, 40<<10)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cands, xp.ID) || len(cands) != 6 {
		t.Fatalf("candidates %v: want the six nodes with room, not %s", cands, xp.ID)
	}
	ref3 := put(t, c, second, "4+2")
	if got := counts(xp); got != after {
		t.Fatalf("the full node was asked %+v after the refusal, before %+v", got, after)
	}
	for _, tc := range []struct {
		ref  manifest.Ref
		data []byte
	}{{ref1, first}, {ref3, second}} {
		got, err := get(t, c, tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, tc.data) {
			t.Fatal("download differs from the upload")
		}
	}
}

func TestCandidatesProbeOnceAndTryTheUnaskableLast(t *testing.T) {
	const mute = 6 // serves no chunk protocol: cannot say its space
	net := networkWith(t, 6, map[int]int64{mute: bare})
	c := clienttest.New(t, net, nil)
	routesToAll(t, c, net)
	asked := func() (n int64) {
		for _, p := range net.Nodes() {
			if p.Index != mute {
				n += counts(p).Space
			}
		}
		return n
	}
	for i, key := range []string{"one", "two", "three"} {
		cands, err := c.Candidates(ctxT(t), store.Sum([]byte(key)).KeyString(), 6, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(cands) != 6 || cands[5] != net.Peer(mute).ID {
			t.Fatalf("candidates %v: want all six, the mute node %s last", cands, net.Peer(mute).ID)
		}
		if got := asked(); got != 5 {
			t.Fatalf("after %d placements the nodes were asked %d times; want once each (5)", i+1, got)
		}
	}
	if _, err := c.Candidates(ctxT(t), "read", 0, 0); err != nil {
		t.Fatal(err)
	}
	if got := asked(); got != 5 {
		t.Fatalf("a read's candidates asked for space (%d probes)", got-5)
	}
}

func TestPutAnswerUpdatesTheSpaceCache(t *testing.T) {
	const x = 7 // room for one shard of the file below, not two
	net := networkWith(t, 7, map[int]int64{x: 60 << 10})
	xp := net.Peer(x)
	c := clienttest.New(t, net, nil)
	routesToAll(t, c, net)
	// 5+2 on seven nodes puts a shard (about 40 KiB) on every node.
	data := random(t, 200<<10)
	ref := put(t, c, data, "5+2")
	before := counts(xp)
	if before.Space != 1 || usage(t, xp).Chunks == 0 {
		t.Fatalf("node asked %+v and holding %d chunks; want one probe and a shard", before, usage(t, xp).Chunks)
	}
	// The PUT's answer said how little room is left: no second shard goes
	// there, and nobody asks.
	cands, err := c.Candidates(ctxT(t), store.Sum([]byte("any key")).KeyString(), 1, 40<<10)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cands, xp.ID) {
		t.Fatalf("candidates %v include %s, which has %d bytes free", cands, xp.ID, usage(t, xp).Free())
	}
	if got := counts(xp); got != before {
		t.Fatalf("the node was asked %+v, before %+v", got, before)
	}
	got, err := get(t, c, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("download differs from the upload")
	}
}
