package store_test

import (
	"context"
	"testing"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/memstore"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

// The proofs issue samples small slices of 4 MiB chunks: a 1 KiB slice.
const benchSize, benchOff, benchLen = 4 << 20, 1234567, 1024

func BenchmarkProveSlice(b *testing.B) {
	s := memstore.New(0)
	data, id := storetest.Chunk(1, benchSize)
	storetest.MustPut(b, s, data, nil)
	ctx := context.Background()
	b.SetBytes(benchSize)
	var n int
	for b.Loop() {
		p, err := store.ProveSlice(ctx, s, id, benchSize, benchOff, benchLen)
		if err != nil {
			b.Fatal(err)
		}
		n = len(p)
	}
	b.ReportMetric(float64(n), "proof-bytes")
}

func BenchmarkVerifySlice(b *testing.B) {
	s := memstore.New(0)
	data, id := storetest.Chunk(1, benchSize)
	storetest.MustPut(b, s, data, nil)
	proof, err := store.ProveSlice(context.Background(), s, id, benchSize, benchOff, benchLen)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := store.VerifySlice(id, benchOff, benchLen, proof); err != nil {
			b.Fatal(err)
		}
	}
}
