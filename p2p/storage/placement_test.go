package storage_test

import (
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/placement"
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
