package proof

import (
	"context"
	"testing"

	"github.com/scatterbytes/scatterbytes/store/memstore"
)

// BenchmarkVerify reports the size of a proof of 4 samples and the time
// to verify it, for 4 MiB chunks (the erasure coder's shards) and 1 KiB
// chunks (the smallest that matter).
func BenchmarkVerify(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
	}{{"4MiB", 4 << 20}, {"1KiB", 1 << 10}} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFixture(b)
			f.put(b, 8, bc.size)
			f.prove(b)
			p, _ := f.prove(b)
			if r, err := Verify(p, f.opts); err != nil || len(r.Samples) != 4 {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := Verify(p, f.opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(p)), "proof-bytes")
			b.ReportMetric(float64(len(f.beacons[0].Marshal())), "beacon-bytes")
		})
	}
}

// BenchmarkProve reports the time to build a proof of 4 samples of 4 MiB
// chunks from the disk store, the next commitment included.
func BenchmarkProve(b *testing.B) {
	f := newFixture(b)
	f.put(b, 8, 4<<20)
	f.prove(b)
	for b.Loop() {
		if _, err := f.prover.Prove(context.Background(), f.beacon(b)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommit reports the time to commit to 10,000 chunks.
func BenchmarkCommit(b *testing.B) {
	f := newFixtureOn(b, memstore.New(0))
	f.put(b, 10000, 64)
	for b.Loop() {
		c, err := f.prover.Commit(context.Background(), 1, f.start)
		if err != nil || c.Count != 10000 {
			b.Fatal(c, err)
		}
	}
	b.ReportMetric(float64(len(f.prover.snap.entries))*float64(entrySize)/1e6, "snapshot-MB")
}
