package chunk

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/placement"
	"github.com/scatterbytes/scatterbytes/store"

	"github.com/scatterbytes/scatterbytes/internal/golden"
)

// fixedKey is the identity with seed 0x00..0x1f (or 0x20..0x3f for n=1).
func fixedKey(t testing.TB, n byte) identity.Key {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = n*32 + byte(i)
	}
	k, err := identity.FromEd25519(ed25519.NewKeyFromSeed(seed))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var (
	fixedTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	fixedData = []byte("scatterbytes golden chunk")
)

func goldenOrder(t testing.TB) Order {
	o := Order{
		Chunk: store.Sum(fixedData), Size: int64(len(fixedData)),
		Expiry: fixedTime.Add(30 * 24 * time.Hour), K: 4, M: 2,
		Created: fixedTime, Nonce: 0x0123456789abcdef,
	}
	if err := SignOrder(fixedKey(t, 0), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// goldenStripeOrder is goldenOrder as the third shard of a 4+2 stripe.
func goldenStripeOrder(t testing.TB) Order {
	o := Order{
		Chunk: store.Sum(fixedData), Size: int64(len(fixedData)),
		Expiry: fixedTime.Add(30 * 24 * time.Hour), K: 4, M: 2,
		Created: fixedTime, Nonce: 0x0123456789abcdef,
	}
	for i := range 6 {
		if i == 2 {
			o.Stripe = append(o.Stripe, o.Chunk)
			continue
		}
		o.Stripe = append(o.Stripe, store.Sum([]byte{byte(i)}))
	}
	if err := SignOrder(fixedKey(t, 0), &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func goldenReceipt(t testing.TB) Receipt {
	o := goldenOrder(t)
	r := Receipt{Chunk: o.Chunk, Size: o.Size, StoredAt: fixedTime.Add(time.Second), OrderHash: o.Hash()}
	if err := SignReceipt(fixedKey(t, 1), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// goldenMessages are the wire encodings pinned in testdata/*.golden.
func goldenMessages(t testing.TB) map[string][]byte {
	o, r, so := goldenOrder(t), goldenReceipt(t), goldenStripeOrder(t)
	rec := placement.New(so.K, so.M, so.Stripe)
	rec.Add(0, fixedKey(t, 1).PeerID(), fixedTime)
	return map[string][]byte{
		"request-place":         (&request{Op: opPlace, Place: rec.Marshal()}).marshal(),
		"request-placement":     (&request{Op: opPlacement, Chunk: so.Chunk}).marshal(),
		"response-placement":    (&response{Status: codeOK, Place: rec.Marshal()}).marshal(),
		"order":                 o.Marshal(),
		"order-stripe":          so.Marshal(),
		"receipt":               r.Marshal(),
		"request-put":           (&request{Op: opPut, Chunk: o.Chunk, Size: o.Size, Order: o.Marshal()}).marshal(),
		"request-get":           (&request{Op: opGet, Chunk: o.Chunk, Offset: 5, Length: 10}).marshal(),
		"request-get-all":       (&request{Op: opGet, Chunk: o.Chunk, Length: -1}).marshal(),
		"request-has":           (&request{Op: opHas, Chunk: o.Chunk}).marshal(),
		"request-delete":        (&request{Op: opDelete, Chunk: o.Chunk}).marshal(),
		"response-receipt":      (&response{Status: codeOK, Receipt: r.Marshal()}).marshal(),
		"response-have":         (&response{Status: codeHave, Receipt: r.Marshal(), Order: o.Marshal()}).marshal(),
		"response-get":          (&response{Status: codeOK, Size: 25, Length: 10}).marshal(),
		"response-refusal":      (&response{Status: codeNotFound, Message: "chunk not found"}).marshal(),
		"request-space":         (&request{Op: opSpace}).marshal(),
		"response-space":        (&response{Status: codeOK, Free: 3<<20 + 1, Capacity: 4 << 20}).marshal(),
		"response-receipt-free": (&response{Status: codeOK, Receipt: r.Marshal(), Free: 3<<20 + 1}).marshal(),
		"response-no-space": (&response{Status: codeNoSpace, Message: "store capacity exceeded",
			Free: 4096 + 1}).marshal(),
	}
}

func TestGolden(t *testing.T) {
	for name, got := range goldenMessages(t) {
		t.Run(name, func(t *testing.T) {
			golden.Check(t, name+".golden", got)
		})
	}
	t.Run("golden order verifies", func(t *testing.T) {
		b, err := os.ReadFile("testdata/order.golden")
		if err != nil {
			t.Fatal(err)
		}
		o, err := UnmarshalOrder(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyOrder(&o); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("golden receipt verifies", func(t *testing.T) {
		b, err := os.ReadFile("testdata/receipt.golden")
		if err != nil {
			t.Fatal(err)
		}
		r, err := UnmarshalReceipt(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyReceipt(&r); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOrderRoundTrip(t *testing.T) {
	o := goldenOrder(t)
	got, err := UnmarshalOrder(o.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Marshal(), o.Marshal()) || got.Hash() != o.Hash() || !got.Expiry.Equal(o.Expiry) {
		t.Fatalf("round trip changed the order: %+v vs %+v", got, o)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*Order)
	}{
		{"chunk", func(o *Order) { o.Chunk = store.Sum([]byte("other")) }},
		{"size", func(o *Order) { o.Size++ }},
		{"expiry", func(o *Order) { o.Expiry = o.Expiry.Add(time.Millisecond) }},
		{"k", func(o *Order) { o.K++ }},
		{"m", func(o *Order) { o.M++ }},
		{"client", func(o *Order) { o.Client = fixedKey(t, 1).PeerID() }},
		{"created", func(o *Order) { o.Created = o.Created.Add(time.Millisecond) }},
		{"nonce", func(o *Order) { o.Nonce++ }},
	} {
		t.Run("signature covers "+tc.name, func(t *testing.T) {
			m := goldenOrder(t)
			tc.mutate(&m)
			if err := VerifyOrder(&m); !errors.Is(err, ErrBadOrder) {
				t.Fatalf("VerifyOrder after changing %s: %v", tc.name, err)
			}
		})
	}
	t.Run("signature covers the stripe", func(t *testing.T) {
		m := goldenStripeOrder(t)
		m.Stripe[0], m.Stripe[1] = m.Stripe[1], m.Stripe[0]
		if err := VerifyOrder(&m); !errors.Is(err, ErrBadOrder) {
			t.Fatalf("VerifyOrder after reordering the stripe: %v", err)
		}
	})
	t.Run("sign for another client", func(t *testing.T) {
		m := goldenOrder(t)
		if err := SignOrder(fixedKey(t, 1), &m); !errors.Is(err, ErrBadOrder) {
			t.Fatalf("SignOrder with a foreign key: %v", err)
		}
	})
}

func TestReceiptTamper(t *testing.T) {
	r := goldenReceipt(t)
	r.Size++
	if err := VerifyReceipt(&r); !errors.Is(err, ErrBadReceipt) {
		t.Fatalf("tampered receipt: %v", err)
	}
	r = goldenReceipt(t)
	r.Node = fixedKey(t, 0).PeerID()
	if err := VerifyReceipt(&r); !errors.Is(err, ErrBadReceipt) {
		t.Fatalf("receipt claimed by another node: %v", err)
	}
}

func TestErrorCodes(t *testing.T) {
	for _, c := range codes {
		t.Run(c.err.Error(), func(t *testing.T) {
			wrapped := fmt.Errorf("put chunk x: %w", c.err)
			got, msg := errorToCode(wrapped)
			if got != c.code || msg != wrapped.Error() {
				t.Fatalf("errorToCode = %d %q, want %d", got, msg, c.code)
			}
			if back := codeToError(got, msg); !errors.Is(back, c.err) {
				t.Fatalf("codeToError(%d) = %v, does not match %v", got, back, c.err)
			}
		})
	}
	t.Run("internal errors stay private", func(t *testing.T) {
		c, msg := errorToCode(errors.New("open /secret/path: permission denied"))
		if c != codeInternal || msg != ErrRemote.Error() {
			t.Fatalf("errorToCode = %d %q", c, msg)
		}
		if !errors.Is(codeToError(c, msg), ErrRemote) {
			t.Fatal("internal code does not map to ErrRemote")
		}
	})
	t.Run("unknown code", func(t *testing.T) {
		if err := codeToError(99, ""); !errors.Is(err, ErrBadMessage) {
			t.Fatalf("unknown code: %v", err)
		}
	})
}

func TestMessageLimits(t *testing.T) {
	var buf bytes.Buffer
	if err := writeMsg(&buf, make([]byte, MaxMessage+1)); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("writing an oversized header: %v", err)
	}
	// A length prefix above the limit is refused before the body is read.
	big := []byte{0x81, 0x80, 0x08} // 131073
	if _, err := readMsg(bytes.NewReader(big)); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("reading an oversized header: %v", err)
	}
	// readMsg leaves the raw bytes after the header in the reader.
	buf.Reset()
	writeMsg(&buf, []byte("head"))
	buf.WriteString("body")
	if m, err := readMsg(&buf); err != nil || string(m) != "head" || buf.String() != "body" {
		t.Fatalf("readMsg = %q, %v; left %q", m, err, buf.String())
	}
}

func TestOrderStripe(t *testing.T) {
	o := goldenStripeOrder(t)
	got, err := UnmarshalOrder(o.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyOrder(&got); err != nil || got.Hash() != o.Hash() || len(got.Stripe) != 6 {
		t.Fatalf("decoded stripe order: %v, %d shards", err, len(got.Stripe))
	}
	for i, id := range o.Stripe {
		if !got.Covers(id) || got.Shard(id) != i {
			t.Fatalf("shard %d: covered %v at %d", i, got.Covers(id), got.Shard(id))
		}
	}
	if got.Covers(store.Sum([]byte("elsewhere"))) {
		t.Fatal("the order covers a chunk outside its stripe")
	}
	if plain := goldenOrder(t); !plain.Covers(plain.Chunk) || plain.Covers(o.Stripe[0]) || plain.Shard(plain.Chunk) != 0 {
		t.Fatal("an order without a stripe must cover its chunk alone")
	}
	other := store.Sum([]byte("other"))
	for _, tc := range []struct {
		name   string
		mutate func(*Order)
	}{
		{"too few shards", func(o *Order) { o.Stripe = o.Stripe[:5] }},
		{"a shard twice", func(o *Order) { o.Stripe[5] = o.Stripe[0] }},
		{"without the order's chunk", func(o *Order) { o.Stripe[2] = other }},
		{"an invalid ID", func(o *Order) { o.Stripe[0] = cid.Undef }},
		{"over MaxStripe", func(o *Order) {
			o.K, o.M, o.Stripe = MaxStripe, 1, nil
			for i := range MaxStripe + 1 {
				o.Stripe = append(o.Stripe, store.Sum([]byte{byte(i), byte(i >> 8)}))
			}
			o.Stripe[0] = o.Chunk
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := goldenStripeOrder(t)
			m.Signature = nil
			tc.mutate(&m)
			if err := SignOrder(fixedKey(t, 0), &m); !errors.Is(err, ErrBadOrder) {
				t.Fatalf("SignOrder: %v, want ErrBadOrder", err)
			}
		})
	}
	// The largest order fits the store's metadata.
	big := goldenStripeOrder(t)
	big.K, big.M, big.Stripe, big.Signature = MaxStripe-1, 1, nil, nil
	for i := range MaxStripe {
		big.Stripe = append(big.Stripe, store.Sum([]byte{byte(i), 1}))
	}
	big.Stripe[0] = big.Chunk
	if err := SignOrder(fixedKey(t, 0), &big); err != nil {
		t.Fatal(err)
	}
	if n := len(big.Marshal()); n > MaxOrder {
		t.Fatalf("an order with %d shards is %d bytes, over MaxOrder %d", MaxStripe, n, MaxOrder)
	}
	if _, err := UnmarshalOrder(big.Marshal()); err != nil {
		t.Fatalf("the largest order does not decode: %v", err)
	}
}
