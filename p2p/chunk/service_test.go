package chunk

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/store"
)

func TestRoundTrip(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	h, k := e.party(1)
	srv := e.server().ID
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			st := kind.open(t, 0)
			e.serve(t, st, nil)
			for _, tc := range []struct {
				name        string
				size        int
				off, length int64
			}{
				{"empty", 0, 0, -1},
				{"1 B", 1, 0, 1},
				{"64 KiB", 64 << 10, 1000, 5000},
				{"4 MiB", 4 << 20, 3 << 20, -1},
			} {
				t.Run(tc.name, func(t *testing.T) {
					ctx := testCtx(t)
					data := randomChunk(t, tc.size)
					o := signedOrder(t, k, data)
					res, err := c.Upload(ctx, h, srv, o, bytes.NewReader(data))
					if err != nil {
						t.Fatal(err)
					}
					if res.AlreadyStored || res.Receipt.OrderHash != o.Hash() || res.Receipt.Node != srv {
						t.Fatalf("result %+v", res)
					}
					if err := VerifyReceipt(&res.Receipt); err != nil {
						t.Fatal(err)
					}
					if ok, err := c.Has(ctx, h, srv, o.Chunk); err != nil || !ok {
						t.Fatalf("Has = %v, %v", ok, err)
					}
					info, err := st.Stat(ctx, o.Chunk)
					if err != nil {
						t.Fatal(err)
					}
					if held, err := UnmarshalOrder(info.Meta); err != nil || held.Hash() != o.Hash() {
						t.Fatalf("stored order %+v, %v", held, err)
					}

					got := getAll(t, c, h, srv, o, 0, -1)
					if !bytes.Equal(got, data) {
						t.Fatalf("GET returned %d bytes, differing", len(got))
					}
					want := data[tc.off:]
					if tc.length >= 0 {
						want = want[:tc.length]
					}
					if got := getAll(t, c, h, srv, o, tc.off, tc.length); !bytes.Equal(got, want) {
						t.Fatalf("range GET returned %d bytes, want %d", len(got), len(want))
					}

					if err := c.Delete(ctx, h, srv, o.Chunk); err != nil {
						t.Fatal(err)
					}
					if ok, err := c.Has(ctx, h, srv, o.Chunk); err != nil || ok {
						t.Fatalf("Has after delete = %v, %v", ok, err)
					}
					if _, err := c.Get(ctx, h, srv, o.Chunk, 0, -1); !errors.Is(err, store.ErrNotFound) {
						t.Fatalf("GET after delete: %v", err)
					}
					if err := c.Delete(ctx, h, srv, o.Chunk); !errors.Is(err, store.ErrNotFound) {
						t.Fatalf("second delete: %v", err)
					}
					assertEmpty(t, st)
				})
			}
		})
	}
}

// getAll GETs a range and reads it; a whole chunk is read through a
// VerifyingReader.
func getAll(t *testing.T, c Client, h host.Host, srv peer.ID, o Order, off, length int64) []byte {
	t.Helper()
	ctx := testCtx(t)
	r, err := c.Get(ctx, h, srv, o.Chunk, off, length)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.ChunkSize() != o.Size {
		t.Fatalf("chunk size %d, want %d", r.ChunkSize(), o.Size)
	}
	var body io.Reader = r
	if off == 0 && length < 0 {
		body = NewVerifyingReader(r, o.Chunk)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != r.Len() {
		t.Fatalf("read %d bytes, header said %d", len(b), r.Len())
	}
	return b
}
