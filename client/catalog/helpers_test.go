package catalog

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/store"
)

func testMaster(t testing.TB, b byte) keys.MasterKey {
	t.Helper()
	k, err := keys.MasterKeyFromBytes(bytes.Repeat([]byte{b}, keys.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// openTest opens a catalog in dir (a fresh temporary one if empty) and
// closes it when the test ends.
func openTest(t testing.TB, dir string, mk keys.MasterKey) *Catalog {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	c, err := Open(dir, mk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testRef returns a deterministic reference distinct for each seed.
func testRef(t testing.TB, seed string) manifest.Ref {
	t.Helper()
	k, err := keys.FileKeyFromBytes(bytes.Repeat([]byte{byte(len(seed)) | 0x80}, keys.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return manifest.Ref{Manifest: store.Sum([]byte(seed)), Key: k}
}

func testEntry(t testing.TB, volume, name string) Entry {
	t.Helper()
	return Entry{
		Volume:     volume,
		Name:       name,
		Ref:        testRef(t, volume+"/"+name),
		Size:       int64(len(name)) * 1000,
		Redundancy: "4+2",
		Created:    time.UnixMilli(1767225600123).UTC(),
	}
}

func mustPut(t testing.TB, c *Catalog, es ...Entry) {
	t.Helper()
	for _, e := range es {
		if err := c.Put(context.Background(), e); err != nil {
			t.Fatalf("put %s/%s: %v", e.Volume, e.Name, err)
		}
	}
}

// sameEntry reports how a and b differ, or "" if they do not.
func sameEntry(a, b Entry) string {
	switch {
	case a.Volume != b.Volume || a.Name != b.Name:
		return fmt.Sprintf("name %s/%s, want %s/%s", a.Volume, a.Name, b.Volume, b.Name)
	case !a.Ref.Manifest.Equals(b.Ref.Manifest) || !a.Ref.Key.Equal(b.Ref.Key):
		return fmt.Sprintf("ref %v, want %v", a.Ref, b.Ref)
	case a.Size != b.Size || a.Redundancy != b.Redundancy:
		return fmt.Sprintf("size %d %s, want %d %s", a.Size, a.Redundancy, b.Size, b.Redundancy)
	case !a.Created.Equal(b.Created):
		return fmt.Sprintf("created %v, want %v", a.Created, b.Created)
	case !slices.Equal(a.RootHolders, b.RootHolders):
		return fmt.Sprintf("root holders %v, want %v", a.RootHolders, b.RootHolders)
	}
	return ""
}

func names(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Volume+"/"+e.Name)
	}
	return out
}

// testPeer returns the peer ID of an Ed25519 key made from seed.
func testPeer(t testing.TB, seed byte) peer.ID {
	t.Helper()
	_, pub, err := crypto.GenerateEd25519Key(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
