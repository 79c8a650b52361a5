package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/manifest"
	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, c *client.Client, data []byte, red string) manifest.Ref {
	t.Helper()
	ref, err := c.Put(ctxT(t), bytes.NewReader(data), int64(len(data)), client.PutOptions{Redundancy: red})
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func get(t *testing.T, c *client.Client, ref manifest.Ref) ([]byte, error) {
	t.Helper()
	f, err := c.Open(ctxT(t), ref)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out bytes.Buffer
	_, err = f.WriteTo(&out)
	return out.Bytes(), err
}

// holdersOf returns, per stripe, the peers holding its shards.
func holdersOf(t *testing.T, c *client.Client, ref manifest.Ref) [][]peer.ID {
	t.Helper()
	f, err := c.Open(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]peer.ID
	for _, st := range f.Manifest().Stripes {
		var ps []peer.ID
		for _, s := range st.Shards {
			p, _ := peer.IDFromBytes(s.Holders[0])
			ps = append(ps, p)
		}
		out = append(out, ps)
	}
	return out
}

func TestDownloadSurvivesTwoLostHolders(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, nil)
	data := random(t, 40<<20+12345) // 3 stripes of 4+2
	ref := put(t, c, data, "4+2")
	stripes := holdersOf(t, c, ref)
	// Stop 2 holders of every stripe: with 6 nodes each stripe uses all of
	// them, so stopping two nodes takes 2 shards from every stripe.
	victims := map[peer.ID]bool{stripes[0][0]: true, stripes[0][3]: true}
	decode := int64(0) // stripes that lose a data shard
	for _, st := range stripes {
		lost, lostData := 0, false
		for j, p := range st {
			if victims[p] {
				lost++
				lostData = lostData || j < 4
			}
		}
		if lostData {
			decode++
		}
		if lost != 2 {
			t.Fatalf("stripe loses %d shards, want 2 (holders %v)", lost, st)
		}
	}
	for _, p := range net.Nodes() {
		if victims[p.ID] {
			if err := p.Stop(); err != nil {
				t.Fatal(err)
			}
		}
	}
	fresh := clienttest.New(t, net, nil) // no cached connections
	got, err := get(t, fresh, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("download differs from the upload")
	}
	if n := fresh.Stats().StripesDecoded.Load(); n != decode {
		t.Fatalf("%d stripes decoded from parity, want %d", n, decode)
	}
}

func TestCorruptShardIsDetectedAndReplaced(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, nil)
	data := random(t, 3<<20)
	ref := put(t, c, data, "4+2")
	bad := holdersOf(t, c, ref)[0][0] // holds data shard 0: fetched first
	var node *testnet.Peer
	for _, p := range net.Nodes() {
		if p.ID == bad {
			node = p
		}
	}
	// Flip the last byte of every chunk file on that node.
	flipped := 0
	filepath.WalkDir(filepath.Join(node.Dir, "chunks"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(path, "index") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil || len(b) < 8 || string(b[:4]) != "SBch" {
			return nil
		}
		b[len(b)-1] ^= 0xff
		flipped++
		return os.WriteFile(path, b, 0o600)
	})
	if flipped == 0 {
		t.Fatal("found no chunk file to corrupt")
	}
	c2 := clienttest.New(t, net, nil)
	got, err := get(t, c2, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("download differs from the upload")
	}
	// The node finds shard 0 corrupt while sending it whole and
	// quarantines it there and then, without a scrub or a restart. The
	// download above may not have read shard 0 to its end there (under
	// load its race may take another shard first and cancel that read),
	// so a whole GET of it is asked for here too: it must fail.
	st := node.Role().(*storage.Node).Storage().Store()
	id := firstShard(t, c, ref)
	if _, err := st.Stat(ctxT(t), id); !errors.Is(err, store.ErrCorrupt) {
		cc := chunk.Client{Protocol: net.Profile.Protocol("chunk", "1.0.0")}
		r, err := cc.Get(ctxT(t), c2.Node().Host(), node.ID, id, 0, -1)
		if err == nil {
			_, err = io.Copy(io.Discard, chunk.NewVerifyingReader(r, id))
			r.Close()
		}
		if err == nil {
			t.Fatal("a whole GET of the corrupt shard succeeded")
		}
	}
	err = wait.For(ctxT(t), func() error {
		if _, err := st.Stat(ctxT(t), id); !errors.Is(err, store.ErrCorrupt) {
			return fmt.Errorf("Stat of the corrupt shard on its holder = %v, want ErrCorrupt", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// firstShard returns the ID of the first shard of the file's first stripe.
func firstShard(t *testing.T, c *client.Client, ref manifest.Ref) cid.Cid {
	t.Helper()
	f, err := c.Open(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return f.Manifest().Stripes[0].Shards[0].ID
}

func TestWrongKeyOrTamperedManifestWritesNothing(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, nil)
	ref := put(t, c, random(t, 200<<10), "4+2")

	wrong := manifest.Ref{Manifest: ref.Manifest, Key: keys.NewFileKey()}
	if _, err := c.Open(ctxT(t), wrong); !errors.Is(err, manifest.ErrBadManifest) {
		t.Fatalf("wrong key: Open = %v, want ErrBadManifest", err)
	}
	// A reference whose manifest CID names other bytes (here: a data
	// shard) is refused too, and nothing is written.
	f, err := c.Open(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	shard := f.Manifest().Stripes[0].Shards[0].ID
	f.Close()
	tampered := manifest.Ref{Manifest: shard, Key: ref.Key}
	if _, err := c.Open(ctxT(t), tampered); !errors.Is(err, manifest.ErrBadManifest) {
		t.Fatalf("tampered manifest: Open = %v, want ErrBadManifest", err)
	}
	if _, err := c.Open(ctxT(t), wrong); err == nil || !strings.Contains(err.Error(), "manifest") {
		t.Fatalf("wrong key error does not say what failed: %v", err)
	}
}

func TestRangeReadsAtEdges(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, func(cfg *client.Config) { cfg.MaxShard = 256 << 10 }) // many stripes
	data := random(t, 3<<20+777)
	ref := put(t, c, data, "4+2")
	f, err := c.Open(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seg, stripe := int64(stream.SegmentSize), f.Manifest().ShardSize*4
	size := int64(len(data))
	type rng struct{ off, n int64 }
	var cases []rng
	for _, edge := range []int64{0, seg, 2 * seg, stripe, 2 * stripe, size} {
		for _, d := range []int64{-1, 0, 1} {
			for _, n := range []int64{1, 17, seg, seg + 1, stripe + 3} {
				off := edge + d
				if off < 0 || off >= size {
					continue
				}
				cases = append(cases, rng{off, min(n, size-off)})
			}
		}
	}
	for _, r := range cases {
		p := make([]byte, r.n)
		got, err := f.ReadAt(p, r.off)
		if err != nil && !(err == io.EOF && r.off+r.n == size) {
			t.Fatalf("ReadAt(%d, %d): %v", r.off, r.n, err)
		}
		if int64(got) != r.n || !bytes.Equal(p, data[r.off:r.off+r.n]) {
			t.Fatalf("ReadAt(%d, %d) differs", r.off, r.n)
		}
	}
	t.Logf("%d ranges checked", len(cases))
}

func TestCanaryNeverOnNodes(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, nil)
	canary := []byte("SCATTERBYTES-CANARY-7f3a9c")
	data := bytes.Repeat(canary, (2<<20)/len(canary))
	put(t, c, data, "4+2")
	put(t, c, data[:1000], "1+2")
	for _, p := range net.Peers() {
		filepath.WalkDir(p.Dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, _ := os.ReadFile(path)
			if bytes.Contains(b, canary) {
				t.Errorf("canary found in %s", path)
			}
			return nil
		})
	}
}

func TestRemoveFreesNodeSpace(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, nil)
	data := random(t, 1<<20)
	if _, err := c.Put(ctxT(t), bytes.NewReader(data), int64(len(data)), client.PutOptions{Name: "gone"}); err != nil {
		t.Fatal(err)
	}
	if storedChunks(t, net) == 0 {
		t.Fatal("nothing stored")
	}
	if err := c.Remove(ctxT(t), "", "gone"); err != nil {
		t.Fatal(err)
	}
	// A node keeps a deleted chunk its last commitment holds until its
	// next proof has committed without it (package proof, "Deletes"):
	// about an epoch.
	waitChunks(t, func() int { return int(storedChunks(t, net)) })
	if err := c.Remove(ctxT(t), "", "gone"); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("second Remove = %v, want ErrNotFound", err)
	}
}

// TestPutShortSource checks that a source that ends before the size it
// was announced with fails the upload with ErrChanged and files nothing.
func TestPutShortSource(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, nil)
	data := random(t, 5<<20)
	_, err := c.Put(ctxT(t), bytes.NewReader(data[:3<<20]), int64(len(data)), client.PutOptions{Name: "short"})
	if !errors.Is(err, client.ErrChanged) {
		t.Fatalf("Put of a short source = %v, want ErrChanged", err)
	}
	if _, err := c.Resolve(ctxT(t), "", "short"); err == nil {
		t.Fatal("a failed upload was filed in the catalog")
	}
}

// waitChunks waits until count reports no chunk left, for a few epochs of
// the test network: deletes of committed chunks take effect at the next
// commitment.
func waitChunks(t *testing.T, count func() int) { t.Helper(); waitChunksFor(t, 30*time.Second, count) }

// waitChunksFor is waitChunks with its own deadline.
func waitChunksFor(t *testing.T, d time.Duration, count func() int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	if err := wait.For(ctx, func() error {
		if n := count(); n != 0 {
			return fmt.Errorf("%d chunks left on the nodes after Remove", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
