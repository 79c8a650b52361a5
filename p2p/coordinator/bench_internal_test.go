package coordinator

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
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

// testCA makes a network's CA and a function that enrols a member of a
// role with it: its key and certificate.
func testCA(tb testing.TB, network string) (*cert.CA, func(cert.Role) (identity.Key, []byte)) {
	tb.Helper()
	ca, err := cert.NewCA(network, 24*time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return ca, func(role cert.Role) (identity.Key, []byte) {
		k, _ := identity.Generate()
		der, _, err := ca.Issue(k.PubKey(), role, "", 0)
		if err != nil {
			tb.Fatal(err)
		}
		return k, der
	}
}

// epochOfProofs makes n nodes, each with chunks chunks of size bytes under
// one client's orders, committed for epoch 1, and their proofs of a beacon
// of epoch 1 with 16 samples.
func epochOfProofs(b *testing.B, n, chunks, size int) (*cert.CA, *proof.Beacon, [][]byte, []proof.Commitment) {
	ca, member := testCA(b, "bench")
	ck, cder := member(cert.RoleCoordinator)
	clk, clder := member(cert.RoleClient)
	start := time.Now().Truncate(time.Minute)
	beacon, err := proof.NewBeacon(ck, cder, "bench", 1, start, time.Hour, 16, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var proofs [][]byte
	var commits []proof.Commitment
	for range n {
		nk, nder := member(cert.RoleNode)
		st := memstore.New(1 << 40)
		for range chunks {
			data := make([]byte, size)
			rand.Read(data)
			id := store.Sum(data)
			o := chunk.Order{Chunk: id, Size: int64(size), Expiry: start.Add(30 * 24 * time.Hour), K: 4, M: 2}
			if err := chunk.SignOrder(clk, &o); err != nil {
				b.Fatal(err)
			}
			if err := st.Put(ctx, id, int64(size), bytes.NewReader(data), o.Marshal()); err != nil {
				b.Fatal(err)
			}
		}
		pr, err := proof.NewProver(proof.ProverConfig{Network: "bench", Store: st, Key: nk, Cert: func() []byte { return nder },
			ClientCert: func(context.Context, peer.ID) ([]byte, error) { return clder, nil }})
		if err != nil {
			b.Fatal(err)
		}
		c, err := pr.Commit(ctx, 1, start.Add(2*time.Hour))
		if err != nil {
			b.Fatal(err)
		}
		out, err := pr.Prove(ctx, beacon)
		if err != nil {
			b.Fatal(err)
		}
		proofs, commits = append(proofs, out), append(commits, c)
	}
	return ca, beacon, proofs, commits
}

// BenchmarkEpoch measures the coordinator's work for one epoch of n proofs:
// verifying each and recording it (audits, next commitment, credit) in its
// goleveldb state. It reports CPU time per proof, so the cost of an epoch
// at 10,000 nodes is 10,000 times it.
func BenchmarkEpoch(b *testing.B) {
	for _, n := range []int{30, 100, 300} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			ca, beacon, proofs, commits := epochOfProofs(b, n, 20, 64<<10)
			size := 0
			for _, p := range proofs {
				size += len(p)
			}
			b.ReportMetric(float64(size)/float64(n), "proof-bytes")
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				st, err := openState(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				c := &Coordinator{state: st, log: slog.New(slog.DiscardHandler), beacon: beacon,
					cfg: Config{Reputation: reputation.DefaultParams()}}
				c.cfg.Node.Profile = nil
				opts := proof.Options{Network: "bench", CA: ca.Certificate()}
				for i := range commits {
					rec := nodeRecord{Rep: reputation.New(c.cfg.Reputation, 0), Next: commits[i].Marshal(), NextEpoch: 1}
					batch := newBatch()
					putNode(batch, commits[i].Node, rec)
					if err := st.write(batch); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				for _, p := range proofs {
					res, err := proof.Verify(p, opts)
					if err != nil {
						b.Fatal(err)
					}
					if err := c.recordProof(res); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if cs, _ := st.credits(); len(cs) != n {
					b.Fatalf("%d credits for %d proofs", len(cs), n)
				}
				st.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1e6, "ms/proof")
		})
	}
}
