package coordinator

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/memstore"
)

// TestLateProofKeepsTheRecord: a node's proof of epoch 1 that reaches the
// coordinator after its proof of epoch 2 (gossip took a longer path)
// leaves the record at epoch 2 with the commitment for epoch 3, so the
// proof of epoch 3 is credited. Before, the late proof rewound the
// record: LastEpoch went back to 1 and the proof of 3 proved nothing.
func TestLateProofKeepsTheRecord(t *testing.T) {
	ctx := context.Background()
	ca, member := testCA(t, "late")
	ck, cder := member(cert.RoleCoordinator)
	clk, clder := member(cert.RoleClient)
	nk, nder := member(cert.RoleNode)
	start := time.Now().Truncate(time.Minute)
	st := memstore.New(1 << 30)
	for range 3 {
		data := make([]byte, 4<<10)
		rand.Read(data)
		id := store.Sum(data)
		o := chunk.Order{Chunk: id, Size: int64(len(data)), Expiry: start.Add(30 * 24 * time.Hour), K: 1, M: 0}
		if err := chunk.SignOrder(clk, &o); err != nil {
			t.Fatal(err)
		}
		if err := st.Put(ctx, id, int64(len(data)), bytes.NewReader(data), o.Marshal()); err != nil {
			t.Fatal(err)
		}
	}
	pr, err := proof.NewProver(proof.ProverConfig{Network: "late", Store: st, Key: nk, Cert: func() []byte { return nder },
		ClientCert: func(context.Context, peer.ID) ([]byte, error) { return clder, nil }})
	if err != nil {
		t.Fatal(err)
	}
	var beacons []*proof.Beacon
	var results []*proof.Result
	opts := proof.Options{Network: "late", CA: ca.Certificate()}
	for e := uint64(1); e <= 3; e++ {
		var prev *proof.Beacon
		if len(beacons) > 0 {
			prev = beacons[len(beacons)-1]
		}
		b, err := proof.NewBeacon(ck, cder, "late", e, start.Add(time.Duration(e)*time.Hour), time.Hour, 2, prev)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pr.Prove(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		res, err := proof.Verify(out, opts)
		if err != nil {
			t.Fatalf("proof of epoch %d: %v", e, err)
		}
		beacons, results = append(beacons, b), append(results, res)
	}

	s, err := openState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := &Coordinator{state: s, log: slog.New(slog.DiscardHandler), cfg: Config{Reputation: reputation.DefaultParams()}}
	record := func(beacon, prev int, r int) {
		t.Helper()
		c.beacon, c.prevBeacon = beacons[beacon], beacons[prev]
		if err := c.recordProof(results[r]); err != nil {
			t.Fatal(err)
		}
	}
	record(1, 0, 1) // epoch 2 first
	record(1, 0, 0) // then epoch 1, late
	rec, _, err := s.node(nk.PeerID())
	if err != nil {
		t.Fatal(err)
	}
	if rec.LastEpoch != 2 || rec.NextEpoch != 3 {
		t.Fatalf("after a late proof of epoch 1: last epoch %d, next commitment for %d; want 2 and 3", rec.LastEpoch, rec.NextEpoch)
	}
	for _, e := range []uint64{1, 2} {
		if ok, err := s.proved(e, nk.PeerID()); err != nil || !ok {
			t.Fatalf("epoch %d not recorded as proved (%v): the late proof counts for reachability", e, err)
		}
	}
	record(2, 1, 2)
	cs, err := s.credits()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Epoch != 3 || cs[0].Bytes != 3*4<<10 {
		t.Fatalf("credits %+v, want the proof of epoch 3 credited with 12 KiB", cs)
	}
}
