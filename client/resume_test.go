package client_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/testnet/testclient"
)

func TestInterruptedUploadResumesWithoutResending(t *testing.T) {
	net := testclient.NewNetwork(t, 6)
	c := testclient.New(t, net, func(cfg *client.Config) {
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
	total := int64(stripes * 6)
	manifestCopies := int64(2 + 2) // M+2 copies of its one chunk
	f.Close()
	t.Logf("%d stripes, %d shards: %d sent before the interruption, %d after, %d skipped as already stored",
		stripes, total, sent1, sent2, c.Stats().ShardsSkipped.Load())
	if sent1+sent2 != total+manifestCopies {
		t.Fatalf("sent %d+%d shards, want %d in all: some shard was sent twice or never", sent1, sent2, total+manifestCopies)
	}
	got, err := get(t, c, ref)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("resumed upload reads back wrong: %v", err)
	}
}
