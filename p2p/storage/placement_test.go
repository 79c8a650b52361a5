package storage_test

import (
	"fmt"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/placement"
	"github.com/scatterbytes/scatterbytes/store"
)

// The placement records' part of TestRepairRestoresLostShards: the
// stripe's records alone find its holders. A download after two holders
// go, the repair that follows and a download that needs the rebuilt
// shards (which no manifest lists) make no DHT provider lookup: the
// readers may make none, and the nodes count none.

// recordOn is the placement record p keeps of the stripe ids.
func recordOn(t *testing.T, p *testnet.Peer, ids []cid.Cid) placement.Record {
	t.Helper()
	rec, ok, err := storageOf(p).Placements().Get(t.Context(), placement.KeyOf(ids))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("node %d holds a shard of the stripe and keeps no placement record of it", p.Index)
	}
	return rec
}

// checkRecords checks that every holder in h of a shard of ids keeps a
// record naming want[id] among the holders of each shard id.
func checkRecords(t *testing.T, ids []cid.Cid, h map[cid.Cid][]*testnet.Peer, want map[cid.Cid]peer.ID) {
	t.Helper()
	for _, id := range ids {
		for _, p := range h[id] {
			rec := recordOn(t, p, ids)
			for m, w := range want {
				found := false
				for _, q := range rec.Of(rec.Index(m)) {
					found = found || q == w
				}
				if !found {
					t.Errorf("node %d's record names %v for %s, not %s", p.Index, rec.Of(rec.Index(m)), m, w)
				}
			}
		}
	}
}

// noProviderLookups fails the test if a running node made a provider
// lookup for a stripe's member.
func noProviderLookups(t *testing.T, net *testnet.Network) {
	t.Helper()
	for _, p := range net.Running()[1:] {
		if n := storageOf(p).ProviderLookups(); n != 0 {
			t.Errorf("node %d made %d DHT provider lookups; the placement records should have done", p.Index, n)
		}
	}
}

// recordReader is a client that makes no DHT provider lookups.
func recordReader(t *testing.T, net *testnet.Network) *client.Client {
	return clienttest.New(t, net, func(c *client.Config) { c.NoProviderLookups = true })
}

// recordsMatchHoldings checks that p keeps a placement record of exactly
// the stripes it holds a member of.
func recordsMatchHoldings(t *testing.T, p *testnet.Peer) error {
	t.Helper()
	held := map[placement.Key]bool{}
	err := storageOf(p).Store().Iterate(t.Context(), cid.Undef, func(i store.Info) error {
		if o, err := chunk.UnmarshalOrder(i.Meta); err == nil && len(o.Stripe) > 0 {
			held[placement.KeyOf(o.Stripe)] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	kept := map[placement.Key]bool{}
	err = storageOf(p).Placements().Each(t.Context(), func(r placement.Record) error {
		kept[r.Key()] = true
		return nil
	})
	if err != nil {
		return err
	}
	if len(kept) != len(held) {
		return fmt.Errorf("node %d keeps %d placement records, holds members of %d stripes", p.Index, len(kept), len(held))
	}
	for k := range held {
		if !kept[k] {
			return fmt.Errorf("node %d keeps no record of a stripe it holds a member of", p.Index)
		}
	}
	return nil
}
