package disk

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

// openTest opens a store in dir and closes it at the end of the test.
func openTest(t testing.TB, dir string, cfg Config) *Store {
	t.Helper()
	if cfg.Capacity == 0 {
		cfg.Capacity = storetest.Plenty
	}
	s, err := Open(context.Background(), dir, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mustCheck fails the test if the store's index, counters and files
// disagree, and returns the report.
func mustCheck(t testing.TB, s *Store) Report {
	t.Helper()
	rep, err := s.Check(context.Background())
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(rep.Problems) > 0 {
		t.Fatalf("Check found problems: %q", rep.Problems)
	}
	return rep
}

// fileBytes sums the sizes of the chunk and quarantine files under dir.
func fileBytes(t testing.TB, dir string) int64 {
	t.Helper()
	var n int64
	for _, sub := range []string{chunksDir, quarantineDir} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			fi, err := d.Info()
			n += fi.Size()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// wantNoTemps fails the test if a temp file is left.
func wantNoTemps(t testing.TB, dir string) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, tmpDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) > 0 {
		t.Fatalf("%d temp files left, first %s", len(ents), ents[0].Name())
	}
}

// wantUsageIsFiles fails the test unless the usage counters equal the
// files on disk.
func wantUsageIsFiles(t testing.TB, s *Store) store.Usage {
	t.Helper()
	u := storetest.MustUsage(t, s)
	if fb := fileBytes(t, s.dir); u.Bytes != fb {
		t.Fatalf("usage says %d bytes, files hold %d", u.Bytes, fb)
	}
	return u
}

// infos lists every chunk the store iterates over.
func infos(t testing.TB, s store.Iterator) []store.Info {
	t.Helper()
	var all []store.Info
	if err := s.Iterate(context.Background(), cid.Undef, func(i store.Info) error {
		all = append(all, i)
		return nil
	}); err != nil {
		t.Fatalf("Iterate: %v", err)
	}
	return all
}

// flipBit flips one bit of the file at path, at offset off from its end.
func flipBit(t testing.TB, path string, fromEnd int64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[int64(len(b))-1-fromEnd] ^= 0x10
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func removeFile(path string) error { return os.Remove(path) }
