package shard_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

// fetchBack reads every shard from its holder and compares it.
func fetchBack(t *testing.T, sn *shard.Net, shards [][]byte, ids []cid.Cid, holders []peer.ID) {
	t.Helper()
	for j, id := range ids {
		got, err := sn.Fetch(ctxT(t), shard.Ref{ID: id, Holders: [][]byte{[]byte(holders[j])}}, make([]byte, len(shards[j])))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, shards[j]) {
			t.Fatalf("shard %d differs from the upload", j)
		}
	}
}

func TestRefusalTeachesTheSpaceCache(t *testing.T) {
	const x = 7 // the node that fills up behind the Net's back
	net := networkWith(t, 7, map[int]int64{x: 4 << 20})
	xp := net.Peer(x)
	sn, n := newNet(t, net)
	routesToAll(t, n, net)
	first, firstIDs := stripe(t, 6, 16<<10)
	firstHolders, err := sn.PutStripe(ctxT(t), first, firstIDs, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if counts(xp).Space == 0 {
		t.Fatal("the node was never asked for its space")
	}

	// Fill the node through its store, leaving less than any chunk needs
	// (a few hundred bytes, the file header taken): the Net's cache still
	// says there is room.
	st := xp.Role().(*storage.Node).Storage().Store()
	filler := random(t, int(usage(t, xp).Free()-600))
	if err := st.Put(ctxT(t), store.Sum(filler), int64(len(filler)), bytes.NewReader(filler), nil); err != nil {
		t.Fatal(err)
	}
	if free := usage(t, xp).Free(); free >= 1<<10 {
		t.Fatalf("%d bytes left on the filled node", free)
	}
	before := counts(xp)

	// 5+2 needs all seven nodes, so the Net must try the full one: it is
	// refused, and with no spare the placement fails.
	second, secondIDs := stripe(t, 7, 40<<10)
	_, err = sn.PutStripe(ctxT(t), second, secondIDs, 5, 2)
	if !errors.Is(err, shard.ErrNotEnoughNodes) || !errors.Is(err, shard.ErrNoSpace) {
		t.Fatalf("5+2 with a full node among seven: %v, want ErrNotEnoughNodes and ErrNoSpace", err)
	}
	after := counts(xp)
	if after.Put != before.Put+1 || after.Space != before.Space {
		t.Fatalf("the full node got %d PUTs and %d probes; want 1 PUT (the cache said there was room) and no probe",
			after.Put-before.Put, after.Space-before.Space)
	}

	// The refusal taught the cache: the node is no candidate for a shard
	// any more, and nobody asks it again.
	cands, err := sn.Candidates(ctxT(t), store.Sum([]byte("any key")).KeyString(), 1, 40<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cands, xp.ID) || len(cands) != 6 {
		t.Fatalf("candidates %v: want the six nodes with room, not %s", cands, xp.ID)
	}
	_, err = sn.Candidates(ctxT(t), store.Sum([]byte("any key")).KeyString(), 7, 40<<10, nil)
	if !errors.Is(err, shard.ErrNotEnoughNodes) || !errors.Is(err, shard.ErrNoSpace) {
		t.Fatalf("seven candidates with room among seven nodes, one full: %v, want ErrNotEnoughNodes and ErrNoSpace", err)
	}
	third, thirdIDs := stripe(t, 6, 40<<10)
	thirdHolders, err := sn.PutStripe(ctxT(t), third, thirdIDs, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(xp); got != after {
		t.Fatalf("the full node was asked %+v after the refusal, before %+v", got, after)
	}
	fetchBack(t, sn, first, firstIDs, firstHolders)
	fetchBack(t, sn, third, thirdIDs, thirdHolders)
}

func TestCandidatesProbeOnceAndTryTheUnaskableLast(t *testing.T) {
	const mute = 6 // serves no chunk protocol: cannot say its space
	net := networkWith(t, 6, map[int]int64{mute: bare})
	sn, n := newNet(t, net)
	routesToAll(t, n, net)
	asked := func() (n int64) {
		for _, p := range net.Nodes() {
			if p.Index != mute {
				n += counts(p).Space
			}
		}
		return n
	}
	for i, key := range []string{"one", "two", "three"} {
		cands, err := sn.Candidates(ctxT(t), store.Sum([]byte(key)).KeyString(), 6, 1<<20, nil)
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
	if _, err := sn.Candidates(ctxT(t), "read", 0, 0, nil); err != nil {
		t.Fatal(err)
	}
	if got := asked(); got != 5 {
		t.Fatalf("a read's candidates asked for space (%d probes)", got-5)
	}
}

func TestPutAnswerUpdatesTheSpaceCache(t *testing.T) {
	const x = 7 // room for one shard of the stripe below, not two
	net := networkWith(t, 7, map[int]int64{x: 60 << 10})
	xp := net.Peer(x)
	sn, n := newNet(t, net)
	routesToAll(t, n, net)
	// 5+2 on seven nodes puts a shard (40 KiB) on every node.
	shards, ids := stripe(t, 7, 40<<10)
	holders, err := sn.PutStripe(ctxT(t), shards, ids, 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	before := counts(xp)
	if before.Space != 1 || usage(t, xp).Chunks == 0 {
		t.Fatalf("node asked %+v and holding %d chunks; want one probe and a shard", before, usage(t, xp).Chunks)
	}
	// The PUT's answer said how little room is left: no second shard goes
	// there, and nobody asks.
	cands, err := sn.Candidates(ctxT(t), store.Sum([]byte("any key")).KeyString(), 1, 40<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cands, xp.ID) {
		t.Fatalf("candidates %v include %s, which has %d bytes free", cands, xp.ID, usage(t, xp).Free())
	}
	if got := counts(xp); got != before {
		t.Fatalf("the node was asked %+v, before %+v", got, before)
	}
	fetchBack(t, sn, shards, ids, holders)
}

// A chunk the size of a small file's manifest is placed without asking
// anyone for space first: a refused PUT costs what the probe would have.
func TestSmallChunkIsNotProbed(t *testing.T) {
	net := networkWith(t, 6, nil)
	sn, n := newNet(t, net)
	routesToAll(t, n, net)
	small := random(t, 2<<10)
	id := store.Sum(small)
	if _, err := sn.Replicate(ctxT(t), id, small, 4, 1, 3); err != nil {
		t.Fatal(err)
	}
	for _, p := range net.Running()[1:] {
		if c := counts(p); c.Space != 0 {
			t.Fatalf("node %d was asked for its space %d times before a %d-byte chunk", p.Index, c.Space, len(small))
		}
	}
}
