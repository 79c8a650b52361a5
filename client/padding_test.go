package client_test

import (
	"bytes"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// Small files (and the last stripe of others) have data shards that hold
// only padding. Were the padding zeros, those shards would be one chunk
// shared by every such file of that shard size: a second client's PUT of
// it refused (the chunk is held under the first one's order) and the put
// failed, and removing one file deleted a shard of another. Found by the
// soak (seed 1: puts failed on "chunk held under another client's order",
// a 64-byte chunk of zeros). Every file's chunks are its own.
func TestSmallFilesShareNoChunk(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	a := clienttest.New(t, net, nil)
	b := clienttest.New(t, net, nil)
	small := []byte("ten bytes!")
	for _, name := range []string{"one", "two"} {
		if _, err := a.Put(ctxT(t), bytes.NewReader(small), int64(len(small)), client.PutOptions{Name: name}); err != nil {
			t.Fatalf("a: put %s: %v", name, err)
		}
	}
	ref, err := b.Put(ctxT(t), bytes.NewReader(small), int64(len(small)), client.PutOptions{Name: "three"})
	if err != nil {
		t.Fatalf("b: put of a small file beside another client's: %v", err)
	}
	if err := a.Remove(ctxT(t), "", "one"); err != nil {
		t.Fatal(err)
	}
	two, err := a.Resolve(ctxT(t), "", "two")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		name string
		c    *client.Client
		ref  manifest.Ref
	}{{"two", a, two}, {"three", b, ref}} {
		if got, err := get(t, r.c, r.ref); err != nil || !bytes.Equal(got, small) {
			t.Fatalf("read %s after removing one: %q, %v", r.name, got, err)
		}
		// Every holder of every shard still has it: none was deleted
		// with another file.
		f, err := r.c.Open(ctxT(t), r.ref)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		for _, st := range f.Manifest().Stripes {
			for _, sh := range st.Shards {
				for _, h := range sh.Holders {
					if !holds(t, net, h, sh.ID) {
						t.Errorf("%s: a holder of shard %s lost it", r.name, sh.ID)
					}
				}
			}
		}
	}
}

// holds reports whether the node whose binary peer ID is h holds chunk id.
func holds(t *testing.T, net *testnet.Network, h []byte, id cid.Cid) bool {
	t.Helper()
	p, err := peer.IDFromBytes(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range net.Nodes() {
		if q.ID == p {
			ok, err := q.Role().(*storage.Node).Storage().Store().Has(ctxT(t), id)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
	}
	t.Fatalf("holder %s is no node of the network", p)
	return false
}
