package catalog

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// dirContains reports the files under dir that contain needle.
func dirContains(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if bytes.Contains(b, needle) {
			hits = append(hits, filepath.Base(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// TestDirectoryRevealsNothing writes a canary entry and journal and greps
// every file in the directory, both while open (write-ahead log) and after
// compaction into tables, for the name, volume, reference and CID.
func TestDirectoryRevealsNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := openTest(t, dir, testMaster(t, 1))
	e := testEntry(t, "canary-volume-c4f1", "canary-name-9e2b.txt")
	mustPut(t, c, e)
	journal := []byte("canary-journal-77d0")
	if err := c.PutJournal(ctx, "canary-journal-id-51a3", journal); err != nil {
		t.Fatal(err)
	}
	key := e.Ref.Key.Raw()
	secrets := map[string][]byte{
		"name":          []byte(e.Name),
		"volume":        []byte(e.Volume),
		"reference":     []byte(e.Ref.Encode()),
		"CID string":    []byte(e.Ref.Manifest.String()),
		"CID bytes":     e.Ref.Manifest.Bytes(),
		"file key":      key[:],
		"journal":       journal,
		"journal id":    []byte("canary-journal-id-51a3"),
		"redundancy":    []byte{byte(fRedundancy<<3 | 2), 3, '4', '+', '2'},
		"plain message": encodeEntry(&e)[:20],
	}
	check := func(when string) {
		t.Helper()
		// The grep must see the database: the entry's hashed key is there.
		if hits := dirContains(t, dir, c.ix.entryKey(e.Volume, e.Name)); len(hits) == 0 {
			t.Fatalf("%s: the entry key is in no file; the grep sees nothing", when)
		}
		for what, s := range secrets {
			if hits := dirContains(t, dir, s); len(hits) > 0 {
				t.Errorf("%s: the %s is readable in %v", when, what, hits)
			}
		}
	}
	check("in the log")
	if err := c.db.CompactRange(util.Range{}); err != nil {
		t.Fatal(err)
	}
	// leveldb deletes the compacted files in the background; closing waits
	// for that, so the walk does not race a file's removal.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	check("after compaction")
}

// TestSwappedValuesDetected copies one entry's sealed value under another
// entry's key (and under a journal's key) with the raw leveldb API.
func TestSwappedValuesDetected(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mk := testMaster(t, 1)
	c, err := Open(dir, mk)
	if err != nil {
		t.Fatal(err)
	}
	a, b := testEntry(t, "v", "a"), testEntry(t, "v", "b")
	mustPut(t, c, a, b)
	if err := c.PutJournal(ctx, "j", []byte("journal")); err != nil {
		t.Fatal(err)
	}
	keyA, keyB, keyJ := c.ix.entryKey("v", "a"), c.ix.entryKey("v", "b"), c.ix.journalKey("j")
	c.Close()

	db, err := leveldb.OpenFile(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	va, err := db.Get(keyA, nil)
	if err == nil {
		err = db.Put(keyB, va, nil)
	}
	if err == nil {
		err = db.Put(keyJ, va, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	c = openTest(t, dir, mk)
	if got, err := c.Get(ctx, "v", "a"); err != nil || sameEntry(got, a) != "" {
		t.Fatalf("untouched entry: %v", err)
	}
	if _, err := c.Get(ctx, "v", "b"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("get swapped entry: %v, want ErrCorrupt", err)
	}
	if _, err := c.List(ctx, "v"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("list with a swapped entry: %v, want ErrCorrupt", err)
	}
	if _, err := c.Journal(ctx, "j"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("entry moved into the journal space: %v, want ErrCorrupt", err)
	}
}

func TestWrongKey(t *testing.T) {
	dir := t.TempDir()
	c, err := Open(dir, testMaster(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, c, testEntry(t, "v", "n"))
	c.Close()
	if c, err := Open(dir, testMaster(t, 2)); !errors.Is(err, ErrWrongKey) {
		if err == nil {
			c.Close()
		}
		t.Fatalf("open with another master key: %v, want ErrWrongKey", err)
	}
	openTest(t, dir, testMaster(t, 1)) // the failed open left it intact
}

// rawPut replaces one record of a closed catalog.
func rawPut(t *testing.T, dir string, key, value []byte) {
	t.Helper()
	db, err := leveldb.OpenFile(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if value == nil {
		err = db.Delete(key, nil)
	} else {
		err = db.Put(key, value, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestVersionRecord(t *testing.T) {
	mk := testMaster(t, 1)
	for _, tc := range []struct {
		name string
		edit func(v []byte) []byte
		want error
	}{
		{"future version", func(v []byte) []byte { v[4] = 2; return v }, ErrVersion},
		{"version 0", func(v []byte) []byte { v[4] = 0; return v }, ErrVersion},
		{"bad magic", func(v []byte) []byte { v[0] = 'X'; return v }, ErrCorrupt},
		{"truncated", func(v []byte) []byte { return v[:len(v)-1] }, ErrCorrupt},
		{"tag flipped", func(v []byte) []byte { v[len(v)-1] ^= 1; return v }, ErrWrongKey},
		{"missing", func([]byte) []byte { return nil }, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c, err := Open(dir, mk)
			if err != nil {
				t.Fatal(err)
			}
			mustPut(t, c, testEntry(t, "v", "n"))
			v, err := c.db.Get(versionKey, nil)
			c.Close()
			if err != nil {
				t.Fatal(err)
			}
			rawPut(t, dir, versionKey, tc.edit(v))
			c, err = Open(dir, mk)
			if err == nil {
				c.Close()
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("open: %v, want %v", err, tc.want)
			}
		})
	}
}
