package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/scatterbytes/scatterbytes/store"
)

func testPutGet(t *testing.T, open Factory) {
	s := open(t, Plenty)
	ctx := context.Background()
	var total int64
	for i, n := range []int{0, 1, 2, 1023, 1024, 1025, 16<<10 + 1, 256 << 10, 16 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			data, id := Chunk(uint64(i), n)
			before := time.Now().Add(-time.Second)
			MustPut(t, s, data, []byte("order"))
			total += int64(n)
			if got := ReadAll(t, s, id, 0, -1); !bytes.Equal(got, data) {
				t.Fatalf("Get returned %d bytes, not the %d put", len(got), n)
			}
			wantHas(t, s, id, true)
			info, err := s.Stat(ctx, id)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if !info.ID.Equals(id) || info.Size != int64(n) || string(info.Meta) != "order" {
				t.Fatalf("Stat = %+v", info)
			}
			if info.StoredAt.Before(before) || info.StoredAt.After(time.Now().Add(time.Second)) {
				t.Fatalf("StoredAt = %v, not about now", info.StoredAt)
			}
		})
	}
	u := MustUsage(t, s)
	if u.Chunks != 9 || u.Bytes < total || u.Capacity != Plenty {
		t.Fatalf("Usage = %+v, want 9 chunks, at least %d bytes", u, total)
	}
	t.Run("ragged reads", func(t *testing.T) {
		// Bytes that arrive in odd pieces, across any buffer edge a store
		// may have, are stored whole (and hash to their ID).
		data, id := Chunk(99, 3<<20+12345)
		if err := s.Put(ctx, id, int64(len(data)), &raggedReader{data: data}, nil); err != nil {
			t.Fatalf("Put: %v", err)
		}
		if got := ReadAll(t, s, id, 0, -1); !bytes.Equal(got, data) {
			t.Fatal("Get returned other bytes than the ragged Put")
		}
	})
}

// raggedReader returns data in pieces of changing, mostly odd sizes, the
// way a network stream does.
type raggedReader struct {
	data []byte
	i    int
}

func (r *raggedReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	sizes := [...]int{1, 7, 4093, 65537, 300000, 16 << 10, 0}
	n := min(len(p), len(r.data), sizes[r.i%len(sizes)])
	r.i++
	n = copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// failingReader returns the first n bytes of data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func testRanges(t *testing.T, open Factory) {
	s := open(t, Plenty)
	const size = 40000 // spans several 16 KiB proof groups
	data, id := Chunk(1, size)
	MustPut(t, s, data, nil)
	empty, eid := Chunk(2, 0)
	MustPut(t, s, empty, nil)
	for _, tc := range []struct {
		name        string
		id          cid.Cid
		off, length int64
		want        []byte // nil: ErrRange
	}{
		{"all", id, 0, -1, data},
		{"all exact", id, 0, size, data},
		{"empty at start", id, 0, 0, []byte{}},
		{"first byte", id, 0, 1, data[:1]},
		{"last byte", id, size - 1, 1, data[size-1:]},
		{"last byte to end", id, size - 1, -1, data[size-1:]},
		{"empty at end", id, size, 0, []byte{}},
		{"to end from end", id, size, -1, []byte{}},
		{"middle", id, 16383, 2, data[16383:16385]},
		{"tail", id, 20000, -1, data[20000:]},
		{"negative offset", id, -1, 1, nil},
		{"offset past end", id, size + 1, -1, nil},
		{"length past end", id, 0, size + 1, nil},
		{"one past end", id, size - 1, 2, nil},
		{"from end one", id, size, 1, nil},
		{"empty chunk all", eid, 0, -1, []byte{}},
		{"empty chunk zero", eid, 0, 0, []byte{}},
		{"empty chunk one", eid, 0, 1, nil},
		{"empty chunk offset", eid, 1, -1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == nil {
				_, err := s.Get(context.Background(), tc.id, tc.off, tc.length)
				wantErr(t, "Get", err, store.ErrRange)
				return
			}
			if got := ReadAll(t, s, tc.id, tc.off, tc.length); !bytes.Equal(got, tc.want) {
				t.Fatalf("got %d bytes, want %d", len(got), len(tc.want))
			}
		})
	}
}

func testExists(t *testing.T, open Factory) {
	s := open(t, Plenty)
	data, id := Chunk(3, 100)
	MustPut(t, s, data, nil)
	u := MustUsage(t, s)
	err := s.Put(context.Background(), id, 100, noRead{t}, nil)
	wantErr(t, "second Put", err, store.ErrExists)
	if got := MustUsage(t, s); got != u {
		t.Fatalf("usage changed from %+v to %+v", u, got)
	}
}

func testMismatch(t *testing.T, open Factory) {
	s := open(t, Plenty)
	data, id := Chunk(4, 5000)
	other, _ := Chunk(5, 5000)
	flipped := bytes.Clone(data)
	flipped[4999] ^= 1
	for _, tc := range []struct {
		name string
		size int64
		body []byte
	}{
		{"other bytes", 5000, other},
		{"one bit", 5000, flipped},
		{"short reader", 5000, data[:4999]},
		{"wrong size", 4999, data},
		{"empty for nonempty", 0, nil},
		{"reader fails", 5000, data},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := MustUsage(t, s)
			var r io.Reader = bytes.NewReader(tc.body)
			if tc.name == "reader fails" {
				r = &failingReader{data: tc.body[:3000], err: errors.New("connection reset")}
			}
			err := s.Put(context.Background(), id, tc.size, r, nil)
			wantErr(t, "Put", err, store.ErrMismatch)
			wantHas(t, s, id, false)
			if got := MustUsage(t, s); got != u {
				t.Fatalf("usage changed from %+v to %+v", u, got)
			}
		})
	}
	// The right bytes still go in afterwards.
	MustPut(t, s, data, nil)
}

func testBadArguments(t *testing.T, open Factory) {
	s := open(t, Plenty)
	ctx := context.Background()
	sha, _ := mh.Sum([]byte("x"), mh.SHA2_256, -1)
	bad := cid.NewCidV1(cid.Raw, sha)
	err := s.Put(ctx, bad, 1, bytes.NewReader([]byte("x")), nil)
	wantErr(t, "Put with a SHA-256 CID", err, store.ErrBadID)
	_, err = s.Get(ctx, bad, 0, -1)
	wantErr(t, "Get with a SHA-256 CID", err, store.ErrBadID)
	_, err = s.Stat(ctx, cid.Undef)
	wantErr(t, "Stat undefined", err, store.ErrBadID)
	err = s.Delete(ctx, bad)
	wantErr(t, "Delete with a SHA-256 CID", err, store.ErrBadID)

	data, id := Chunk(6, 10)
	err = s.Put(ctx, id, 10, bytes.NewReader(data), make([]byte, store.MaxMetaSize+1))
	wantErr(t, "Put with oversized meta", err, store.ErrMetaTooLarge)
	wantHas(t, s, id, false)
	MustPut(t, s, data, make([]byte, store.MaxMetaSize))
}

func testNotFound(t *testing.T, open Factory) {
	s := open(t, Plenty)
	ctx := context.Background()
	_, id := Chunk(7, 10)
	wantHas(t, s, id, false)
	_, err := s.Get(ctx, id, 0, -1)
	wantErr(t, "Get", err, store.ErrNotFound)
	_, err = s.Stat(ctx, id)
	wantErr(t, "Stat", err, store.ErrNotFound)
	wantErr(t, "Delete", s.Delete(ctx, id), store.ErrNotFound)
}

func testDelete(t *testing.T, open Factory) {
	s := open(t, Plenty)
	ctx := context.Background()
	empty := MustUsage(t, s)
	a, aid := Chunk(8, 3000)
	b, bid := Chunk(9, 0)
	MustPut(t, s, a, []byte("a"))
	MustPut(t, s, b, nil)
	if err := s.Delete(ctx, aid); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantHas(t, s, aid, false)
	wantHas(t, s, bid, true)
	_, err := s.Get(ctx, aid, 0, -1)
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	if err := s.Delete(ctx, bid); err != nil {
		t.Fatalf("Delete empty chunk: %v", err)
	}
	if got := MustUsage(t, s); got != empty {
		t.Fatalf("usage after deleting all = %+v, want %+v", got, empty)
	}
	// A deleted chunk can be stored again.
	MustPut(t, s, a, nil)
	wantHas(t, s, aid, true)
}

func testIterate(t *testing.T, open Factory) {
	s := open(t, Plenty)
	ctx := context.Background()
	var ids []cid.Cid
	for i := range 20 {
		data, _ := Chunk(uint64(100+i), i*7)
		ids = append(ids, MustPut(t, s, data, fmt.Appendf(nil, "m%d", i)))
	}
	sortIDs(ids)
	list := func(after cid.Cid) []cid.Cid {
		t.Helper()
		var got []cid.Cid
		err := s.Iterate(ctx, after, func(info store.Info) error {
			got = append(got, info.ID)
			return nil
		})
		if err != nil {
			t.Fatalf("Iterate: %v", err)
		}
		return got
	}
	if got := list(cid.Undef); !equalIDs(got, ids) {
		t.Fatalf("Iterate from start:\n got %v\nwant %v", got, ids)
	}
	if got := list(ids[9]); !equalIDs(got, ids[10:]) {
		t.Fatalf("Iterate after the 10th:\n got %v\nwant %v", got, ids[10:])
	}
	if got := list(ids[19]); len(got) != 0 {
		t.Fatalf("Iterate after the last = %v", got)
	}
	_, absent := Chunk(999, 1)
	var want []cid.Cid
	for _, id := range ids {
		if bytes.Compare(id.Bytes(), absent.Bytes()) > 0 {
			want = append(want, id)
		}
	}
	if got := list(absent); !equalIDs(got, want) {
		t.Fatalf("Iterate after an absent ID:\n got %v\nwant %v", got, want)
	}
	stop := fmt.Errorf("stop")
	n := 0
	err := s.Iterate(ctx, cid.Undef, func(store.Info) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Fatalf("Iterate with a failing fn: err %v after %d calls", err, n)
	}
	if u := MustUsage(t, s); u.Chunks != 20 {
		t.Fatalf("Usage.Chunks = %d, want 20", u.Chunks)
	}
}

func testMeta(t *testing.T, open Factory) {
	s := open(t, Plenty)
	meta := []byte("the storage order")
	data, id := Chunk(10, 77)
	MustPut(t, s, data, meta)
	meta[0] = 'X' // the store must have kept its own copy
	info, err := s.Stat(context.Background(), id)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if string(info.Meta) != "the storage order" {
		t.Fatalf("Meta = %q", info.Meta)
	}
	info.Meta[0] = 'Y'
	again, _ := s.Stat(context.Background(), id)
	if string(again.Meta) != "the storage order" {
		t.Fatalf("Meta after mutating a Stat result = %q", again.Meta)
	}
}
