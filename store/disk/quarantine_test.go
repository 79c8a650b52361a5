package disk

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

// TestQuarantineFreedByScrub follows a chunk found corrupt by a reader:
// Quarantine keeps its file counted (and the counters equal to the files),
// the next scrub pass deletes it and frees exactly its bytes, and a
// reopened store agrees.
func TestQuarantineFreedByScrub(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Config{})
	ctx := context.Background()
	keep, _ := storetest.Chunk(40, 5000)
	storetest.MustPut(t, s, keep, nil)
	data, _ := storetest.Chunk(41, 70000)
	id := storetest.MustPut(t, s, data, []byte("m"))
	before := wantUsageIsFiles(t, s)
	fi, err := os.Stat(s.chunkPath(id))
	if err != nil {
		t.Fatal(err)
	}

	if err := s.Quarantine(ctx, id, errors.New("served bytes do not hash to the ID")); err != nil {
		t.Fatalf("Quarantine: %v", err)
	}
	u := wantUsageIsFiles(t, s)
	if u.Bytes != before.Bytes || u.Chunks != before.Chunks-1 || u.Quarantined != 1 {
		t.Fatalf("usage after Quarantine %+v, before %+v", u, before)
	}
	mustCheck(t, s)
	if _, err := s.Get(ctx, id, 0, -1); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Get after Quarantine = %v, want ErrCorrupt", err)
	}

	st, err := s.Scrub(ctx)
	if err != nil {
		t.Fatalf("Scrub: %v", err)
	}
	if st.Purged != 1 || st.Freed != fi.Size() || st.Chunks != 1 || st.Corrupt != 0 {
		t.Fatalf("scrub %+v, want 1 purged, %d bytes freed, 1 chunk checked", st, fi.Size())
	}
	u = wantUsageIsFiles(t, s)
	if u.Bytes != before.Bytes-fi.Size() || u.Chunks != 1 || u.Quarantined != 0 {
		t.Fatalf("usage after the scrub %+v, before the quarantine %+v", u, before)
	}
	mustCheck(t, s)
	if _, err := s.Get(ctx, id, 0, -1); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after the scrub = %v, want ErrNotFound", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, Config{})
	if got := wantUsageIsFiles(t, s); got != u {
		t.Fatalf("usage after reopening %+v, want %+v", got, u)
	}
	mustCheck(t, s)
}
