package coordinator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
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
	f := newProverFixture(t)
	b0 := f.beacon(t, 0, nil)
	b1 := f.beacon(t, 1, b0)
	p0, p1 := f.prove(t, b0), f.prove(t, b1)
	c := f.coordinator(b1, b0)
	for _, p := range [][]byte{p1, p0} { // the newer first
		f.record(t, c, p)
	}
	rec := f.node(t)
	if rec.LastEpoch != 1 || rec.NextEpoch != 2 {
		t.Fatalf("after proofs of 1 then 0: last epoch %d, next commitment for %d; want 1 and 2", rec.LastEpoch, rec.NextEpoch)
	}
	for _, e := range []uint64{0, 1} {
		if done, err := f.state.proved(e, f.id); err != nil || !done {
			t.Fatalf("epoch %d not recorded as proved: %v", e, err)
		}
	}
}

// A proof of epoch e that reaches the coordinator only once the beacon of
// e+1 is out carries a commitment the node may have made knowing that
// beacon (it could commit to a tree whose sampled leaves are the only
// chunks it holds). Its proof of e counts; its commitment answers no
// beacon before e+2: the node's proof of e+1 proves nothing (and costs it
// nothing), and its proof of e+2 proves again.
func TestLateCommitmentAnswersOnlyLaterBeacons(t *testing.T) {
	f := newProverFixture(t)
	b0 := f.beacon(t, 0, nil)
	b1 := f.beacon(t, 1, b0)
	b2 := f.beacon(t, 2, b1)
	b3 := f.beacon(t, 3, b2)
	p0, p1, p2, p3 := f.prove(t, b0), f.prove(t, b1), f.prove(t, b2), f.prove(t, b3)
	c := f.coordinator(b0, nil)
	f.record(t, c, p0) // on time: its commitment answers beacon 1
	c.beacon, c.prevBeacon = b2, b1
	f.record(t, c, p1) // late: recorded once beacon 2 is out
	f.record(t, c, p2)
	c.beacon, c.prevBeacon = b3, b2
	f.record(t, c, p3)
	for e, want := range []bool{false, true, false, true} { // epoch 0 has no commitment
		var pr proofRecord
		v, err := f.state.db.Get(epochKey(pfxProof, uint64(e), f.id), nil)
		if err == nil {
			err = json.Unmarshal(v, &pr)
		}
		if err != nil {
			t.Fatalf("the proof of epoch %d: %v", e, err)
		}
		if pr.Credit != want || pr.Failed != 0 {
			t.Errorf("proof of epoch %d: credited %v with %d failed samples; want credited %v, none failed", e, pr.Credit, pr.Failed, want)
		}
	}
}

// proverFixture is one storage node's prover over a chunk of one client,
// and a coordinator's state, outside any network.
type proverFixture struct {
	ck    identity.Key
	cder  []byte
	pr    *proof.Prover
	opts  proof.Options
	state *state
	id    peer.ID
	start time.Time
}

func newProverFixture(t *testing.T) *proverFixture {
	t.Helper()
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
	state, err := openState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &proverFixture{ck: ck, cder: cder, pr: pr, opts: proof.Options{Network: "order", CA: ca.Certificate()},
		state: state, id: nk.PeerID(), start: start}
}

func (f *proverFixture) beacon(t *testing.T, e uint64, prev *proof.Beacon) *proof.Beacon {
	t.Helper()
	b, err := proof.NewBeacon(f.ck, f.cder, "order", e, f.start.Add(time.Duration(e)*time.Hour), time.Hour, 4, prev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *proverFixture) prove(t *testing.T, b *proof.Beacon) []byte {
	t.Helper()
	p, err := f.pr.Prove(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *proverFixture) coordinator(cur, prev *proof.Beacon) *Coordinator {
	return &Coordinator{state: f.state, log: slog.New(slog.DiscardHandler), beacon: cur, prevBeacon: prev,
		cfg: Config{Reputation: reputation.DefaultParams()}}
}

func (f *proverFixture) record(t *testing.T, c *Coordinator, p []byte) {
	t.Helper()
	res, err := proof.Verify(p, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.recordProof(res); err != nil {
		t.Fatal(err)
	}
}

func (f *proverFixture) node(t *testing.T) nodeRecord {
	t.Helper()
	rec, ok, err := f.state.node(f.id)
	if err != nil || !ok {
		t.Fatalf("no record of the node: %v", err)
	}
	return rec
}
