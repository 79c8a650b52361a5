package placement

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/golden"
	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/store"
)

func members(n int) []cid.Cid {
	out := make([]cid.Cid, n)
	for i := range out {
		out[i] = store.Sum([]byte(fmt.Sprintf("shard %d", i)))
	}
	return out
}

func peers(t testing.TB, n int) []peer.ID {
	t.Helper()
	out := make([]peer.ID, n)
	for i := range out {
		_, pub, err := crypto.GenerateEd25519Key(nil)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = peer.IDFromPublicKey(pub); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

var t0 = time.UnixMilli(1_700_000_000_000).UTC()

func TestProtoMatchesSchemas(t *testing.T) {
	src, err := os.ReadFile("placement.proto")
	if err != nil {
		t.Fatal(err)
	}
	if err := wire.MatchProto(src, &recordSchema, &holderSchema); err != nil {
		t.Fatal(err)
	}
}

func TestRoundTrip(t *testing.T) {
	ps := peers(t, 6)
	r := New(4, 2, members(6))
	for i := range 6 {
		r.Add(i, ps[i], t0)
	}
	r.Add(0, ps[5], t0.Add(time.Second))
	got, err := Unmarshal(r.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Marshal(), r.Marshal()) || got.Key() != r.Key() {
		t.Fatal("a record does not survive its encoding")
	}
	if of := got.Of(0); len(of) != 2 || of[0] != ps[5] {
		t.Fatalf("holders of member 0: %v, want %s first", of, ps[5])
	}
}

// TestMergeConverges applies the same updates in many orders and
// groupings, some of them pushing past MaxHolders, and wants one record.
func TestMergeConverges(t *testing.T) {
	ps := peers(t, 12)
	var updates []Record
	for i := range 40 {
		u := New(2, 1, members(3))
		u.Add(i%3, ps[i%len(ps)], t0.Add(time.Duration(i%7)*time.Second))
		updates = append(updates, u)
	}
	var want []byte
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		order := rng.Perm(len(updates))
		// Fold the updates into a few replicas, then merge the replicas.
		reps := make([]Record, 1+trial%4)
		for i := range reps {
			reps[i] = New(2, 1, members(3))
		}
		for j, i := range order {
			var err error
			if reps[j%len(reps)], err = Merge(reps[j%len(reps)], updates[i]); err != nil {
				t.Fatal(err)
			}
		}
		got := reps[0]
		for _, r := range reps[1:] {
			got, _ = Merge(r, got)
		}
		if err := got.Check(); err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got.Marshal()
		} else if !bytes.Equal(got.Marshal(), want) {
			t.Fatalf("trial %d: merges in another order disagree", trial)
		}
	}
}

func TestRefused(t *testing.T) {
	ps := peers(t, 6)
	good := New(4, 2, members(6))
	good.Add(0, ps[0], t0)
	over := New(1, 0, members(1))
	for i := range MaxHolders + 1 {
		over.Holders = append(over.Holders, Holder{Member: 0, Peer: ps[i], At: t0})
	}
	sortCanonical(over.Holders)
	bigM := members(MaxStripe + 1)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"too many holders of a member", over.Marshal()},
		{"members not k+m", (&Record{K: 4, M: 1, Members: members(6)}).Marshal()},
		{"too many members", (&Record{K: MaxStripe + 1, Members: bigM}).Marshal()},
		{"member twice", (&Record{K: 2, Members: []cid.Cid{bigM[0], bigM[0]}}).Marshal()},
		{"holder of no member", (&Record{K: 1, Members: bigM[:1], Holders: []Holder{{Member: 3, Peer: ps[0]}}}).Marshal()},
		{"holders out of order", (&Record{K: 1, Members: bigM[:1], Holders: []Holder{{Peer: max(ps[0], ps[1])}, {Peer: min(ps[0], ps[1])}}}).Marshal()},
		{"oversized", append(good.Marshal(), wire.AppendBytes(nil, 9, make([]byte, MaxSize))...)},
		{"k of the wrong wire type", wire.AppendBytes(nil, fK, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Unmarshal(tc.b); !errors.Is(err, ErrBadRecord) {
				t.Fatalf("decoded, or not as a bad record: %v", err)
			}
		})
	}
	if _, err := Merge(good, New(2, 1, members(3))); !errors.Is(err, ErrOtherStripe) {
		t.Fatalf("merged records of two stripes: %v", err)
	}
}

func TestBookSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	ps := peers(t, 2)
	b, err := OpenBook(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := New(1, 1, members(2))
	r.Add(0, ps[0], t0)
	if _, err := b.Merge(ctx, r); err != nil {
		t.Fatal(err)
	}
	u := New(1, 1, members(2))
	u.Add(1, ps[1], t0)
	if _, err := b.Merge(ctx, u); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if b, err = OpenBook(dir); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, ok, err := b.Get(ctx, r.Key())
	if err != nil || !ok {
		t.Fatalf("record gone after restart: %v %v", ok, err)
	}
	if len(got.Of(0)) != 1 || len(got.Of(1)) != 1 {
		t.Fatalf("merged record %+v", got.Holders)
	}
	if err := b.Delete(ctx, r.Key()); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.Len(ctx); n != 0 {
		t.Fatalf("%d records after delete", n)
	}
}

// FuzzRecord: a decoded record re-encodes to itself (the encoding is
// canonical) and merges with itself into itself.
func FuzzRecord(f *testing.F) {
	ps := peers(f, 2)
	r := New(2, 1, members(3))
	r.Add(0, ps[0], t0)
	r.Add(2, ps[1], t0)
	f.Add(r.Marshal())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Unmarshal(b)
		if err != nil {
			return
		}
		enc := r.Marshal()
		again, err := Unmarshal(enc)
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !bytes.Equal(again.Marshal(), enc) {
			t.Fatal("record encoding is not a fixed point")
		}
		m, err := Merge(r, again)
		if err != nil || !bytes.Equal(m.Marshal(), enc) {
			t.Fatalf("merge with itself changed the record: %v", err)
		}
	})
}

// TestGolden pins the record's encoding: two holders of a 2+1 stripe.
func TestGolden(t *testing.T) {
	a, b := peer.ID("\x00\x24\x08\x01\x12\x20"+string(make([]byte, 32))), peer.ID("\x00\x24\x08\x01\x12\x20"+string(bytes.Repeat([]byte{1}, 32)))
	r := New(2, 1, members(3))
	r.Add(0, a, t0)
	r.Add(2, b, t0.Add(time.Second))
	golden.Check(t, "record.golden", r.Marshal())
	got, err := Unmarshal(r.Marshal())
	if err != nil || len(got.Holders) != 2 {
		t.Fatalf("golden record decodes to %+v, %v", got, err)
	}
}
