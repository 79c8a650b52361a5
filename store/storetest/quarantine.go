package storetest

import (
	"context"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
)

// testQuarantine checks store.Quarantiner, for the stores that have it: a
// quarantined chunk is out of service and counted, and Delete and a fresh
// Put remove it.
func testQuarantine(t *testing.T, open Factory) {
	s := open(t, Plenty)
	q, ok := s.(store.Quarantiner)
	if !ok {
		t.Skip("the store cannot quarantine")
	}
	ctx := context.Background()
	b, bid := Chunk(31, 2000)
	MustPut(t, s, b, nil)
	onlyB := MustUsage(t, s)
	a, aid := Chunk(30, 3000)
	MustPut(t, s, a, []byte("a"))
	both := MustUsage(t, s)

	if err := q.Quarantine(ctx, aid, store.ErrCorrupt); err != nil {
		t.Fatalf("Quarantine: %v", err)
	}
	wantOutOfService(t, s, aid)
	if u := MustUsage(t, s); u.Chunks != both.Chunks-1 || u.Quarantined != 1 || u.Bytes > both.Bytes {
		t.Fatalf("usage after Quarantine %+v, before %+v", u, both)
	}
	if got := ReadAll(t, s, bid, 0, -1); string(got) != string(b) {
		t.Fatal("the other chunk changed")
	}
	wantErr(t, "Quarantine again", q.Quarantine(ctx, aid, store.ErrCorrupt), nil)
	_, unknown := Chunk(32, 10)
	wantErr(t, "Quarantine of a chunk not stored", q.Quarantine(ctx, unknown, store.ErrCorrupt), store.ErrNotFound)

	if err := s.Delete(ctx, aid); err != nil {
		t.Fatalf("Delete of a quarantined chunk: %v", err)
	}
	if u := MustUsage(t, s); u != onlyB {
		t.Fatalf("usage after Delete %+v, want %+v", u, onlyB)
	}
	// A fresh Put replaces a quarantined chunk.
	MustPut(t, s, a, []byte("a"))
	if err := q.Quarantine(ctx, aid, store.ErrCorrupt); err != nil {
		t.Fatalf("Quarantine: %v", err)
	}
	MustPut(t, s, a, []byte("a"))
	if got := ReadAll(t, s, aid, 0, -1); string(got) != string(a) {
		t.Fatal("the chunk put again reads wrong")
	}
	if u := MustUsage(t, s); u != both {
		t.Fatalf("usage after the chunk was put again %+v, want %+v", u, both)
	}
}

// wantOutOfService fails the test unless chunk id reads as quarantined.
func wantOutOfService(t *testing.T, s store.Store, id cid.Cid) {
	t.Helper()
	ctx := context.Background()
	_, err := s.Get(ctx, id, 0, -1)
	wantErr(t, "Get of a quarantined chunk", err, store.ErrCorrupt)
	_, err = s.Stat(ctx, id)
	wantErr(t, "Stat of a quarantined chunk", err, store.ErrCorrupt)
	wantHas(t, s, id, false)
	err = s.Iterate(ctx, cid.Undef, func(i store.Info) error {
		if i.ID.Equals(id) {
			t.Errorf("Iterate lists quarantined chunk %s", id)
		}
		return nil
	})
	wantErr(t, "Iterate", err, nil)
}
