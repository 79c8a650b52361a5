package client

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/store"
)

// TestEncodeStripeIDs: the IDs encodeStripe computes block by block are
// store.Sum of the whole shards, and the shards are EncodeInPlace's.
func TestEncodeStripeIDs(t *testing.T) {
	for _, tc := range []struct {
		red      string
		size     int64
		maxShard int64
		block    int
	}{
		{"4+2", 0, 64 << 10, encodeBlock},
		{"4+2", 1, 64 << 10, encodeBlock},
		{"4+2", 3*4*64<<10 + 1000, 64 << 10, encodeBlock},
		{"4+2", 2*4*256<<10 - 5, 256 << 10, encodeBlock},
		{"4+2", 4*256<<10 + 64<<10 + 7, 256 << 10, 48 << 10}, // short last blocks
		{"4+2", 4 * 5000, 0, 1000},
		{"1+2", 3*64<<10 + 100, 64 << 10, 40 << 10},
		{"1+2", 100, 0, encodeBlock},
		{"3+0", 5000, 0, 1024},
	} {
		t.Run(fmt.Sprintf("%s/%d/%d/%d", tc.red, tc.size, tc.maxShard, tc.block), func(t *testing.T) {
			red, err := erasure.ParseRedundancy(tc.red)
			if err != nil {
				t.Fatal(err)
			}
			l, err := erasure.NewLayout(red.K, red.M, tc.size, tc.maxShard)
			if err != nil {
				t.Fatal(err)
			}
			coder, err := erasure.NewCoder(l)
			if err != nil {
				t.Fatal(err)
			}
			stream := make([]byte, tc.size)
			rand.NewChaCha8([32]byte{byte(tc.size)}).Read(stream)
			for i := range l.Stripes() {
				st := l.Stripe(i)
				buf := make([]byte, l.StripeBufferSize())
				copy(buf, stream[st.Off:st.Off+st.Len])
				shards, ids, err := encodeStripe(coder, i, buf, st.Len, tc.block)
				if err != nil {
					t.Fatal(err)
				}
				want, err := coder.Encode(i, stream[st.Off:st.Off+st.Len])
				if err != nil {
					t.Fatal(err)
				}
				if len(ids) != len(want) || len(shards) != len(want) {
					t.Fatalf("stripe %d: %d shards and %d IDs, want %d", i, len(shards), len(ids), len(want))
				}
				for j := range want {
					if !bytes.Equal(shards[j], want[j]) {
						t.Fatalf("stripe %d: shard %d differs from Encode's", i, j)
					}
					if w := store.Sum(want[j]); !ids[j].Equals(w) {
						t.Fatalf("stripe %d: shard %d has ID %s, want %s", i, j, ids[j], w)
					}
				}
			}
		})
	}
}
