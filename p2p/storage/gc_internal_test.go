package storage

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/disk"
)

// gcFixture is a real disk store behind a prover's guard, as a storage
// node has it, a client that signs orders, and a sweep on a stepped clock.
type gcFixture struct {
	disk    *disk.Store
	guarded store.Store
	prover  *proof.Prover
	client  identity.Key
	clock   *nettest.SteppedClock
	gc      *collector
}

func newGCFixture(t *testing.T, cfg GCConfig) *gcFixture {
	t.Helper()
	d, err := disk.Open(t.Context(), t.TempDir(), disk.Config{Capacity: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	nodeKey, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	client, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	p, err := proof.NewProver(proof.ProverConfig{
		Network: "gctest", Store: d, Key: nodeKey,
		Cert: func() []byte { return nil },
		ClientCert: func(context.Context, peer.ID) ([]byte, error) {
			return nil, errors.New("no client certificates here")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &gcFixture{disk: d, prover: p, client: client, clock: nettest.NewSteppedClock(time.Now().Truncate(time.Millisecond))}
	f.guarded = p.Guard(d)
	f.gc = newCollector(cfg, f.clock, f.guarded, slog.New(slog.DiscardHandler))
	return f
}

// put stores n random chunks of 2 KiB whose orders expire at expiry.
func (f *gcFixture) put(t *testing.T, n int, expiry time.Time) []cid.Cid {
	t.Helper()
	var ids []cid.Cid
	for range n {
		data := make([]byte, 2048)
		rand.Read(data)
		id := store.Sum(data)
		o := chunk.Order{Chunk: id, Size: int64(len(data)), Expiry: expiry, K: 1, M: 0}
		if err := chunk.SignOrder(f.client, &o); err != nil {
			t.Fatal(err)
		}
		if err := f.guarded.Put(t.Context(), id, o.Size, bytes.NewReader(data), o.Marshal()); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func (f *gcFixture) usage(t *testing.T) store.Usage {
	t.Helper()
	u, err := f.disk.Usage(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (f *gcFixture) sweep(t *testing.T) SweepStats {
	t.Helper()
	st, err := f.gc.sweep(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// holds reports how many of ids the disk store (not the guard) holds.
func (f *gcFixture) holds(t *testing.T, ids []cid.Cid) int {
	t.Helper()
	n := 0
	for _, id := range ids {
		if ok, err := f.disk.Has(t.Context(), id); err != nil {
			t.Fatal(err)
		} else if ok {
			n++
		}
	}
	return n
}

// TestSweepDeletesExpired: over more than a page of chunks, the sweep
// deletes exactly those whose order ended more than the grace ago, and
// the store's usage is what it was before they came; a chunk whose order
// does not decode is kept.
func TestSweepDeletesExpired(t *testing.T) {
	const grace = time.Minute
	f := newGCFixture(t, GCConfig{Grace: grace})
	t0 := f.clock.Now()
	keep := f.put(t, 150, t0.Add(24*time.Hour))
	junk := []byte("not a chunk")
	junkID := store.Sum(junk)
	if err := f.disk.Put(t.Context(), junkID, int64(len(junk)), bytes.NewReader(junk), []byte("no order")); err != nil {
		t.Fatal(err)
	}
	before := f.usage(t)
	expiry := t0.Add(time.Hour)
	short := f.put(t, 150, expiry)

	f.clock.Set(expiry.Add(grace))
	if st := f.sweep(t); st.Expired != 0 || st.Chunks != 301 || st.Kept != 1 {
		t.Fatalf("within the grace: %+v, want 301 chunks seen, none expired, 1 kept", st)
	}
	f.clock.Set(expiry.Add(grace + time.Millisecond))
	st := f.sweep(t)
	if st.Expired != 150 || st.Chunks != 301 || st.Capped {
		t.Fatalf("past the grace: %+v, want 150 of 301 expired", st)
	}
	if n := f.holds(t, short); n != 0 {
		t.Errorf("%d expired chunks left", n)
	}
	if n := f.holds(t, append(keep, junkID)); n != 151 {
		t.Errorf("%d of 151 unexpired chunks left", n)
	}
	if after := f.usage(t); after != before {
		t.Errorf("usage %+v after the sweep, %+v before the expired chunks came", after, before)
	}
	if last, ok := f.gc.lastSweep(); !ok || last != st {
		t.Errorf("last sweep %+v, %v; want %+v", last, ok, st)
	}
}

// TestSweepCapped: a pass deletes at most MaxDeletes chunks and says
// whether it left expired chunks behind.
func TestSweepCapped(t *testing.T) {
	f := newGCFixture(t, GCConfig{Grace: time.Second, MaxDeletes: 10})
	t0 := f.clock.Now()
	ids := f.put(t, 25, t0.Add(time.Minute))
	f.clock.Set(t0.Add(time.Hour))
	for i, want := range []SweepStats{{Expired: 10, Capped: true}, {Expired: 10, Capped: true}, {Expired: 5}, {}} {
		st := f.sweep(t)
		if st.Expired != want.Expired || st.Capped != want.Capped {
			t.Fatalf("pass %d: %+v, want %d expired, capped %v", i, st, want.Expired, want.Capped)
		}
	}
	if n := f.holds(t, ids); n != 0 {
		t.Fatalf("%d expired chunks left", n)
	}
}

// TestSweepWaitsForTheProofGuard: an expired chunk the outstanding
// commitment holds (the node's clock ran ahead, or the beacon is late)
// vanishes for every reader at once, keeps its bytes until the next
// commitment, which leaves it out, and then goes; one no commitment holds
// goes at once.
func TestSweepWaitsForTheProofGuard(t *testing.T) {
	f := newGCFixture(t, GCConfig{Grace: time.Second})
	ctx := t.Context()
	t0 := f.clock.Now()
	expiry := t0.Add(10 * time.Minute)
	committed := f.put(t, 5, expiry)
	keep := f.put(t, 3, t0.Add(24*time.Hour))
	// Committed for epoch 1, to be held until t0: the orders run past it.
	c1, err := f.prover.Commit(ctx, 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Count != 8 {
		t.Fatalf("committed %d chunks, want 8", c1.Count)
	}
	late := f.put(t, 2, expiry) // stored after the commitment
	before := f.usage(t)

	f.clock.Set(expiry.Add(time.Minute))
	if st := f.sweep(t); st.Expired != 7 {
		t.Fatalf("sweep: %+v, want 7 expired", st)
	}
	if n := f.holds(t, late); n != 0 {
		t.Errorf("%d uncommitted expired chunks kept", n)
	}
	if n := f.holds(t, committed); n != 5 {
		t.Fatalf("%d of 5 committed chunks kept until the next commitment", n)
	}
	for _, id := range committed {
		if ok, _ := f.guarded.Has(ctx, id); ok {
			t.Fatalf("committed chunk %s still visible after its delete", id)
		}
	}
	if u := f.usage(t); u.Chunks != before.Chunks-2 {
		t.Errorf("usage %+v, want the 2 uncommitted chunks gone from %+v", u, before)
	}
	if st := f.sweep(t); st.Expired != 0 || st.Chunks != 3 {
		t.Errorf("second sweep %+v: it should see only the 3 live chunks", st)
	}

	// The next commitment (still held until t0, by which the orders had
	// not expired) leaves the deleted chunks out; installing it deletes them.
	c2, err := f.prover.Commit(ctx, 2, t0)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Count != 3 {
		t.Fatalf("the next commitment holds %d chunks, want the 3 live ones", c2.Count)
	}
	if n := f.holds(t, committed); n != 0 {
		t.Fatalf("%d expired chunks left after the next commitment", n)
	}
	if n := f.holds(t, keep); n != 3 {
		t.Fatalf("%d of 3 live chunks left", n)
	}
	if u := f.usage(t); u.Chunks != 3 {
		t.Fatalf("usage %+v after the deferred deletes, want 3 chunks", u)
	}
}

// TestSweepSchedule: Run sweeps at start and every Interval of its clock,
// and after a capped pass within a minute.
func TestSweepSchedule(t *testing.T) {
	f := newGCFixture(t, GCConfig{Interval: time.Hour, Grace: time.Second, MaxDeletes: 2})
	t0 := f.clock.Now()
	ids := f.put(t, 5, t0.Add(time.Minute))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- f.gc.run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	passAt := func(at time.Time) SweepStats {
		t.Helper()
		var st SweepStats
		wctx, wcancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer wcancel()
		err := wait.For(wctx, func() error {
			var ok bool
			if st, ok = f.gc.lastSweep(); !ok || st.At.Before(at) {
				return fmt.Errorf("no sweep at %s yet (last %+v)", at, st)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := passAt(t0); st.Expired != 0 {
		t.Fatalf("first pass %+v: nothing had expired", st)
	}
	// Expired, but the next pass is an hour after the first.
	f.clock.Set(t0.Add(time.Hour))
	if st := passAt(t0.Add(time.Hour)); st.Expired != 2 || !st.Capped {
		t.Fatalf("hourly pass %+v, want 2 expired and capped", st)
	}
	f.clock.Set(f.clock.Now().Add(time.Minute))
	if st := passAt(t0.Add(time.Hour + time.Minute)); st.Expired != 2 || !st.Capped {
		t.Fatalf("backlog pass %+v, want 2 expired and capped", st)
	}
	f.clock.Set(f.clock.Now().Add(time.Minute))
	if st := passAt(t0.Add(time.Hour + 2*time.Minute)); st.Expired != 1 || st.Capped {
		t.Fatalf("last backlog pass %+v, want 1 expired, not capped", st)
	}
	if n := f.holds(t, ids); n != 0 {
		t.Fatalf("%d expired chunks left", n)
	}
}

func TestGCConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  GCConfig
		ok   bool
	}{
		{"zero takes the defaults", GCConfig{}, true},
		{"set", GCConfig{Interval: time.Minute, Grace: time.Second, MaxDeletes: 1}, true},
		{"negative interval", GCConfig{Interval: -1}, false},
		{"negative grace", GCConfig{Grace: -1}, false},
		{"negative cap", GCConfig{MaxDeletes: -1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate: %v, want ok %v", err, tc.ok)
			}
		})
	}
	d := GCConfig{}.withDefaults()
	if d.Interval != DefaultSweepInterval || d.Grace != DefaultExpiryGrace || d.MaxDeletes != DefaultSweepMaxDeletes {
		t.Fatalf("defaults %+v", d)
	}
}
