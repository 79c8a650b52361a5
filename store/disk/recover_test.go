package disk

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

func TestMismatchLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Config{})
	data, id := storetest.Chunk(1, 300<<10)
	storetest.MustPut(t, s, []byte("other"), nil)
	before := wantUsageIsFiles(t, s)
	bad := bytes.Clone(data)
	bad[12345] ^= 1
	err := s.Put(context.Background(), id, int64(len(bad)), bytes.NewReader(bad), []byte("m"))
	if !errors.Is(err, store.ErrMismatch) {
		t.Fatalf("Put = %v, want ErrMismatch", err)
	}
	if _, err := os.Stat(s.chunkPath(id)); !os.IsNotExist(err) {
		t.Fatalf("chunk file exists after a mismatch: %v", err)
	}
	if ok, _ := s.db.Has(chunkKey(id), nil); ok {
		t.Fatal("index entry exists after a mismatch")
	}
	wantNoTemps(t, dir)
	if got := wantUsageIsFiles(t, s); got != before {
		t.Fatalf("usage %+v, was %+v", got, before)
	}
	mustCheck(t, s)
}

func TestQuotaLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	one, _ := storetest.Chunk(1, 10000)
	charge := record{Size: 10000, Meta: []byte("m")}.charge()
	s := openTest(t, dir, Config{Capacity: 2*charge + charge/2})
	storetest.MustPut(t, s, one, []byte("m"))
	two, _ := storetest.Chunk(2, 10000)
	storetest.MustPut(t, s, two, []byte("m"))
	three, id := storetest.Chunk(3, 10000)
	err := s.Put(context.Background(), id, 10000, bytes.NewReader(three), []byte("m"))
	if !errors.Is(err, store.ErrNoSpace) {
		t.Fatalf("Put over capacity = %v, want ErrNoSpace", err)
	}
	wantNoTemps(t, dir)
	if _, err := os.Stat(s.chunkPath(id)); !os.IsNotExist(err) {
		t.Fatalf("refused chunk has a file: %v", err)
	}
	if u := wantUsageIsFiles(t, s); u.Chunks != 2 || u.Bytes != 2*charge {
		t.Fatalf("usage = %+v", u)
	}
	mustCheck(t, s)
}

// fill puts n chunks with metadata into s and deletes every fifth.
func fill(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := range n {
		data, id := storetest.Chunk(uint64(500+i), i*997)
		storetest.MustPut(t, s, data, []byte{byte(i), 'm'})
		if i%5 == 4 {
			if err := s.Delete(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestIndexRebuild(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, index string)
	}{
		{"deleted", func(t *testing.T, index string) { os.RemoveAll(index) }},
		{"garbage CURRENT", func(t *testing.T, index string) {
			os.WriteFile(filepath.Join(index, "CURRENT"), []byte("MANIFEST-999999\n"), 0o600)
		}},
		{"truncated manifest", func(t *testing.T, index string) {
			ms, _ := filepath.Glob(filepath.Join(index, "MANIFEST-*"))
			for _, m := range ms {
				os.WriteFile(m, []byte("junk"), 0o600)
			}
		}},
		{"empty directory", func(t *testing.T, index string) {
			os.RemoveAll(index)
			os.MkdirAll(index, 0o700)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTest(t, dir, Config{})
			fill(t, s, 30)
			want, wantUsage := infos(t, s), wantUsageIsFiles(t, s)
			s.Close()

			tc.damage(t, filepath.Join(dir, indexDir))
			s = openTest(t, dir, Config{})
			got, gotUsage := infos(t, s), wantUsageIsFiles(t, s)
			if !reflect.DeepEqual(normal(got), normal(want)) {
				t.Fatalf("rebuilt index differs:\n got %v\nwant %v", got, want)
			}
			if gotUsage != wantUsage {
				t.Fatalf("usage after rebuild %+v, want %+v", gotUsage, wantUsage)
			}
			mustCheck(t, s)
		})
	}
}

// normal makes Infos comparable with DeepEqual.
func normal(in []store.Info) []store.Info {
	out := make([]store.Info, len(in))
	for i, info := range in {
		info.StoredAt = info.StoredAt.UTC()
		info.LastScrub = info.LastScrub.UTC()
		out[i] = info
	}
	return out
}

func TestReconcile(t *testing.T) {
	// donor holds a chunk the store under test never saw.
	donorDir := t.TempDir()
	donor := openTest(t, donorDir, Config{})
	stray, strayID := storetest.Chunk(77, 50000)
	storetest.MustPut(t, donor, stray, []byte("donated"))
	donor.Close()
	strayFile, err := os.ReadFile(donor.chunkPath(strayID))
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name    string
		damage  func(t *testing.T, s *Store, victim string)
		chunks  int64 // readable chunks after reopening (of 3 put)
		hasDonr bool
	}{
		{"temp file", func(t *testing.T, s *Store, _ string) {
			os.WriteFile(filepath.Join(s.dir, tmpDir, "put-123"), []byte("half a chunk"), 0o600)
		}, 3, false},
		{"file without entry", func(t *testing.T, s *Store, _ string) {
			os.WriteFile(s.chunkPath(strayID), strayFile, 0o600)
		}, 4, true},
		{"corrupt file without entry", func(t *testing.T, s *Store, _ string) {
			os.WriteFile(s.chunkPath(strayID), strayFile, 0o600)
			flipBit(t, s.chunkPath(strayID), 100)
		}, 3, false},
		{"entry without file", func(t *testing.T, s *Store, victim string) { os.Remove(victim) }, 2, false},
		{"truncated file", func(t *testing.T, s *Store, victim string) { os.Truncate(victim, 100) }, 2, false},
		{"foreign file", func(t *testing.T, s *Store, _ string) {
			os.WriteFile(filepath.Join(s.dir, chunksDir, "00", "notes.txt"), []byte("hi"), 0o600)
		}, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openTest(t, dir, Config{})
			var victim string
			for i := range 3 {
				data, id := storetest.Chunk(uint64(i), 20000+i)
				storetest.MustPut(t, s, data, nil)
				victim = s.chunkPath(id)
			}
			s.Close()
			tc.damage(t, s, victim)
			s = openTest(t, dir, Config{})
			wantNoTemps(t, dir)
			u := storetest.MustUsage(t, s)
			if u.Chunks != tc.chunks {
				t.Fatalf("%d chunks after reconcile, want %d", u.Chunks, tc.chunks)
			}
			if tc.name != "foreign file" {
				wantUsageIsFiles(t, s)
			}
			mustCheck(t, s)
			has, _ := s.Has(context.Background(), strayID)
			if has != tc.hasDonr {
				t.Fatalf("Has(adopted chunk) = %v, want %v", has, tc.hasDonr)
			}
			if has {
				info, _ := s.Stat(context.Background(), strayID)
				if string(info.Meta) != "donated" {
					t.Fatalf("adopted chunk lost its metadata: %q", info.Meta)
				}
				if got := storetest.ReadAll(t, s, strayID, 0, -1); !bytes.Equal(got, stray) {
					t.Fatal("adopted chunk reads back wrong")
				}
			}
		})
	}
}
