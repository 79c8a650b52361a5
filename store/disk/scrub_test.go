package disk

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

// corruptions collects what OnCorrupt reports.
type corruptions struct {
	mu  sync.Mutex
	ids []cid.Cid
	ch  chan cid.Cid
}

func (c *corruptions) report(info store.Info, err error) {
	c.mu.Lock()
	c.ids = append(c.ids, info.ID)
	c.mu.Unlock()
	if c.ch != nil {
		c.ch <- info.ID
	}
}

func TestScrubQuarantinesBitRot(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fromEnd int64 // which byte of the file to flip, counted from its end
		size    int
	}{
		{"last data byte", 0, 70000},
		{"first data byte", 69999, 70000},
		{"header", 70000 + 3, 70000},
		{"one-byte chunk", 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var seen corruptions
			s := openTest(t, dir, Config{OnCorrupt: seen.report})
			ctx := context.Background()
			var ids []cid.Cid
			for i := range 4 {
				data, _ := storetest.Chunk(uint64(10+i), tc.size+i)
				ids = append(ids, storetest.MustPut(t, s, data, []byte("m")))
			}
			rotten := ids[2]
			rottenData, _ := storetest.Chunk(12, tc.size+2)
			before := wantUsageIsFiles(t, s)
			flipBit(t, s.chunkPath(rotten), tc.fromEnd+2) // +2: chunk 2 is 2 bytes longer

			st, err := s.Scrub(ctx)
			if err != nil {
				t.Fatalf("Scrub: %v", err)
			}
			if st.Chunks != 4 || st.Corrupt != 1 {
				t.Fatalf("Scrub = %+v, want 4 chunks, 1 corrupt", st)
			}
			if len(seen.ids) != 1 || !seen.ids[0].Equals(rotten) {
				t.Fatalf("OnCorrupt saw %v, want [%s]", seen.ids, rotten)
			}
			wantCorrupt(t, s, rotten)
			u := wantUsageIsFiles(t, s)
			if u.Chunks != 3 || u.Bytes != before.Bytes {
				t.Fatalf("usage after quarantine %+v, was %+v", u, before)
			}
			for _, i := range []int{0, 1, 3} {
				info, err := s.Stat(ctx, ids[i])
				if err != nil || info.LastScrub.IsZero() {
					t.Fatalf("healthy chunk %d: LastScrub %v, %v", i, info.LastScrub, err)
				}
			}
			mustCheck(t, s)

			// Still quarantined after a restart.
			s.Close()
			s = openTest(t, dir, Config{OnCorrupt: seen.report})
			wantCorrupt(t, s, rotten)
			mustCheck(t, s)
			// Fresh bytes replace the quarantined file and free its space.
			storetest.MustPut(t, s, rottenData, []byte("m"))
			if got := storetest.ReadAll(t, s, rotten, 0, -1); !bytes.Equal(got, rottenData) {
				t.Fatal("re-put chunk reads back wrong")
			}
			if u := wantUsageIsFiles(t, s); u != before {
				t.Fatalf("usage after re-put %+v, want %+v", u, before)
			}
			mustCheck(t, s)
		})
	}
}

func wantCorrupt(t *testing.T, s *Store, id cid.Cid) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Get(ctx, id, 0, -1); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Get of a quarantined chunk = %v, want ErrCorrupt", err)
	}
	if _, err := s.Stat(ctx, id); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Stat of a quarantined chunk = %v, want ErrCorrupt", err)
	}
	if has, err := s.Has(ctx, id); has || err != nil {
		t.Fatalf("Has of a quarantined chunk = %v, %v", has, err)
	}
	for _, info := range infos(t, s) {
		if info.ID.Equals(id) {
			t.Fatal("Iterate lists a quarantined chunk")
		}
	}
}

func TestScrubDeleteQuarantined(t *testing.T) {
	s := openTest(t, t.TempDir(), Config{})
	data, id := storetest.Chunk(1, 5000)
	storetest.MustPut(t, s, data, nil)
	empty := storetest.MustUsage(t, s)
	empty.Bytes, empty.Chunks = 0, 0
	flipBit(t, s.chunkPath(id), 0)
	if st, err := s.Scrub(context.Background()); err != nil || st.Corrupt != 1 {
		t.Fatalf("Scrub = %+v, %v", st, err)
	}
	if err := s.Delete(context.Background(), id); err != nil {
		t.Fatalf("Delete of a quarantined chunk: %v", err)
	}
	if u := wantUsageIsFiles(t, s); u != empty {
		t.Fatalf("usage %+v, want %+v", u, empty)
	}
	mustCheck(t, s)
}

func TestScrubMissingFile(t *testing.T) {
	var seen corruptions
	s := openTest(t, t.TempDir(), Config{OnCorrupt: seen.report})
	data, id := storetest.Chunk(1, 5000)
	storetest.MustPut(t, s, data, nil)
	if err := removeFile(s.chunkPath(id)); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Scrub(context.Background()); err != nil || st.Corrupt != 1 {
		t.Fatalf("Scrub = %+v, %v", st, err)
	}
	if len(seen.ids) != 1 {
		t.Fatalf("OnCorrupt saw %v", seen.ids)
	}
	if u := wantUsageIsFiles(t, s); u.Chunks != 0 {
		t.Fatalf("usage %+v", u)
	}
	mustCheck(t, s)
}

func TestScrubKeepsRate(t *testing.T) {
	const rate = 4 << 20
	s := openTest(t, t.TempDir(), Config{ScrubRate: rate})
	var total int64
	for i := range 4 {
		data, _ := storetest.Chunk(uint64(i), 256<<10)
		storetest.MustPut(t, s, data, nil)
		total += int64(len(data))
	}
	start := time.Now()
	if _, err := s.Scrub(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := time.Duration(float64(total) / rate * float64(time.Second))
	if took := time.Since(start); took < want*9/10 {
		t.Fatalf("scrubbed %d bytes in %v, budget allows no less than %v", total, took, want)
	}
}

func TestRunReportsAndStops(t *testing.T) {
	seen := corruptions{ch: make(chan cid.Cid, 1)}
	s := openTest(t, t.TempDir(), Config{OnCorrupt: seen.report, ScrubInterval: time.Millisecond})
	data, id := storetest.Chunk(1, 5000)
	storetest.MustPut(t, s, data, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	// Rot a chunk while Run loops; the next pass must report it.
	flipBit(t, s.chunkPath(id), 0)
	select {
	case got := <-seen.ch:
		if !got.Equals(id) {
			t.Fatalf("reported %s, want %s", got, id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no corruption reported within 10s")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
