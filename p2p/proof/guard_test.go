package proof

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/store"
)

// TestDeferredDelete: an owner's delete of a committed chunk keeps its
// bytes until the beacon has challenged the commitment, so a sample of it
// passes, and until the proof after, so a spot check of that sample
// passes too; then the chunk goes.
func TestDeferredDelete(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	g := f.prover.Guard(f.st)
	f.put(t, 5, 10<<10)
	f.prove(t)
	b := f.beacon(t)
	gone := f.sampled(t, b, 0)
	if err := g.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if ok, _ := g.Has(ctx, gone); ok {
		t.Fatal("a deleted chunk is still visible through the guard")
	}
	if _, err := g.Stat(ctx, gone); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stat of a deleted chunk: %v", err)
	}
	if err := g.Delete(ctx, gone); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	p, err := f.prover.Prove(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Verify(p, f.opts)
	if err != nil {
		t.Fatalf("the deleted chunk's sample failed: %v", err)
	}
	if r.Bytes != 5*10<<10 || r.Next.Count != 4 {
		t.Fatalf("proved %d bytes, next commits %d chunks", r.Bytes, r.Next.Count)
	}
	// The coordinator may spot-check that proof's samples until the next
	// one: the bytes stay (hidden) until then, then go.
	if ok, _ := f.st.Has(ctx, gone); !ok {
		t.Fatal("the deleted chunk's bytes went before a spot check of the proof that sampled it could fetch them")
	}
	if ok, _ := g.Has(ctx, gone); ok {
		t.Fatal("a deleted chunk came back into view after the proof")
	}
	f.prove(t)
	if ok, _ := f.st.Has(ctx, gone); ok {
		t.Fatal("the deferred delete was not carried out a proof later")
	}
	// A chunk no commitment holds goes at once.
	f.put(t, 1, 100)
	fresh := f.ids[len(f.ids)-1]
	if err := g.Delete(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.st.Has(ctx, fresh); ok {
		t.Fatal("an uncommitted chunk's delete was deferred")
	}
}

// TestDeletedThenPutAgain: the owner putting a chunk back while its delete
// is deferred cancels the delete.
func TestDeletedThenPutAgain(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	g := f.prover.Guard(f.st)
	data := make([]byte, 3000)
	rand.Read(data)
	id := store.Sum(data)
	o := f.order(t, id, 3000)
	if err := g.Put(ctx, id, 3000, bytes.NewReader(data), o.Marshal()); err != nil {
		t.Fatal(err)
	}
	f.prove(t)
	if err := g.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	again := f.order(t, id, 3000)
	if err := g.Put(ctx, id, 3000, bytes.NewReader(data), again.Marshal()); !errors.Is(err, store.ErrExists) {
		t.Fatalf("put again: %v, want ErrExists", err)
	}
	f.prove(t)
	if ok, _ := g.Has(ctx, id); !ok {
		t.Fatal("the chunk put back was deleted")
	}
}

// TestDeferredDeleteSurvivesARestart: a node restarted between an owner's
// delete and the commitment that frees the chunk does not bring the
// chunk back: the prover that starts in its place (same Pending file)
// keeps it hidden and deletes it at its first commitment.
func TestDeferredDeleteSurvivesARestart(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	pending := filepath.Join(f.dir, "pending-deletes")
	cfg := f.prover.cfg
	cfg.Pending = pending
	var err error
	if f.prover, err = NewProver(cfg); err != nil {
		t.Fatal(err)
	}
	g := f.prover.Guard(f.st)
	f.put(t, 5, 10<<10)
	f.prove(t)
	gone := f.sampled(t, f.beacon(t), 0)
	if err := g.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.st.Has(ctx, gone); !ok {
		t.Fatal("the delete was not deferred: the test shows nothing")
	}

	// The restart: a new prover on the same store and file.
	again, err := NewProver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g2 := again.Guard(f.st)
	if ok, _ := g2.Has(ctx, gone); ok {
		t.Fatal("after a restart the deleted chunk is visible again")
	}
	if _, err := again.Commit(ctx, 9, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.st.Has(ctx, gone); ok {
		t.Fatal("the deleted chunk was not deleted at the restarted prover's first commitment")
	}
	if _, err := os.Stat(pending); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the pending file outlived its last delete: %v", err)
	}
}
