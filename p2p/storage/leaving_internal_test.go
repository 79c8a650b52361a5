package storage

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/memstore"
)

// TestClosableRefusesNewChunks: once closed, the chunk service's store
// refuses a new chunk as if full and says it has no room; what it holds
// stays readable, deletable and quarantinable.
func TestClosableRefusesNewChunks(t *testing.T) {
	ctx := context.Background()
	put := func(st store.Store, b []byte) error {
		return st.Put(ctx, store.Sum(b), int64(len(b)), bytes.NewReader(b), nil)
	}
	for _, tc := range []struct {
		name     string
		capacity int64
		held     []byte // stored before closing; nil: nothing
	}{
		{"limited", 1 << 20, []byte("held before")},
		{"unlimited", 0, []byte("held before")},
		{"empty and unlimited", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var closed atomic.Bool
			st := newClosable(memstore.New(tc.capacity), func() string {
				if closed.Load() {
					return "closed by the test"
				}
				return ""
			})
			if _, ok := st.(store.Quarantiner); !ok {
				t.Fatal("the memstore's Quarantine is hidden")
			}
			if tc.held != nil {
				if err := put(st, tc.held); err != nil {
					t.Fatal(err)
				}
			}
			closed.Store(true)
			if err := put(st, []byte("new")); !errors.Is(err, store.ErrNoSpace) {
				t.Fatalf("put of a new chunk while closed: %v, want ErrNoSpace", err)
			}
			u, err := st.Usage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if u.Free() != 0 {
				t.Fatalf("usage while closed %+v: %d free, want 0", u, u.Free())
			}
			if tc.held == nil {
				return
			}
			id := store.Sum(tc.held)
			if _, err := st.Stat(ctx, id); err != nil {
				t.Fatalf("stat of a held chunk while closed: %v", err)
			}
			if err := st.(store.Quarantiner).Quarantine(ctx, id, errors.New("test")); err != nil {
				t.Fatalf("quarantine while closed: %v", err)
			}
			if err := st.Delete(ctx, id); err != nil {
				t.Fatalf("delete while closed: %v", err)
			}
		})
	}
}
