package shard_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/store"
)

// TestFetchStripeLosingHolders fetches one 4+2 stripe whole, then with a
// data and a parity holder gone (decoded into the caller's buffer), then
// with a third gone: unavailable, and said so rather than waited on.
func TestFetchStripeLosingHolders(t *testing.T) {
	net := networkWith(t, 6, nil)
	sn, n := newNet(t, net)
	routesToAll(t, n, net)
	data := random(t, 200<<10)
	l, err := erasure.NewLayout(4, 2, int64(len(data)), 0)
	if err != nil {
		t.Fatal(err)
	}
	coder, err := erasure.NewCoder(l)
	if err != nil {
		t.Fatal(err)
	}
	shards, err := coder.Encode(0, data)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]cid.Cid, len(shards))
	for j, s := range shards {
		ids[j] = store.Sum(s)
	}
	holders, err := sn.PutStripe(ctxT(t), shards, ids, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	refs := make([]shard.Ref, len(ids))
	for j := range ids {
		refs[j] = shard.Ref{ID: ids[j], Holders: [][]byte{[]byte(holders[j])}}
	}
	stop := func(j int) {
		t.Helper()
		for _, p := range net.Nodes() {
			if p.ID == holders[j] {
				if err := p.Stop(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	buf := make([]byte, l.StripeBufferSize())
	// With all holders there, whether a parity shard is fetched in place of
	// a data shard (and the stripe decoded) depends on the holders' round
	// trip times, which load moves (TestShardChoice holds that choice on a
	// fake clock); with a data holder gone, exactly one decode must happen.
	for _, step := range []struct {
		name   string
		stop   int // a holder to stop first; -1: none
		decode bool
	}{{"all there", -1, false}, {"a data holder gone", 1, true}, {"and a parity holder", 4, true}} {
		if step.stop >= 0 {
			stop(step.stop)
		}
		before := sn.Stats().StripesDecoded.Load()
		got, err := sn.FetchStripe(ctxT(t), coder, 0, refs, buf)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if !bytes.Equal(got, data) || &got[0] != &buf[0] {
			t.Fatalf("%s: stripe differs, or is not in the caller's buffer", step.name)
		}
		if d := sn.Stats().StripesDecoded.Load() - before; step.decode && d != 1 {
			t.Fatalf("%s: %d stripes decoded, want 1", step.name, d)
		}
	}
	stop(2)
	if _, err := sn.FetchStripe(ctxT(t), coder, 0, refs, buf); !errors.Is(err, shard.ErrUnavailable) {
		t.Fatalf("three of six shards gone: %v, want ErrUnavailable", err)
	}
}
