package client_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// A put that runs the nodes out of space leaves an unfinished upload that
// names what it stored, and removing it frees every chunk it left.
func TestFailedPutIsUnfinishedAndRemovable(t *testing.T) {
	net := nettest.NewWith(t, testclient.WithStorage(testnet.Options{Nodes: 6, Capacity: 1 << 20}))
	c := clienttest.New(t, net, func(cfg *client.Config) {
		cfg.MaxShard = 64 << 10 // stripes of 256 KiB: the nodes fill mid-file
	})
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, random(t, 8<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutFile(ctxT(t), path, client.PutOptions{Redundancy: "4+2"})
	if !errors.Is(err, client.ErrNoSpace) {
		t.Fatalf("PutFile on full nodes = %v, want ErrNoSpace", err)
	}
	if settledChunks(t, net) == 0 {
		t.Fatal("the failed put left nothing on the nodes: the test does not test removal")
	}
	us, err := c.Unfinished(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Name != "big.bin" || us[0].Volume != "default" || us[0].Size != 8<<20 ||
		us[0].Done == 0 || us[0].Done >= us[0].Stripes || us[0].Redundancy != "4+2" {
		t.Fatalf("unfinished uploads = %+v, want big.bin with some of its stripes done", us)
	}
	if _, err := c.Catalog().Get(ctxT(t), "default", "big.bin"); err == nil {
		t.Fatal("the failed put was filed in the catalog")
	}
	if err := c.RemoveUnfinished(ctxT(t), us[0].ID); err != nil {
		t.Fatal(err)
	}
	waitChunks(t, func() int { return int(storedChunks(t, net)) })
	if left, err := c.Unfinished(ctxT(t)); err != nil || len(left) != 0 {
		t.Fatalf("unfinished uploads after removal = %+v, %v", left, err)
	}
	if err := c.RemoveUnfinished(ctxT(t), us[0].ID); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("removing it again = %v, want ErrNotFound", err)
	}
}

// An interrupted put is listed until the same put finishes it.
func TestInterruptedPutListedUntilResumed(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, func(cfg *client.Config) {
		cfg.MaxShard = 64 << 10
		cfg.StripesInFlight = 1
	})
	path := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(path, random(t, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	// A name the catalog would refuse is refused before a byte is sent.
	if _, err := c.PutFile(ctxT(t), path, client.PutOptions{Volume: "a/b"}); !errors.Is(err, catalog.ErrInvalid) || c.Stats().ShardsSent.Load() != 0 {
		t.Fatalf("PutFile into volume a/b = %v after sending %d shards, want ErrInvalid and none", err, c.Stats().ShardsSent.Load())
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	_, err := c.PutFile(ctx, path, client.PutOptions{Volume: "v", Progress: func(done int64) {
		if done > 0 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted PutFile = %v, want context.Canceled", err)
	}
	us, err := c.Unfinished(ctxT(t))
	if err != nil || len(us) != 1 || us[0].Volume != "v" || us[0].Name != "f.bin" || us[0].Path != path || us[0].Done == 0 {
		t.Fatalf("unfinished uploads = %+v, %v; want v/f.bin from %s", us, err, path)
	}
	if _, err := c.PutFile(ctxT(t), path, client.PutOptions{Volume: "v"}); err != nil {
		t.Fatal(err)
	}
	if us, err := c.Unfinished(ctxT(t)); err != nil || len(us) != 0 {
		t.Fatalf("unfinished uploads after the resumed put = %+v, %v", us, err)
	}
}
