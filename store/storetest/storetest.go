// Package storetest is the conformance suite every store.Store
// implementation runs: the contracts written on the store interfaces,
// checked the same way against each of them.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
)

// Plenty is a capacity no test comes near.
const Plenty = 1 << 40

// Factory opens an empty store with the given capacity in bytes. The
// factory owns cleanup (t.Cleanup); the suite may also Close the store.
type Factory func(t *testing.T, capacity int64) store.Store

// Run runs the whole suite against the stores made by open.
func Run(t *testing.T, open Factory) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Factory)
	}{
		{"PutGet", testPutGet},
		{"Ranges", testRanges},
		{"Exists", testExists},
		{"Mismatch", testMismatch},
		{"BadArguments", testBadArguments},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"Iterate", testIterate},
		{"Meta", testMeta},
		{"Quota", testQuota},
		{"QuotaConcurrent", testQuotaConcurrent},
		{"Cancel", testCancel},
		{"Concurrent", testConcurrent},
		{"Closed", testClosed},
		{"Quarantine", testQuarantine},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// Chunk returns n pseudo-random bytes from seed and their ID.
func Chunk(seed uint64, n int) ([]byte, cid.Cid) {
	data := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24), byte(seed >> 32)})
	r.Read(data)
	return data, store.Sum(data)
}

// MustPut stores data under its ID or fails the test.
func MustPut(t testing.TB, s store.Putter, data []byte, meta []byte) cid.Cid {
	t.Helper()
	id := store.Sum(data)
	if err := s.Put(context.Background(), id, int64(len(data)), bytes.NewReader(data), meta); err != nil {
		t.Fatalf("Put(%d bytes): %v", len(data), err)
	}
	return id
}

// ReadAll reads a range of a chunk or fails the test.
func ReadAll(t testing.TB, s store.Getter, id cid.Cid, off, length int64) []byte {
	t.Helper()
	rc, err := s.Get(context.Background(), id, off, length)
	if err != nil {
		t.Fatalf("Get(%s, %d, %d): %v", id, off, length, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", id, err)
	}
	return b
}

// MustUsage returns the usage or fails the test.
func MustUsage(t testing.TB, s store.Usager) store.Usage {
	t.Helper()
	u, err := s.Usage(context.Background())
	if err != nil {
		t.Fatalf("Usage: %v", err)
	}
	return u
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func wantHas(t *testing.T, s store.Haser, id cid.Cid, want bool) {
	t.Helper()
	got, err := s.Has(context.Background(), id)
	if err != nil {
		t.Fatalf("Has(%s): %v", id, err)
	}
	if got != want {
		t.Fatalf("Has(%s) = %v, want %v", id, got, want)
	}
}

// noRead is a reader that must not be read.
type noRead struct{ t *testing.T }

func (n noRead) Read([]byte) (int, error) {
	n.t.Errorf("reader read although the put should have been refused first")
	return 0, io.EOF
}
