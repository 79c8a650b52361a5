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

// A node's proofs of two epochs, published a moment apart, may reach the
// coordinator in the wrong order through gossip. The older one must not
// take the node's record back: its last epoch and next commitment stay
// the newer proof's. (Seen in a test under load: a node answered epoch 0
// late and epoch 1 at once; the coordinator recorded 1, then 0, and
// waited for a proof of 1 forever.)
func TestProofsOutOfOrderKeepTheLatest(t *testing.T) {
	ca, member := testCA(t, "order")
	ck, cder := member(cert.RoleCoordinator)
	clk, clder := member(cert.RoleClient)
	nk, nder := member(cert.RoleNode)
	ctx := context.Background()
	start := time.Now().Truncate(time.Minute)
	st := memstore.New(1 << 30)
	data := make([]byte, 64<<10)
	rand.Read(data)
	id := store.Sum(data)
	o := chunk.Order{Chunk: id, Size: int64(len(data)), Expiry: start.Add(30 * 24 * time.Hour), K: 1, M: 1}
	if err := chunk.SignOrder(clk, &o); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, id, int64(len(data)), bytes.NewReader(data), o.Marshal()); err != nil {
		t.Fatal(err)
	}
	pr, err := proof.NewProver(proof.ProverConfig{Network: "order", Store: st, Key: nk, Cert: func() []byte { return nder },
		ClientCert: func(context.Context, peer.ID) ([]byte, error) { return clder, nil }})
	if err != nil {
		t.Fatal(err)
	}
	b0, err := proof.NewBeacon(ck, cder, "order", 0, start, time.Hour, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	b1, err := proof.NewBeacon(ck, cder, "order", 1, start.Add(time.Hour), time.Hour, 4, b0)
	if err != nil {
		t.Fatal(err)
	}
	p0, err := pr.Prove(ctx, b0)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := pr.Prove(ctx, b1)
	if err != nil {
		t.Fatal(err)
	}
	state, err := openState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := &Coordinator{state: state, log: slog.New(slog.DiscardHandler), beacon: b1, prevBeacon: b0,
		cfg: Config{Reputation: reputation.DefaultParams()}}
	opts := proof.Options{Network: "order", CA: ca.Certificate()}
	for _, p := range [][]byte{p1, p0} { // the newer first
		res, err := proof.Verify(p, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.recordProof(res); err != nil {
			t.Fatal(err)
		}
	}
	rec, ok, err := state.node(nk.PeerID())
	if err != nil || !ok {
		t.Fatalf("no record of the node: %v", err)
	}
	if rec.LastEpoch != 1 || rec.NextEpoch != 2 {
		t.Fatalf("after proofs of 1 then 0: last epoch %d, next commitment for %d; want 1 and 2", rec.LastEpoch, rec.NextEpoch)
	}
	for _, e := range []uint64{0, 1} {
		if done, err := state.proved(e, nk.PeerID()); err != nil || !done {
			t.Fatalf("epoch %d not recorded as proved: %v", e, err)
		}
	}
}
