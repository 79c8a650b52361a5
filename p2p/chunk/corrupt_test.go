package chunk

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/disk"
)

// TestGetCorruptChunk flips a byte in a chunk file of a running node's disk
// store: a whole GET fails one byte short instead of delivering the chunk,
// the node quarantines the chunk there and then (no scrub, no restart),
// and the next GET is answered corrupt. A range is sent unchecked.
func TestGetCorruptChunk(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	h, k := e.party(1)
	srv := e.server().ID
	st := storeKinds[1].open(t, 0).(*disk.Store)
	e.serve(t, st, nil)
	ctx := testCtx(t)
	data := randomChunk(t, 300<<10)
	o := signedOrder(t, k, data)
	if _, err := c.Upload(ctx, h, srv, o, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	flipByte(t, st.Dir(), o.Chunk, 1000)

	r, err := c.Get(ctx, h, srv, o.Chunk, 100, 50)
	if err != nil {
		t.Fatalf("range GET: %v", err)
	}
	if b, err := io.ReadAll(r); err != nil || len(b) != 50 {
		t.Fatalf("range GET read %d bytes, %v; ranges are not checked", len(b), err)
	}
	r.Close()

	r, err = c.Get(ctx, h, srv, o.Chunk, 0, -1)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err == nil || len(got) >= len(data) {
		t.Fatalf("GET of a corrupt chunk read %d of %d bytes, err %v; want a failure before the last byte",
			len(got), len(data), err)
	}
	// The node quarantined before it reset the stream.
	if _, err := st.Stat(ctx, o.Chunk); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Stat after the GET = %v, want ErrCorrupt", err)
	}
	if u, err := st.Usage(ctx); err != nil || u.Quarantined != 1 || u.Chunks != 0 {
		t.Fatalf("usage after the GET %+v, %v; want 1 quarantined, 0 chunks", u, err)
	}
	if _, err := c.Get(ctx, h, srv, o.Chunk, 0, -1); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("second GET = %v, want ErrCorrupt", err)
	}
}

// flipByte flips a bit of chunk id's file in the disk store in dir, off
// bytes from the file's end (so in the chunk's bytes, not the header).
func flipByte(t *testing.T, dir string, id cid.Cid, off int) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "chunks", "*", id.String()))
	if err != nil || len(paths) != 1 {
		t.Fatalf("chunk file of %s: %v, %v", id, paths, err)
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1-off] ^= 0x01
	if err := os.WriteFile(paths[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
}
