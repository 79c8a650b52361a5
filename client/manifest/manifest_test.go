package manifest

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/scatterbytes/scatterbytes/client/stream"
	"github.com/scatterbytes/scatterbytes/store"
)

func roundTrip(t *testing.T, m *Manifest, limit int) []Chunk {
	t.Helper()
	key := fixedKey(t, 1)
	ref, chunks, err := seal(m, key, limit)
	if err != nil {
		t.Fatal(err)
	}
	if !ref.Manifest.Equals(chunks[0].ID) || !ref.Key.Equal(key) {
		t.Fatal("ref does not name the root chunk")
	}
	for _, c := range chunks {
		if len(c.Data) > limit || !store.Sum(c.Data).Equals(c.ID) {
			t.Fatalf("chunk %s: %d bytes (limit %d) or wrong ID", c.ID, len(c.Data), limit)
		}
	}
	cs := chunkStore{}
	cs.put(chunks)
	got, lists, err := OpenChunks(context.Background(), cs, ref)
	if err != nil {
		t.Fatal(err)
	}
	// What a delete of the file must delete besides the root: every other
	// chunk, in order.
	if len(lists) != len(chunks)-1 {
		t.Fatalf("OpenChunks lists %d chunks besides the root, Seal made %d", len(lists), len(chunks)-1)
	}
	for i, id := range lists {
		if !id.Equals(chunks[i+1].ID) {
			t.Fatalf("OpenChunks: chunk %d is %s, Seal made %s", i+1, id, chunks[i+1].ID)
		}
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip changed the manifest:\n%+v\nwant\n%+v", got.Stripes[:1], m.Stripes[:1])
	}
	return chunks
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name          string
		size          int64
		k, m, holders int
		limit         int
		chunks        int
	}{
		{"empty file", 0, 4, 2, 0, MaxChunkSize, 1},
		{"1 KiB mirrored", 1 << 10, 1, 2, 3, MaxChunkSize, 1},
		{"1 GiB 4+2", 1 << 30, 4, 2, 3, MaxChunkSize, 1},
		{"64 GiB 4+2 spans chunks", 64 << 30, 4, 2, 4, MaxChunkSize, 3},
		{"small limit, many lists", 2 << 30, 4, 2, 1, 16 << 10, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testManifest(t, tc.size, tc.k, tc.m, tc.holders)
			if chunks := roundTrip(t, m, tc.limit); len(chunks) != tc.chunks {
				t.Fatalf("%d chunks, want %d", len(chunks), tc.chunks)
			}
		})
	}
	m := testManifest(t, 100, 4, 2, 0)
	m.Compressed, m.CipherSize = true, stream.SealedSize(40)
	roundTrip(t, m, MaxChunkSize)
	t.Run("small file in the manifest", func(t *testing.T) {
		if chunks := roundTrip(t, inlineManifest(t, 1000, 4, 2), MaxChunkSize); len(chunks) != 1 {
			t.Fatalf("%d chunks, want 1", len(chunks))
		}
	})
}

func TestOpenRefusesBadChunks(t *testing.T) {
	key := fixedKey(t, 2)
	m := testManifest(t, 2<<30, 4, 2, 1)
	ref, chunks, err := seal(m, key, 16<<10)
	if err != nil || len(chunks) < 3 {
		t.Fatalf("%d chunks, %v", len(chunks), err)
	}
	for _, tc := range []struct {
		name   string
		change func(cs chunkStore, r *Ref)
		want   string
	}{
		{"flipped root byte", func(cs chunkStore, r *Ref) { cs[r.Manifest.KeyString()][5] ^= 1 }, "do not match"},
		{"flipped list byte", func(cs chunkStore, r *Ref) { cs[chunks[2].ID.KeyString()][100] ^= 1 }, "do not match"},
		{"wrong key", func(cs chunkStore, r *Ref) { r.Key = fixedKey(t, 3) }, "does not open"},
		{"list chunk as root", func(cs chunkStore, r *Ref) { r.Manifest = chunks[1].ID }, "does not open"},
		{"oversized chunk", func(cs chunkStore, r *Ref) {
			cs[r.Manifest.KeyString()] = make([]byte, MaxChunkSize+1)
		}, "bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := chunkStore{}
			for _, c := range chunks {
				cs[c.ID.KeyString()] = append([]byte(nil), c.Data...)
			}
			r := ref
			tc.change(cs, &r)
			_, err := Open(context.Background(), cs, r)
			if !errors.Is(err, ErrBadManifest) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrBadManifest mentioning %q", err, tc.want)
			}
		})
	}
	cs := chunkStore{}
	cs.put(chunks[:2])
	if _, err := Open(context.Background(), cs, ref); err == nil || errors.Is(err, ErrBadManifest) || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing list chunk: %v", err)
	}
}

func TestSealRefusesInvalid(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(m *Manifest)
	}{
		{"missing stripe", func(m *Manifest) { m.Stripes = m.Stripes[1:] }},
		{"missing shard", func(m *Manifest) { m.Stripes[0].Shards = m.Stripes[0].Shards[1:] }},
		{"bad cipher size", func(m *Manifest) { m.CipherSize++ }},
		{"bad segment size", func(m *Manifest) { m.SegmentSize = 4096 }},
		{"long name", func(m *Manifest) { m.Name = strings.Repeat("x", MaxNameLen+1) }},
		{"non-UTF-8 name", func(m *Manifest) { m.Name = "\xff" }},
		{"k+m too large", func(m *Manifest) { m.M = 65 }},
		{"too many holders", func(m *Manifest) { m.Stripes[0].Shards[0].Holders = make([][]byte, 17) }},
		{"data and stripes", func(m *Manifest) { m.Data = make([]byte, m.CipherSize) }},
		{"data short of the cipher size", func(m *Manifest) { m.Stripes, m.Data = nil, make([]byte, m.CipherSize-1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testManifest(t, 100<<20, 4, 2, 1)
			tc.change(m)
			if _, _, err := Seal(m, fixedKey(t, 1)); !errors.Is(err, ErrBadManifest) {
				t.Fatalf("Seal = %v, want ErrBadManifest", err)
			}
		})
	}
}
