package chunk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/store"
)

// rawPut sends a PUT whose request announces chunk and size regardless of
// the order, which Client.Put never does.
func rawPut(ctx context.Context, c Client, h host.Host, p peer.ID, req *request, o *Order, r io.Reader) error {
	x, err := c.open(ctx, h, p, req)
	if err != nil {
		return err
	}
	defer x.abort()
	_, err = x.put(req, o, r)
	return err
}

func TestPutRefusals(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	h, k := e.party(1)
	srv := e.server().ID
	data := randomChunk(t, 64<<10)
	otherData := randomChunk(t, 64<<10)

	for _, tc := range []struct {
		name      string
		order     func() Order
		body      []byte // nil: the body must never be asked for
		want      error
		chunk     []byte // the request announces this chunk instead of the order's
		size      int64  // the request announces this size instead of the order's, if > 0
		maxChunk  int64
		bodyAsked bool
	}{
		{name: "unsigned", want: ErrBadOrder, order: func() Order {
			o := signedOrder(t, k, data)
			o.Signature = nil
			return o
		}},
		{name: "bad signature", want: ErrBadOrder, order: func() Order {
			o := signedOrder(t, k, data)
			o.Signature[3] ^= 1
			return o
		}},
		{name: "altered after signing", want: ErrBadOrder, order: func() Order {
			o := signedOrder(t, k, data)
			o.Expiry = o.Expiry.Add(time.Hour)
			return o
		}},
		{name: "stripe order for a chunk outside its stripe", want: ErrOrderMismatch, chunk: otherData,
			order: func() Order { return stripeOrder(t, k, data, randomChunk(t, 64<<10)) }},
		{name: "expired", want: ErrOrderExpired, order: func() Order {
			o := Order{Chunk: store.Sum(data), Size: int64(len(data)), Expiry: time.Now().Add(-time.Second), K: 1}
			if err := SignOrder(k, &o); err != nil {
				t.Fatal(err)
			}
			return o
		}},
		{name: "no redundancy", want: ErrBadOrder, order: func() Order {
			o := signedOrder(t, k, data)
			o.K = 0
			o.Signature, _ = k.Sign(o.signedBytes())
			return o
		}},
		{name: "signed for another chunk", want: store.ErrMismatch, bodyAsked: true,
			order: func() Order { return signedOrder(t, k, otherData) }, body: data},
		{name: "request for another chunk", want: ErrOrderMismatch, chunk: data,
			order: func() Order { return signedOrder(t, k, otherData) }},
		{name: "request for another size", want: ErrOrderMismatch, size: 1000,
			order: func() Order { return signedOrder(t, k, data) }},
		{name: "larger than the node accepts", want: ErrTooLarge, maxChunk: 32 << 10,
			order: func() Order { return signedOrder(t, k, data) }},
		{name: "bytes do not match", want: store.ErrMismatch, bodyAsked: true, body: otherData,
			order: func() Order { return signedOrder(t, k, data) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, kind := range storeKinds {
				t.Run(kind.name, func(t *testing.T) {
					st := kind.open(t, 0)
					e.serve(t, st, func(cfg *Config) {
						if tc.maxChunk > 0 {
							cfg.MaxChunk = tc.maxChunk
						}
					})
					o := tc.order()
					req := &request{Op: opPut, Chunk: o.Chunk, Size: o.Size, Order: o.Marshal()}
					if tc.chunk != nil {
						req.Chunk = store.Sum(tc.chunk)
					}
					if tc.size > 0 {
						req.Size = tc.size
					}
					var body io.Reader = untouched{t}
					counted := &countingReader{r: bytes.NewReader(tc.body)}
					if tc.body != nil {
						body = counted
					}
					err := rawPut(testCtx(t), c, h, srv, req, &o, body)
					if !errors.Is(err, tc.want) {
						t.Fatalf("PUT: %v, want %v", err, tc.want)
					}
					if tc.bodyAsked && counted.n != int64(len(tc.body)) {
						t.Fatalf("sent %d body bytes, want %d", counted.n, len(tc.body))
					}
					assertEmpty(t, st)
				})
			}
		})
	}
}

func TestPutShortBody(t *testing.T) {
	e := newEnv(t)
	h, k := e.party(1)
	st := storeKinds[0].open(t, 0)
	e.serve(t, st, nil)
	data := randomChunk(t, 64<<10)
	o := signedOrder(t, k, data)
	_, err := e.client().Put(testCtx(t), h, e.server().ID, o, bytes.NewReader(data[:1000]))
	if !errors.Is(err, ErrShortBody) {
		t.Fatalf("PUT: %v, want ErrShortBody", err)
	}
	waitFor(t, func() error { return usageEmpty(st) })
}

func TestQuotaRefusedBeforeBody(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	h, k := e.party(1)
	srv := e.server().ID
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			ctx := testCtx(t)
			st := kind.open(t, 100<<10)
			e.serve(t, st, nil)
			first := randomChunk(t, 64<<10)
			if _, err := c.Put(ctx, h, srv, signedOrder(t, k, first), bytes.NewReader(first)); err != nil {
				t.Fatal(err)
			}
			before, _ := st.Usage(ctx)
			second := randomChunk(t, 64<<10)
			_, err := c.Put(ctx, h, srv, signedOrder(t, k, second), untouched{t})
			if !errors.Is(err, store.ErrNoSpace) {
				t.Fatalf("PUT over quota: %v, want ErrNoSpace", err)
			}
			if after, _ := st.Usage(ctx); after != before {
				t.Fatalf("usage %+v after refusal, was %+v", after, before)
			}
		})
	}
}

func TestIdempotentPut(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	h, k := e.party(1)
	srv := e.server().ID
	ctx := testCtx(t)
	st := storeKinds[0].open(t, 0)
	e.serve(t, st, nil)
	data := randomChunk(t, 256<<10)
	first := signedOrder(t, k, data)
	res1, err := c.Upload(ctx, h, srv, first, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	again := signedOrder(t, k, data) // a fresh order: new nonce
	res2, err := c.Upload(ctx, h, srv, again, untouched{t})
	if err != nil {
		t.Fatal(err)
	}
	if !res2.AlreadyStored || res1.AlreadyStored {
		t.Fatalf("AlreadyStored %v then %v, want false then true", res1.AlreadyStored, res2.AlreadyStored)
	}
	if res2.Receipt.OrderHash != first.Hash() || res2.Held.Hash() != first.Hash() {
		t.Fatal("second receipt does not name the order the chunk is held under")
	}
	if !res2.Receipt.StoredAt.Equal(res1.Receipt.StoredAt) && res2.Receipt.StoredAt.After(res1.Receipt.StoredAt.Add(time.Second)) {
		t.Fatalf("stored at %v, then %v", res1.Receipt.StoredAt, res2.Receipt.StoredAt)
	}
	if u, _ := st.Usage(ctx); u.Chunks != 1 {
		t.Fatalf("%d chunks stored", u.Chunks)
	}
}

func TestOwnership(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	ha, ka := e.party(1)
	hb, kb := e.party(2)
	srv := e.server().ID
	ctx := testCtx(t)
	st := storeKinds[0].open(t, 0)
	e.serve(t, st, nil)
	data := randomChunk(t, 1000)
	o := signedOrder(t, ka, data)
	if _, err := c.Put(ctx, ha, srv, o, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	t.Run("delete by another client", func(t *testing.T) {
		if err := c.Delete(ctx, hb, srv, o.Chunk); !errors.Is(err, ErrNotOwner) {
			t.Fatalf("DELETE by B: %v, want ErrNotOwner", err)
		}
		if ok, _ := c.Has(ctx, hb, srv, o.Chunk); !ok {
			t.Fatal("chunk gone after refused delete")
		}
	})
	t.Run("put by another client", func(t *testing.T) {
		_, err := c.Put(ctx, hb, srv, signedOrder(t, kb, data), untouched{t})
		if !errors.Is(err, ErrNotOwner) {
			t.Fatalf("PUT by B: %v, want ErrNotOwner", err)
		}
	})
	t.Run("anyone verified may read", func(t *testing.T) {
		if got := getAll(t, c, hb, srv, o, 0, -1); !bytes.Equal(got, data) {
			t.Fatal("B read other bytes")
		}
	})
}

func TestUnverifiedPeerRefused(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	ha, ka := e.party(1)
	srv := e.server().Node()
	ctx := testCtx(t)
	st := storeKinds[0].open(t, 0)
	e.serve(t, st, nil)
	stored := randomChunk(t, 1000)
	so := signedOrder(t, ka, stored)
	if _, err := c.Put(ctx, ha, srv.ID(), so, bytes.NewReader(stored)); err != nil {
		t.Fatal(err)
	}
	before, _ := st.Usage(ctx)

	h, rk := rogue(t)
	if err := h.Connect(ctx, srv.AddrInfo()); err != nil {
		t.Logf("connect: %v", err) // the gate may close the connection at once
	}
	h.Peerstore().AddAddrs(srv.ID(), srv.AddrInfo().Addrs, time.Hour)
	data := randomChunk(t, 1000)
	o := signedOrder(t, rk, data) // a valid order: only the gate stands in the way
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := c.Put(short, h, srv.ID(), o, bytes.NewReader(data)); err == nil {
		t.Fatal("unverified peer stored a chunk")
	} else {
		t.Logf("PUT: %v", err)
	}
	if r, err := c.Get(short, h, srv.ID(), so.Chunk, 0, -1); err == nil {
		b, rerr := io.ReadAll(r)
		r.Close()
		if rerr == nil || len(b) > 0 {
			t.Fatalf("unverified peer read %d bytes", len(b))
		}
	}
	if ok, err := c.Has(short, h, srv.ID(), so.Chunk); err == nil || ok {
		t.Fatalf("unverified peer asked HAS: %v, %v", ok, err)
	}
	if after, _ := st.Usage(ctx); after != before {
		t.Fatalf("usage changed from %+v to %+v", before, after)
	}
}

func TestBusy(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	h, _ := e.party(1)
	srv := e.server().ID
	ctx := testCtx(t)
	svc := e.serve(t, storeKinds[0].open(t, 0), func(cfg *Config) { cfg.MaxStreamsPerPeer = 1 })
	// An exchange that never sends its request holds the peer's one slot.
	s, err := h.NewStream(ctx, srv, e.pid)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Reset()
	s.Write([]byte{}) // make the stream known to the node
	waitFor(t, func() error {
		svc.limits.mu.Lock()
		defer svc.limits.mu.Unlock()
		if svc.limits.streams[h.ID()] != 1 {
			return errors.New("slot not taken yet")
		}
		return nil
	})
	if _, err := c.Has(ctx, h, srv, store.Sum([]byte("x"))); !errors.Is(err, ErrBusy) {
		t.Fatalf("HAS over the stream limit: %v, want ErrBusy", err)
	}
	s.Reset()
	waitFor(t, func() error {
		_, err := c.Has(ctx, h, srv, store.Sum([]byte("x")))
		return err
	})
}

func usageEmpty(st store.Store) error {
	u, err := st.Usage(context.Background())
	if err == nil && (u.Chunks != 0 || u.Bytes != 0) {
		err = errors.New("store not empty")
	}
	return err
}

func waitFor(t *testing.T, cond func() error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := testnet.WaitFor(ctx, cond); err != nil {
		t.Fatal(err)
	}
}

// stripeOrder signs an order for data's chunk whose stripe is data and
// the others, 1+len(others), all of data's size.
func stripeOrder(t testing.TB, k identity.Key, data []byte, others ...[]byte) Order {
	t.Helper()
	ids := []cid.Cid{store.Sum(data)}
	for _, d := range others {
		ids = append(ids, store.Sum(d))
	}
	o := Order{Chunk: ids[0], Size: int64(len(data)), Expiry: time.Now().Add(time.Hour), K: 1, M: len(others), Stripe: ids}
	if err := SignOrder(k, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// A member other than the client may PUT any shard of a stripe under the
// client's order for another shard of it, and a copy of a replicated
// chunk under the client's order for it: that is repair. The node keeps
// the client's order, receipts name the client's order, and the client
// still owns (may delete) the shard.
func TestPutShardUnderAClientsOrder(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	_, client := e.party(1)
	repairer, _ := e.party(2)
	st := storeKinds[0].open(t, 0)
	e.serve(t, st, nil)
	own, lost := randomChunk(t, 64<<10), randomChunk(t, 64<<10)
	o := stripeOrder(t, client, own, lost)
	lostID := store.Sum(lost)

	res, err := c.UploadShard(testCtx(t), repairer, e.server().ID, o, lostID, bytes.NewReader(lost))
	if err != nil {
		t.Fatalf("repairer's PUT of a stripe shard: %v", err)
	}
	if res.AlreadyStored || !res.Receipt.Chunk.Equals(lostID) || res.Receipt.OrderHash != o.Hash() {
		t.Fatalf("receipt %+v, stored before %v: want a new receipt for %s under the client's order", res.Receipt, res.AlreadyStored, lostID)
	}
	info, err := st.Stat(testCtx(t), lostID)
	if err != nil {
		t.Fatal(err)
	}
	held, err := UnmarshalOrder(info.Meta)
	if err != nil || held.Hash() != o.Hash() || held.Client != client.PeerID() {
		t.Fatalf("the node keeps order %+v (%v), want the client's", held, err)
	}
	// Again: the node has it, under an order of the same client.
	res, err = c.UploadShard(testCtx(t), repairer, e.server().ID, o, lostID, untouched{t})
	if err != nil || !res.AlreadyStored {
		t.Fatalf("second PUT: %v, stored before %v; want HAVE", err, res.AlreadyStored)
	}
	// Not for a chunk the order does not cover, and not without a stripe.
	if _, err := c.UploadShard(testCtx(t), repairer, e.server().ID, o, store.Sum(randomChunk(t, 64<<10)), untouched{t}); !errors.Is(err, ErrOrderMismatch) {
		t.Fatalf("PUT of a chunk outside the stripe: %v, want ErrOrderMismatch", err)
	}
	// A copy of a replicated chunk (an order without a stripe) too.
	plain := signedOrder(t, client, own)
	if _, err := c.Upload(testCtx(t), repairer, e.server().ID, plain, bytes.NewReader(own)); err != nil {
		t.Fatalf("PUT by a member under the client's order: %v", err)
	}
}
