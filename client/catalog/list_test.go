package catalog

import (
	"context"
	"errors"
	"path"
	"slices"
	"testing"
)

// fill puts one entry per "volume/name" and returns the catalog.
func fill(t *testing.T, paths ...string) *Catalog {
	t.Helper()
	c := openTest(t, "", testMaster(t, 1))
	for _, p := range paths {
		vol, name := path.Split(p) // names here have no "/"
		mustPut(t, c, testEntry(t, vol[:len(vol)-1], name))
	}
	return c
}

var listPaths = []string{"b/z", "a/m", "b/a", "default/x.txt", "a-b/q", "a/a", "default/y.jpg", "b/m"}

func TestList(t *testing.T) {
	c := fill(t, listPaths...)
	for _, tc := range []struct {
		volume string
		want   []string
	}{
		{"a", []string{"a/a", "a/m"}},
		{"b", []string{"b/a", "b/m", "b/z"}},
		{"a-b", []string{"a-b/q"}},
		{DefaultVolume, []string{"default/x.txt", "default/y.jpg"}},
		{"none", nil},
	} {
		t.Run(tc.volume, func(t *testing.T) {
			es, err := c.List(context.Background(), tc.volume)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(es); !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for _, e := range es {
				if d := sameEntry(e, testEntry(t, e.Volume, e.Name)); d != "" {
					t.Fatal(d)
				}
			}
		})
	}
}

func TestVolumes(t *testing.T) {
	ctx := context.Background()
	c := fill(t, listPaths...)
	got, err := c.Volumes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "a-b", "b", "default"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if err := c.Delete(ctx, "a-b", "q"); err != nil {
		t.Fatal(err)
	}
	got, _ = c.Volumes(ctx)
	if want := []string{"a", "b", "default"}; !slices.Equal(got, want) {
		t.Fatalf("after emptying a-b: got %q, want %q", got, want)
	}
	empty := openTest(t, "", testMaster(t, 1))
	if got, err := empty.Volumes(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty catalog: %q, %v", got, err)
	}
}

func TestFind(t *testing.T) {
	c := fill(t, listPaths...)
	mustPut(t, c, testEntry(t, "a", "dir/file"))
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		{"*/*", []string{"a/a", "a/m", "a-b/q", "b/a", "b/m", "b/z", "default/x.txt", "default/y.jpg"}},
		{"*/m", []string{"a/m", "b/m"}},
		{"a/*", []string{"a/a", "a/m"}},
		{"a*/?", []string{"a/a", "a/m", "a-b/q"}},
		{"default/*.jpg", []string{"default/y.jpg"}},
		{"a/dir/*", []string{"a/dir/file"}},
		{"*/*/*", []string{"a/dir/file"}},
		{"[ab]/[a-m]", []string{"a/a", "a/m", "b/a", "b/m"}},
		{`b/\z`, []string{"b/z"}},
		{"none/*", nil},
		{"*", nil},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			es, err := c.Find(context.Background(), tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(es); !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := c.Find(context.Background(), "a/[x"); !errors.Is(err, path.ErrBadPattern) {
		t.Fatalf("bad pattern: %v, want path.ErrBadPattern", err)
	}
}
