package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

func TestInterruptedUploadResumesWithoutResending(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, func(cfg *client.Config) {
		cfg.MaxShard = 64 << 10 // many small stripes
		cfg.StripesInFlight = 1
	})
	data := random(t, 4<<20)
	path := filepath.Join(t.TempDir(), "big.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctxT(t))
	_, err := c.PutFile(ctx, path, client.PutOptions{Progress: func(done int64) {
		if done > int64(len(data))/3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted PutFile = %v, want context.Canceled", err)
	}
	sent1 := c.Stats().ShardsSent.Load()
	if sent1 == 0 {
		t.Fatal("nothing was sent before the interruption")
	}
	// A PUT cancelled while awaiting its receipt may still land: its bytes
	// were all sent, and the node is storing them. Such a PUT's exchange
	// began before PutFile returned (the node had answered CONTINUE), so
	// once no node serves an exchange any more, none can land later.
	stored1 := settledChunks(t, net)
	checkJournalAppended(t, c)

	ref, err := c.PutFile(ctxT(t), path, client.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sent2 := c.Stats().ShardsSent.Load() - sent1
	f, err := c.Open(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	stripes := len(f.Manifest().Stripes)
	total := int64(stripes*6) + 4 // the shards and M+2 copies of the manifest
	f.Close()
	t.Logf("%d stripes, %d chunks: %d held by the nodes after the interruption, %d sent after it, %d answered as already stored",
		stripes, total, stored1, sent2, c.Stats().ShardsSkipped.Load())
	if stored1 == 0 || sent2 != total-stored1 {
		t.Fatalf("after the interruption the nodes held %d of %d chunks, and %d were sent: want exactly the %d missing",
			stored1, total, sent2, total-stored1)
	}
	got, err := get(t, c, ref)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("resumed upload reads back wrong: %v", err)
	}
}

// settledChunks returns how many chunks the storage nodes hold once none
// of them is serving a chunk exchange.
func settledChunks(t *testing.T, net *testnet.Network) int64 {
	t.Helper()
	err := wait.For(ctxT(t), func() error {
		for _, p := range net.Nodes() {
			if n := p.Role().(*storage.Node).Storage().ChunkService().Active(); n != 0 {
				return fmt.Errorf("node %d is serving %d exchanges", p.Index, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return storedChunks(t, net)
}

// checkJournalAppended checks that the interrupted upload's journal grew
// by a part for each stripe it stored, holding that stripe's record
// alone: written whole once, then appended to, never rewritten.
func checkJournalAppended(t *testing.T, c *client.Client) {
	t.Helper()
	js, err := c.Catalog().Journals(ctxT(t))
	if err != nil || len(js) != 1 {
		t.Fatalf("the catalog holds %d journals, %v; want the interrupted upload's", len(js), err)
	}
	un, err := c.Unfinished(ctxT(t))
	if err != nil || len(un) != 1 || un[0].Done == 0 {
		t.Fatalf("unfinished uploads %+v, %v: want one with stripes stored", un, err)
	}
	if bytes.Contains(js[0].Blob, []byte(`"stripes"`)) {
		t.Fatalf("the journal's blob holds stripes: it was rewritten whole after a stripe")
	}
	stripes := 0
	for i, b := range js[0].Parts {
		var p struct {
			Stripes map[string][]struct{ ID string }
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if len(p.Stripes) > 1 {
			t.Fatalf("part %d holds %d stripes, want one stripe per part", i, len(p.Stripes))
		}
		for _, st := range p.Stripes {
			if len(st) != 6 {
				t.Fatalf("part %d holds a stripe of %d shards, want 6", i, len(st))
			}
			stripes++
		}
	}
	if stripes != un[0].Done {
		t.Fatalf("the journal's parts record %d stripes, the upload stored %d", stripes, un[0].Done)
	}
	t.Logf("journal: a %d-byte blob and %d parts for %d stripes", len(js[0].Blob), len(js[0].Parts), stripes)
}
