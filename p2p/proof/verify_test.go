package proof

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/store"
)

// honest runs a node through two beacons: the first proof only commits,
// the second proves. It returns both results and the second proof.
func honest(t *testing.T, f *fixture) (*Result, *Result, []byte) {
	t.Helper()
	p1, _ := f.prove(t)
	r1, err := Verify(p1, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Committed != nil || r1.Bytes != 0 || r1.Next.Epoch != 2 {
		t.Fatalf("first proof: %+v", r1)
	}
	p2, b2 := f.prove(t)
	r2, err := Verify(p2, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Check(Expect{Epoch: 2, Beacon: b2.Hash(), Committed: &r1.Next}); err != nil {
		t.Fatal(err)
	}
	return r1, r2, p2
}

func TestHonestProof(t *testing.T) {
	f := newFixture(t)
	f.put(t, 9, 40<<10)
	f.put(t, 1, 1) // a one-byte chunk: both slices are its only byte
	_, r, p := honest(t, f)
	if r.Count != 10 || r.Bytes != 9*40<<10+1 || len(r.Samples) != DefaultSamples || r.Failed() != 0 {
		t.Fatalf("result: count %d, bytes %d, %d samples, %d failed", r.Count, r.Bytes, len(r.Samples), r.Failed())
	}
	if r.Node != f.node.key.PeerID() || r.Next.Epoch != 3 || r.Next.Count != 10 {
		t.Fatalf("result: %+v", r)
	}
	t.Logf("proof of 4 samples of 40 KiB chunks: %d bytes", len(p))
}

func TestEmptyInventory(t *testing.T) {
	f := newFixture(t)
	_, r, _ := honest(t, f)
	if r.Committed == nil || r.Count != 0 || r.Bytes != 0 || len(r.Samples) != 0 {
		t.Fatalf("result: %+v", r)
	}
}

func TestFewerChunksThanSamples(t *testing.T) {
	f := newFixture(t)
	f.put(t, 2, 3000)
	_, r, _ := honest(t, f)
	if len(r.Samples) != 2 || r.Bytes != 6000 {
		t.Fatalf("result: %d samples, %d bytes", len(r.Samples), r.Bytes)
	}
}

// TestRefused holds every way a proof is refused, each with its own error.
func TestRefused(t *testing.T) {
	f := newFixture(t)
	f.put(t, 6, 20<<10)
	r1, r2, p2 := honest(t, f)
	other := newParty(t, f.ca, cert.RoleNode)
	b3 := f.beacon(t)
	otherCA, err := cert.NewCA(testNetwork, 24*60*60e9)
	if err != nil {
		t.Fatal(err)
	}
	foreign := reissue(t, otherCA, f.client)
	// An order of the same client for the first sample's chunk, with
	// another size, and one for another chunk.
	s0 := mustUnmarshal(t, p2).Samples[0]
	o, _ := chunk.UnmarshalOrder(s0.Order)
	wrongSize := f.order(t, o.Chunk, o.Size+1)
	var otherChunk chunk.Order
	for _, id := range f.ids {
		if !id.Equals(o.Chunk) {
			otherChunk = f.order(t, id, o.Size)
			break
		}
	}
	node := f.node.key
	for _, tc := range []struct {
		name  string
		proof []byte
		want  error
		msg   string
	}{
		{"older proof relabelled with a newer epoch", resign(t, p2, node, func(p *Proof) { p.Epoch = 3 }), ErrEpochMismatch, "its beacon is of epoch 2"},
		{"old samples under a newer beacon", resign(t, p2, node, func(p *Proof) {
			p.Epoch, p.Beacon = 3, b3.Marshal()
			p.Committed.Epoch, p.Next.Epoch = 3, 4
		}), ErrWrongSamples, "the beacon chose"},
		{"signed by another node", resign(t, p2, other.key, func(*Proof) {}), ErrBadSignature, "not signed by"},
		{"another node's certificate", resign(t, p2, other.key, func(p *Proof) { p.NodeCert = other.cert }), ErrBadNode, "the certificate is of"},
		{"a client certificate as node certificate", resign(t, p2, node, func(p *Proof) { p.NodeCert = f.client.cert }), ErrBadNode, "role client"},
		{"order with a bad signature", resign(t, p2, node, func(p *Proof) {
			p.Samples[0].Order = flipLast(p.Samples[0].Order)
		}), ErrBadOrder, "does not verify"},
		{"order for another size", resign(t, p2, node, func(p *Proof) { p.Samples[0].Order = wrongSize.Marshal() }), ErrBadOrder, "the leaf says"},
		{"order of another chunk", resign(t, p2, node, func(p *Proof) { p.Samples[0].Order = otherChunk.Marshal() }), ErrBadOrder, "the order is for chunk"},
		{"flipped byte in a slice proof", resign(t, p2, node, func(p *Proof) {
			p.Samples[0].Slice = flipLast(p.Samples[0].Slice)
		}), ErrBadSlice, ""},
		{"client certificate from another CA", resign(t, p2, node, func(p *Proof) {
			p.ClientCerts = [][]byte{foreign.cert}
		}), ErrClientCert, "not signed by this network's CA"},
		{"leaf moved in the tree", resign(t, p2, node, func(p *Proof) { p.Samples[0].Size++ }), ErrBadPath, ""},
		{"sample left out", resign(t, p2, node, func(p *Proof) { p.Samples = p.Samples[1:] }), ErrWrongSamples, "3 samples"},
		{"commitment of another node", resign(t, p2, node, func(p *Proof) { p.Next.Node = other.key.PeerID() }), ErrBadCommitment, ""},
		{"another network", resign(t, p2, node, func(p *Proof) { p.Network = "elsewhere" }), ErrBadBeacon, ""},
		{"tampered after signing", tamper(t, p2, func(p *Proof) { p.Samples[1].Size-- }), ErrBadSignature, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(tc.proof, f.opts)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v (%q)", err, tc.want, tc.msg)
			}
			t.Log(err)
		})
	}
	// The checks that need history, as the coordinator makes them.
	changed := r1.Next
	changed.Count++
	for _, tc := range []struct {
		name   string
		expect Expect
		want   error
	}{
		{"replayed in a later epoch", Expect{Epoch: 3, Committed: &r1.Next}, ErrStale},
		{"answers another beacon", Expect{Epoch: 2, Beacon: b3.Hash(), Committed: &r1.Next}, ErrWrongBeacon},
		{"inventory changed after the commitment", Expect{Epoch: 2, Committed: &changed}, ErrCommitmentChanged},
		{"commitment never recorded", Expect{Epoch: 2}, ErrUnrecorded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := r2.Check(tc.expect); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestRecommitAfterRecording: a node that commits again after its
// commitment was recorded proves a commitment the coordinator refuses.
func TestRecommitAfterRecording(t *testing.T) {
	f := newFixture(t)
	f.put(t, 3, 5000)
	p1, _ := f.prove(t)
	r1, err := Verify(p1, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	f.put(t, 1, 5000)
	if _, err := f.prover.Commit(context.Background(), 2, f.start); err != nil {
		t.Fatal(err)
	}
	p2, _ := f.prove(t)
	r2, err := Verify(p2, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.Check(Expect{Epoch: 2, Committed: &r1.Next}); !errors.Is(err, ErrCommitmentChanged) {
		t.Fatalf("err = %v, want ErrCommitmentChanged", err)
	}
}

// TestLostChunks: a chunk gone from the store, or rotten on disk, is
// reported lost and the sample fails; the rest of the proof stands.
func TestLostChunks(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose func(t *testing.T, f *fixture, id cidT)
	}{
		{"deleted", func(t *testing.T, f *fixture, id cidT) {
			if err := f.st.Delete(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}},
		{"flipped byte", func(t *testing.T, f *fixture, id cidT) { f.flipLastByte(t, id) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.put(t, 5, 30<<10)
			f.prove(t)
			b := f.beacon(t)
			tc.lose(t, f, f.sampled(t, b, 0))
			p, err := f.prover.Prove(context.Background(), b)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Verify(p, f.opts)
			if !errors.Is(err, ErrChunkMissing) || r == nil {
				t.Fatalf("err = %v, result %v; want ErrChunkMissing with a result", err, r)
			}
			if r.Bytes != 0 || r.Failed() == 0 || !errors.Is(r.Samples[0].Err, ErrChunkMissing) {
				t.Fatalf("result: %d bytes, %d failed, sample 0: %v", r.Bytes, r.Failed(), r.Samples[0].Err)
			}
		})
	}
}

// TestTamperedSize: a node committing a chunk at a size a colluding client
// signed for, other than its true size, is caught by the last byte's proof.
func TestTamperedSize(t *testing.T) {
	f := newFixture(t)
	f.put(t, 1, 50<<10)
	id := f.ids[0]
	ctx := context.Background()
	// The lying store: the chunk's size and order claim 64 KiB.
	info, err := f.st.Stat(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	lie := f.order(t, id, 64<<10)
	f.prover.cfg.Store = lyingStore{Source: f.st, info: store.Info{ID: id, Size: 64 << 10, Meta: lie.Marshal(), StoredAt: info.StoredAt}}
	f.prover.proveSlice = func(ctx context.Context, g store.Getter, id cidT, _, off, length int64) ([]byte, error) {
		return store.ProveSlice(ctx, f.st, id, info.Size, min(off, info.Size-1), length) // the best the liar can do
	}
	f.prove(t)
	p, _ := f.prove(t)
	_, err = Verify(p, f.opts)
	if !errors.Is(err, ErrSizeMismatch) {
		t.Fatalf("err = %v, want ErrSizeMismatch", err)
	}
	t.Log(err)
}

// TestClientNotFromCA: the node's own certificate source hands a client
// certificate of another CA.
func TestClientNotFromCA(t *testing.T) {
	f := newFixture(t)
	f.put(t, 2, 1000)
	otherCA, err := cert.NewCA(testNetwork, 24*60*60e9)
	if err != nil {
		t.Fatal(err)
	}
	f.clientCerts[f.client.key.PeerID()] = reissue(t, otherCA, f.client).cert
	f.prove(t)
	p, _ := f.prove(t)
	_, err = Verify(p, f.opts)
	if !errors.Is(err, ErrClientCert) || !errors.Is(err, cert.ErrUnknownCA) {
		t.Fatalf("err = %v, want ErrClientCert, cert.ErrUnknownCA", err)
	}
}

func mustUnmarshal(t *testing.T, b []byte) *Proof {
	t.Helper()
	p, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tamper changes a proof without signing it again.
func tamper(t *testing.T, b []byte, mutate func(*Proof)) []byte {
	p := mustUnmarshal(t, b)
	mutate(p)
	return p.Marshal()
}

func flipLast(b []byte) []byte {
	b = append([]byte(nil), b...)
	b[len(b)-1] ^= 1
	return b
}

// TestRenewedCertificates: certificates renewed during the epoch (not
// valid at its start, valid at its end) still verify; ones valid only
// after the epoch do not.
func TestRenewedCertificates(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name  string
		start time.Time // of epoch 1, 10 minutes long; certificates are valid from now-5m
		want  error
	}{
		{"renewed during the epoch", now.Add(-20 * time.Minute), nil},
		{"issued after the epoch", now.Add(-40 * time.Minute), cert.ErrNotYetValid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.start, f.length = tc.start, 10*time.Minute
			p, _ := f.prove(t)
			if _, err := Verify(p, f.opts); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestProverRefusesOldBeacon: a replayed beacon does not replace the
// commitment the next beacon challenges.
func TestProverRefusesOldBeacon(t *testing.T) {
	f := newFixture(t)
	f.put(t, 3, 1000)
	_, b1 := f.prove(t)
	before, _ := f.prover.Committed()
	if _, err := f.prover.Prove(context.Background(), b1); !errors.Is(err, ErrStale) {
		t.Fatalf("proving a replayed beacon: %v, want ErrStale", err)
	}
	if after, _ := f.prover.Committed(); after != before {
		t.Fatal("a replayed beacon changed the commitment")
	}
	if _, r, _ := honestNext(t, f); r.Bytes != 3000 {
		t.Fatalf("proved %d bytes after the replay", r.Bytes)
	}
}

// honestNext proves the next beacon and verifies it.
func honestNext(t *testing.T, f *fixture) ([]byte, *Result, *Beacon) {
	t.Helper()
	p, b := f.prove(t)
	r, err := Verify(p, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	return p, r, b
}

// TestResumeAfterRestart: a new prover over the same store, given the
// saved commitment's epoch and KeepUntil, commits to the same inventory,
// and its next proof proves it.
func TestResumeAfterRestart(t *testing.T) {
	f := newFixture(t)
	f.put(t, 4, 2000)
	p1, b1 := f.prove(t)
	r1, err := Verify(p1, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	restarted, err := NewProver(f.prover.cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := restarted.Commit(context.Background(), r1.Next.Epoch, KeepUntil(b1))
	if err != nil || !c.Equal(&r1.Next) {
		t.Fatalf("commitment after restart: %v, %v; want %v", c, err, r1.Next)
	}
	f.prover = restarted
	p2, r2, b2 := honestNext(t, f)
	_ = p2
	if err := r2.Check(Expect{Epoch: 2, Beacon: b2.Hash(), Committed: &r1.Next}); err != nil || r2.Bytes != 8000 {
		t.Fatalf("after restart: %d bytes, %v", r2.Bytes, err)
	}
}

// TestMissedBeacons: a node that never got beacons 2 and 3 (it paused, or
// the coordinator did) answers beacon 4 with the commitment it made for 2,
// and the proof verifies and checks against that recorded commitment; a
// commitment for a later epoch than the beacon's is still refused.
func TestMissedBeacons(t *testing.T) {
	f := newFixture(t)
	f.put(t, 3, 2000)
	p1, _ := f.prove(t)
	r1, err := Verify(p1, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	f.beacon(t) // 2 and 3 go out; the node hears neither
	f.beacon(t)
	p4, b4 := f.prove(t)
	r4, err := Verify(p4, f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := r4.Check(Expect{Epoch: 4, Beacon: b4.Hash(), Committed: &r1.Next}); err != nil {
		t.Fatal(err)
	}
	if r4.Committed.Epoch != 2 || r4.Bytes != 6000 || len(r4.Samples) != 3 || r4.Next.Epoch != 5 {
		t.Fatalf("proof of beacon 4: committed for %d, %d bytes, %d samples, next for %d", r4.Committed.Epoch, r4.Bytes, len(r4.Samples), r4.Next.Epoch)
	}
	future := resign(t, p4, f.node.key, func(p *Proof) { p.Committed.Epoch = 5 })
	if _, err := Verify(future, f.opts); !errors.Is(err, ErrEpochMismatch) && !errors.Is(err, ErrBadCommitment) {
		t.Fatalf("a commitment for a later epoch: %v, want ErrEpochMismatch", err)
	}
}
