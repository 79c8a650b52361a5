package catalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/syndtr/goleveldb/leveldb/util"
)

func TestJournal(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "", testMaster(t, 1))
	if _, err := c.Journal(ctx, "up-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("absent journal: %v, want ErrNotFound", err)
	}
	for _, blob := range [][]byte{[]byte("first"), {}, bytes.Repeat([]byte{7}, 1<<20)} {
		if err := c.PutJournal(ctx, "up-1", blob); err != nil {
			t.Fatal(err)
		}
		got, err := c.Journal(ctx, "up-1")
		if err != nil || !bytes.Equal(got.Blob, blob) || len(got.Parts) != 0 {
			t.Fatalf("journal of %d bytes came back as %d bytes and %d parts, %v", len(blob), len(got.Blob), len(got.Parts), err)
		}
	}
	if err := c.PutJournal(ctx, "up-2", []byte("other")); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteJournal(ctx, "up-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Journal(ctx, "up-1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted journal: %v, want ErrNotFound", err)
	}
	if err := c.DeleteJournal(ctx, "up-1"); err != nil {
		t.Fatalf("deleting an absent journal: %v", err)
	}
	if got, err := c.Journal(ctx, "up-2"); err != nil || string(got.Blob) != "other" {
		t.Fatalf("neighbouring journal: %q, %v", got.Blob, err)
	}
	if js, err := c.Journals(ctx); err != nil || len(js) != 1 || string(js[0].Blob) != "other" {
		t.Fatalf("Journals = %v, %v; want [other]", js, err)
	}
	// Journals are not entries.
	if vs, err := c.Volumes(ctx); err != nil || len(vs) != 0 {
		t.Fatalf("journals showed up as volumes %q, %v", vs, err)
	}
}

func TestJournalValidation(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "", testMaster(t, 1))
	for _, tc := range []struct {
		name string
		id   string
		blob []byte
	}{
		{"empty id", "", nil},
		{"long id", strings.Repeat("j", MaxNameSize+1), nil},
		{"big blob", "j", make([]byte, MaxJournalSize+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.PutJournal(ctx, tc.id, tc.blob); !errors.Is(err, ErrInvalid) {
				t.Fatalf("put: %v, want ErrInvalid", err)
			}
		})
	}
	if err := c.PutJournal(ctx, "j", nil, []byte("small"), make([]byte, MaxJournalSize+1)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("put a big part: %v, want ErrInvalid", err)
	}
	if err := c.PutJournal(ctx, "j", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.AppendJournal(ctx, "j", make([]byte, MaxJournalSize+1)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("append a big part: %v, want ErrInvalid", err)
	}
	if j, err := c.Journal(ctx, "j"); err != nil || len(j.Parts) != 0 {
		t.Fatalf("refused parts were stored: %d parts, %v", len(j.Parts), err)
	}
	if _, err := c.Journal(ctx, ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("get empty id: %v, want ErrInvalid", err)
	}
}

// TestJournalParts: appended parts come back in order after the blob, a
// PutJournal replaces them, and deleting or filing the journal removes
// them, leaving nothing of the journal in the database.
func TestJournalParts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mk := testMaster(t, 1)
	c := openTest(t, dir, mk)
	if err := c.AppendJournal(ctx, "up-1", []byte("p")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("append to an absent journal: %v, want ErrNotFound", err)
	}
	if err := c.PutJournal(ctx, "up-1", []byte("head"), []byte("a"), []byte("b")); err != nil {
		t.Fatal(err)
	}
	if err := c.PutJournal(ctx, "up-2", []byte("other"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	// More than 256 parts: the part number's order is the key's.
	want := []string{"a", "b"}
	for i := range 300 {
		p := fmt.Sprintf("part-%d", i)
		if err := c.AppendJournal(ctx, "up-1", []byte(p)); err != nil {
			t.Fatal(err)
		}
		want = append(want, p)
	}
	check := func(id, blob string, parts []string) {
		t.Helper()
		got, err := c.Journal(ctx, id)
		if err != nil || string(got.Blob) != blob || !slices.Equal(strs(got.Parts), parts) {
			t.Fatalf("journal %s = %q with %d parts (%.40q...), %v; want %q with %d parts", id, got.Blob, len(got.Parts), strs(got.Parts), err, blob, len(parts))
		}
	}
	check("up-1", "head", want)
	check("up-2", "other", []string{"x"})
	js, err := c.Journals(ctx)
	if err != nil || len(js) != 2 {
		t.Fatalf("Journals: %d, %v; want 2", len(js), err)
	}
	for _, j := range js {
		if string(j.Blob) == "head" && len(j.Parts) != len(want) || string(j.Blob) == "other" && len(j.Parts) != 1 {
			t.Fatalf("Journals gave %q %d parts", j.Blob, len(j.Parts))
		}
	}
	// Reopened, appending goes on after the last part.
	c.Close()
	c = openTest(t, dir, mk)
	if err := c.AppendJournal(ctx, "up-1", []byte("after")); err != nil {
		t.Fatal(err)
	}
	check("up-1", "head", append(want, "after"))

	if err := c.PutJournal(ctx, "up-1", []byte("head2"), []byte("only")); err != nil {
		t.Fatal(err)
	}
	check("up-1", "head2", []string{"only"})
	if err := c.AppendJournal(ctx, "up-1", []byte("next")); err != nil {
		t.Fatal(err)
	}
	check("up-1", "head2", []string{"only", "next"})

	if err := c.DeleteJournal(ctx, "up-1"); err != nil {
		t.Fatal(err)
	}
	if err := c.File(ctx, testEntry(t, "v", "n"), "up-2"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"up-1", "up-2"} {
		if _, err := c.Journal(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("journal %s after delete or file: %v, want ErrNotFound", id, err)
		}
	}
	it := c.db.NewIterator(util.BytesPrefix(journalPartPrefix), nil)
	defer it.Release()
	if it.Next() {
		t.Fatalf("a part of a removed journal is left in the database")
	}
}

// TestJournalPartMoved: a part copied into another journal or to another
// place in its own fails to open.
func TestJournalPartMoved(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "", testMaster(t, 1))
	if err := c.PutJournal(ctx, "a", []byte("A"), []byte("a0"), []byte("a1")); err != nil {
		t.Fatal(err)
	}
	if err := c.PutJournal(ctx, "b", []byte("B"), []byte("b0")); err != nil {
		t.Fatal(err)
	}
	ka, kb := c.ix.journalKey("a"), c.ix.journalKey("b")
	v, err := c.db.Get(partKey(ka, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.db.Put(partKey(kb, 1), v, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.db.Put(partKey(ka, 0), v, nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if _, err := c.Journal(ctx, id); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("journal %s with a moved part: %v, want ErrCorrupt", id, err)
		}
	}
}

func strs(bs [][]byte) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}
