package manifest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/store"
)

func fixedKey(t testing.TB, b byte) keys.FileKey {
	t.Helper()
	k, err := keys.FileKeyFromBytes(bytes.Repeat([]byte{b}, keys.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testManifest builds a valid, deterministic manifest for a plaintext of
// size bytes with holders peer IDs per shard.
func testManifest(t testing.TB, size int64, k, m, holders int) *Manifest {
	t.Helper()
	cipherSize := stream.SealedSize(size)
	l, err := erasure.NewLayout(k, m, cipherSize, 0)
	if err != nil {
		t.Fatal(err)
	}
	man := &Manifest{
		Name:        fmt.Sprintf("file-%d.bin", size),
		Size:        size,
		SegmentSize: stream.SegmentSize,
		CipherSize:  cipherSize,
		K:           k,
		M:           m,
		ShardSize:   l.ShardSize,
		Created:     time.UnixMilli(1767225600123),
		ContentType: "application/octet-stream",
	}
	n := 0
	for range l.Stripes() {
		var s Stripe
		for range k + m {
			sh := Shard{ID: store.Sum(binary.BigEndian.AppendUint64(nil, uint64(n)))}
			for h := range holders {
				// Peer IDs are 38-byte identity multihashes of ed25519 keys.
				sh.Holders = append(sh.Holders, append([]byte{0, 36, 8, 1, 18, 32}, bytes.Repeat([]byte{byte(n + h)}, 32)...))
			}
			s.Shards = append(s.Shards, sh)
			n++
		}
		man.Stripes = append(man.Stripes, s)
	}
	return man
}

// inlineManifest is testManifest for a file stored in its manifest: no
// stripes, its sealed bytes (a pattern) in Data.
func inlineManifest(t testing.TB, size int64, k, m int) *Manifest {
	t.Helper()
	man := testManifest(t, size, k, m, 0)
	man.Stripes = nil
	man.Data = make([]byte, man.CipherSize)
	for i := range man.Data {
		man.Data[i] = byte(i * 7)
	}
	return man
}

// chunkStore is an in-memory Fetcher.
type chunkStore map[string][]byte

func (s chunkStore) put(chunks []Chunk) {
	for _, c := range chunks {
		s[c.ID.KeyString()] = c.Data
	}
}

func (s chunkStore) Fetch(_ context.Context, id cid.Cid) ([]byte, error) {
	b, ok := s[id.KeyString()]
	if !ok {
		return nil, fmt.Errorf("chunk %s not found", id)
	}
	return b, nil
}

func sumID(b []byte) cid.Cid { return store.Sum(b) }
