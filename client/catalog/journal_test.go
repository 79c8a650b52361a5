package catalog

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
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
		if err != nil || !bytes.Equal(got, blob) {
			t.Fatalf("journal of %d bytes came back as %d bytes, %v", len(blob), len(got), err)
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
	if got, err := c.Journal(ctx, "up-2"); err != nil || string(got) != "other" {
		t.Fatalf("neighbouring journal: %q, %v", got, err)
	}
	if js, err := c.Journals(ctx); err != nil || len(js) != 1 || string(js[0]) != "other" {
		t.Fatalf("Journals = %q, %v; want [other]", js, err)
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
	if _, err := c.Journal(ctx, ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("get empty id: %v, want ErrInvalid", err)
	}
}
