package catalog

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
)

func TestPutGetReplace(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "", testMaster(t, 1))
	e := testEntry(t, DefaultVolume, "photos/2026/a.jpg")
	mustPut(t, c, e)
	got, err := c.Get(ctx, e.Volume, e.Name)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEntry(got, e); d != "" {
		t.Fatal(d)
	}
	e.Ref = testRef(t, "replacement")
	e.Size = 7
	e.Redundancy = "1+2"
	e.Created = time.Time{}
	mustPut(t, c, e)
	got, err = c.Get(ctx, e.Volume, e.Name)
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEntry(got, e); d != "" {
		t.Fatal("after replace:", d)
	}
	if !got.Created.IsZero() {
		t.Fatalf("unknown creation time came back as %v", got.Created)
	}
	if es, _ := c.List(ctx, DefaultVolume); len(es) != 1 {
		t.Fatalf("replace left %d entries", len(es))
	}
}

// TestRootHolders: the nodes that took a manifest root come back as
// stored, and more than MaxRootHolders is refused.
func TestRootHolders(t *testing.T) {
	c := openTest(t, "", testMaster(t, 1))
	e := testEntry(t, "v", "n")
	for i := range 3 {
		e.RootHolders = append(e.RootHolders, testPeer(t, byte(i)))
	}
	mustPut(t, c, e)
	got, err := c.Get(context.Background(), "v", "n")
	if err != nil {
		t.Fatal(err)
	}
	if d := sameEntry(got, e); d != "" {
		t.Fatal(d)
	}
	for len(e.RootHolders) <= MaxRootHolders {
		e.RootHolders = append(e.RootHolders, e.RootHolders[0])
	}
	if err := c.Put(context.Background(), e); !errors.Is(err, ErrInvalid) {
		t.Fatalf("put with %d root holders: %v, want ErrInvalid", len(e.RootHolders), err)
	}
}

func TestCreatedMillisecondsUTC(t *testing.T) {
	c := openTest(t, "", testMaster(t, 1))
	e := testEntry(t, "v", "n")
	e.Created = time.Date(2026, 3, 4, 5, 6, 7, 891234567, time.FixedZone("x", 3600))
	mustPut(t, c, e)
	got, err := c.Get(context.Background(), "v", "n")
	if err != nil {
		t.Fatal(err)
	}
	if want := e.Created.Truncate(time.Millisecond).UTC(); got.Created != want {
		t.Fatalf("created %v, want %v", got.Created, want)
	}
}

func TestDelete(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "", testMaster(t, 1))
	mustPut(t, c, testEntry(t, "v", "a"), testEntry(t, "v", "b"))
	if err := c.Delete(ctx, "v", "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "v", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get after delete: %v, want ErrNotFound", err)
	}
	if err := c.Delete(ctx, "v", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
	if _, err := c.Get(ctx, "v", "b"); err != nil {
		t.Fatalf("delete took a neighbour: %v", err)
	}
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "", testMaster(t, 1))
	mustPut(t, c, testEntry(t, "v", "a"))
	for _, tc := range []struct{ name, volume, file string }{
		{"other name", "v", "b"},
		{"other volume", "w", "a"},
		{"empty catalog volume", DefaultVolume, "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.Get(ctx, tc.volume, tc.file); !errors.Is(err, ErrNotFound) {
				t.Fatalf("got %v, want ErrNotFound", err)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "", testMaster(t, 1))
	long := strings.Repeat("x", MaxNameSize+1)
	for _, tc := range []struct {
		name string
		edit func(*Entry)
	}{
		{"empty volume", func(e *Entry) { e.Volume = "" }},
		{"empty name", func(e *Entry) { e.Name = "" }},
		{"long volume", func(e *Entry) { e.Volume = long }},
		{"long name", func(e *Entry) { e.Name = long }},
		{"slash in volume", func(e *Entry) { e.Volume = "a/b" }},
		{"bad UTF-8 name", func(e *Entry) { e.Name = "a\xffb" }},
		{"bad UTF-8 volume", func(e *Entry) { e.Volume = "\xc3" }},
		{"no manifest", func(e *Entry) { e.Ref.Manifest = cid.Undef }},
		{"zero key", func(e *Entry) { e.Ref.Key = Entry{}.Ref.Key }},
		{"negative size", func(e *Entry) { e.Size = -1 }},
		{"no redundancy", func(e *Entry) { e.Redundancy = "" }},
		{"bad redundancy", func(e *Entry) { e.Redundancy = "0+2" }},
		{"uncanonical redundancy", func(e *Entry) { e.Redundancy = " 4+2" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEntry(t, "v", "n")
			tc.edit(&e)
			if err := c.Put(ctx, e); !errors.Is(err, ErrInvalid) {
				t.Fatalf("put: %v, want ErrInvalid", err)
			}
		})
	}
	// The limits are inclusive.
	mustPut(t, c, testEntry(t, long[1:], long[1:]))
	if _, err := c.Get(ctx, "a/b", "n"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("get with slash in volume: %v, want ErrInvalid", err)
	}
	if err := c.Delete(ctx, "v", ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("delete empty name: %v, want ErrInvalid", err)
	}
	if _, err := c.List(ctx, ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("list empty volume: %v, want ErrInvalid", err)
	}
}

func TestReopenPersists(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	mk := testMaster(t, 1)
	c, err := Open(dir, mk)
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{testEntry(t, "a", "x"), testEntry(t, "b", "y")}
	mustPut(t, c, want...)
	if err := c.PutJournal(ctx, "up-1", []byte("state")); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	c = openTest(t, dir, mk)
	for _, e := range want {
		got, err := c.Get(ctx, e.Volume, e.Name)
		if err != nil {
			t.Fatal(err)
		}
		if d := sameEntry(got, e); d != "" {
			t.Fatal(d)
		}
	}
	if j, err := c.Journal(ctx, "up-1"); err != nil || string(j.Blob) != "state" {
		t.Fatalf("journal after reopen: %q, %v", j, err)
	}
}

func TestOpenCreatesPrivateDir(t *testing.T) {
	dir := t.TempDir() + "/a/catalog"
	openTest(t, dir, testMaster(t, 1))
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		t.Fatalf("catalog directory mode %v, want 0700", perm)
	}
}

func TestCancelled(t *testing.T) {
	c := openTest(t, "", testMaster(t, 1))
	mustPut(t, c, testEntry(t, "v", "n"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, call := range map[string]func() error{
		"put":     func() error { return c.Put(ctx, testEntry(t, "v", "m")) },
		"get":     func() error { _, err := c.Get(ctx, "v", "n"); return err },
		"delete":  func() error { return c.Delete(ctx, "v", "n") },
		"list":    func() error { _, err := c.List(ctx, "v"); return err },
		"volumes": func() error { _, err := c.Volumes(ctx); return err },
		"find":    func() error { _, err := c.Find(ctx, "*/*"); return err },
		"journal": func() error { return c.PutJournal(ctx, "j", nil) },
	} {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v, want context.Canceled", name, err)
		}
	}
	if es, _ := c.List(context.Background(), "v"); !slices.Equal(names(es), []string{"v/n"}) {
		t.Fatalf("cancelled calls changed the catalog: %v", names(es))
	}
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	c := openTest(t, "", testMaster(t, 1))
	errs := make(chan error, 4)
	for w := range 4 {
		go func() {
			var err error
			for i := range 20 {
				name := string(rune('a'+w)) + strings.Repeat("x", i)
				if err = c.Put(ctx, testEntry(t, "v", name)); err == nil {
					_, err = c.List(ctx, "v")
				}
				if err == nil && i%2 == 0 {
					err = c.Delete(ctx, "v", name)
				}
				if err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if es, err := c.List(ctx, "v"); err != nil || len(es) != 40 {
		t.Fatalf("%d entries, %v; want 40", len(es), err)
	}
}

func TestOpenInUse(t *testing.T) {
	dir := t.TempDir()
	openTest(t, dir, testMaster(t, 1))
	if _, err := Open(dir, testMaster(t, 1)); !errors.Is(err, ErrInUse) {
		t.Fatalf("opening a catalog another holds open = %v, want ErrInUse", err)
	}
}
