package manifest

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/store"
)

// TestDataPath runs the offline upload and download path end to end:
// seal, stripe, store shards, seal the manifest, print the reference;
// then parse it, open the manifest, lose m shards per stripe, rebuild,
// decrypt, and read a range from the data shards alone.
func TestDataPath(t *testing.T) {
	plain := make([]byte, 3*stream.SegmentSize+1234)
	rand.NewChaCha8([32]byte{1}).Read(plain)
	key := keys.NewFileKey()

	var sealed bytes.Buffer
	w := stream.NewWriter(&sealed, key)
	w.Write(plain)
	w.Close()
	l, err := erasure.NewLayout(4, 2, int64(sealed.Len()), 4096) // several stripes
	if err != nil {
		t.Fatal(err)
	}
	coder, _ := erasure.NewCoder(l)
	cs := chunkStore{}
	m := &Manifest{Name: "f", Size: int64(len(plain)), SegmentSize: stream.SegmentSize,
		CipherSize: int64(sealed.Len()), K: l.K, M: l.M, ShardSize: l.ShardSize, Created: time.Now()}
	for i := range l.Stripes() {
		off, n := l.StripeRange(i)
		shards, err := coder.Encode(i, sealed.Bytes()[off:off+n])
		if err != nil {
			t.Fatal(err)
		}
		var s Stripe
		for _, sh := range shards {
			id := store.Sum(sh)
			cs[id.KeyString()] = sh
			s.Shards = append(s.Shards, Shard{ID: id})
		}
		m.Stripes = append(m.Stripes, s)
	}
	ref, chunks, err := Seal(m, key)
	if err != nil {
		t.Fatal(err)
	}
	cs.put(chunks)
	printed := ref.Encode()

	// Another client, with only the string.
	ref2, err := ParseRef(printed)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(context.Background(), cs, ref2)
	if err != nil {
		t.Fatal(err)
	}
	coder2, err := erasure.NewCoder(got.Layout())
	if err != nil {
		t.Fatal(err)
	}
	var rebuilt bytes.Buffer
	for i, s := range got.Stripes {
		have := make([][]byte, len(s.Shards))
		for j, sh := range s.Shards {
			if j == i%6 || j == (i+3)%6 {
				continue // lost
			}
			have[j], _ = cs.Fetch(context.Background(), sh.ID)
		}
		data, err := coder2.Reconstruct(i, have)
		if err != nil {
			t.Fatal(err)
		}
		rebuilt.Write(data)
	}
	out, err := io.ReadAll(stream.NewReader(&rebuilt, ref2.Key))
	if err != nil || !bytes.Equal(out, plain) {
		t.Fatalf("download: %d bytes, %v", len(out), err)
	}

	// A range read: map plaintext to segments, segments to data-shard
	// slices, fetch only those, open only those segments.
	off, n := int64(2*stream.SegmentSize-10), int64(20)
	span, _ := stream.SegmentRange(got.Size, off, n)
	pieces, _ := got.Layout().Locate(span.CipherOff, span.CipherLen)
	var part []byte
	for _, p := range pieces {
		sh, _ := cs.Fetch(context.Background(), got.Stripes[p.Stripe].Shards[p.Shard].ID)
		part = append(part, sh[p.Off:p.Off+p.Len]...)
	}
	r, err := stream.NewCipher(ref2.Key).OpenRange(got.Size, off, n, part)
	if err != nil || !bytes.Equal(r, plain[off:off+n]) {
		t.Fatalf("range read: %v", err)
	}
}
