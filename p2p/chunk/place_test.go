package chunk

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/p2p/placement"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/memstore"
)

// TestPlace: a node keeps the placement of a stripe it holds a member of,
// told by the stripe's client or a holder it knows, and refuses forged,
// oversized and unauthorised records with one clear error each.
func TestPlace(t *testing.T) {
	e := newEnv(t)
	ctx := testCtx(t)
	book, err := placement.OpenBook(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { book.Close() })
	e.serve(t, memstore.New(0), func(c *Config) { c.Placements = book })
	c, node := e.client(), e.server().Node().ID()
	ha, ka := e.party(1)
	hb, _ := e.party(2)

	data := randomChunk(t, 1000)
	stripe := []cid.Cid{store.Sum(data), store.Sum([]byte("b")), store.Sum([]byte("parity"))}
	o := Order{Chunk: stripe[0], Size: 1000, Expiry: time.Now().Add(time.Hour), K: 2, M: 1, Stripe: stripe}
	if err := SignOrder(ka, &o); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Put(ctx, ha, node, o, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rec := placement.New(2, 1, stripe)
	rec.Add(0, node, now)

	// B is no holder the node knows of, nor the client.
	if _, err := c.Place(ctx, hb, node, &rec); !errors.Is(err, ErrNotHolder) {
		t.Fatalf("B's PLACE: %v, want ErrNotHolder", err)
	}
	if _, err := c.Placement(ctx, hb, node, stripe[0]); !store.IsNotFound(err) {
		t.Fatalf("PLACEMENT before any record: %v, want not found", err)
	}
	// The client names B as the holder of member 1.
	rec.Add(1, hb.ID(), now)
	got, err := c.Place(ctx, ha, node, &rec)
	if err != nil || len(got.Holders) != 2 {
		t.Fatalf("client's PLACE: %+v, %v", got.Holders, err)
	}
	// B, now a holder the node knows, adds a third holder; anyone reads.
	upd := placement.New(2, 1, stripe)
	upd.Add(2, ha.ID(), now.Add(time.Second))
	if _, err := c.Place(ctx, hb, node, &upd); err != nil {
		t.Fatalf("a known holder's PLACE: %v", err)
	}
	got, err = c.Placement(ctx, hb, node, stripe[0])
	if err != nil || len(got.Holders) != 3 || got.Of(2)[0] != ha.ID() {
		t.Fatalf("PLACEMENT: %+v, %v", got.Holders, err)
	}

	ahead := placement.New(2, 1, stripe)
	ahead.Add(0, node, now.Add(24*time.Hour))
	for _, tc := range []struct {
		name string
		rec  placement.Record
		want error
	}{
		{"another stripe's members", placement.New(2, 1, []cid.Cid{stripe[0], stripe[1], store.Sum([]byte("x"))}), ErrOrderMismatch},
		{"other redundancy", placement.New(1, 2, stripe), ErrOrderMismatch},
		{"a stripe the node holds nothing of", placement.New(1, 0, []cid.Cid{store.Sum([]byte("y"))}), store.ErrNotFound},
		{"a holder dated far ahead", ahead, ErrBadMessage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.Place(ctx, ha, node, &tc.rec); !errors.Is(err, tc.want) {
				t.Fatalf("PLACE: %v, want %v", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"oversized", make([]byte, placement.MaxSize+1)},
		{"forged bytes", append(rec.Marshal(), 0xff)},
		{"no placement", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := &request{Op: opPlace, Place: tc.b}
			x, err := c.open(ctx, ha, node, req)
			if err != nil {
				t.Fatal(err)
			}
			defer x.done()
			if _, err := x.response(); !errors.Is(err, ErrBadMessage) {
				t.Fatalf("PLACE of %s: %v, want ErrBadMessage", tc.name, err)
			}
		})
	}
	// Nothing refused changed the record.
	if after, _ := c.Placement(ctx, hb, node, stripe[0]); !bytes.Equal(after.Marshal(), got.Marshal()) {
		t.Fatal("a refused PLACE changed the record")
	}
}
