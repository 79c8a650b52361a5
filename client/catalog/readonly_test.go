package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A read-only open sees the last writes (still in the database's log, not
// yet in a table), writes nothing to the directory, refuses writes, and
// shares the catalog with other readers but not with a writer.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mk := testMaster(t, 1)
	w, err := Open(dir, mk)
	if err != nil {
		t.Fatal(err)
	}
	e := testEntry(t, "a", "x")
	mustPut(t, w, e)
	if _, err := OpenReadOnly(dir, mk); !errors.Is(err, ErrInUse) {
		t.Fatalf("read-only open beside a writer = %v, want ErrInUse", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	before := listDir(t, dir)
	r1, err := OpenReadOnly(dir, mk)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := OpenReadOnly(dir, mk)
	if err != nil {
		t.Fatalf("a second reader: %v", err)
	}
	defer r2.Close()
	got, err := r2.Get(ctx, e.Volume, e.Name)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEntry(got, e); d != "" {
		t.Fatal(d)
	}
	if err := r1.Put(ctx, testEntry(t, "a", "y")); err == nil {
		t.Fatal("a read-only catalog took a write")
	}
	if after := listDir(t, dir); after != before {
		t.Fatalf("a read-only open changed the directory:\n%s\nwas\n%s", after, before)
	}
	if _, err := OpenReadOnly(dir, testMaster(t, 2)); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("read-only open with another key = %v, want ErrWrongKey", err)
	}
}

// A catalog that does not exist yet is created, as Open would.
func TestOpenReadOnlyCreates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "catalog")
	c, err := OpenReadOnly(dir, testMaster(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "CURRENT")); err != nil {
		t.Fatal(err)
	}
}

// File files an entry and ends its upload journal in one write.
func TestFileEndsJournal(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "", testMaster(t, 1))
	if err := c.PutJournal(ctx, "up-1", []byte("state")); err != nil {
		t.Fatal(err)
	}
	e := testEntry(t, "a", "x")
	if err := c.File(ctx, e, "up-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, e.Volume, e.Name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Journal(ctx, "up-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("journal after File: %v, want ErrNotFound", err)
	}
	if err := c.File(ctx, testEntry(t, "a", "y"), ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("File without a journal id = %v, want ErrInvalid", err)
	}
}

// listDir names each file of dir with its size and modification time.
func listDir(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		s += fmt.Sprintln(fi.Name(), fi.Size(), fi.ModTime())
	}
	return s
}
