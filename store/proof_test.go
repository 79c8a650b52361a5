package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/zeebo/blake3"
	"lukechampine.com/blake3/bao"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/memstore"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

// The proof tree's root must be the plain BLAKE3 hash, whatever the group
// size, so that proofs verify against the chunk ID alone.
func TestProofRootIsBLAKE3(t *testing.T) {
	for _, n := range []int{0, 1, 1024, store.ProofGroupSize, store.ProofGroupSize + 1, 1<<20 + 3} {
		data, _ := storetest.Chunk(uint64(n), n)
		_, root := bao.EncodeBuf(data, store.ProofGroup, true)
		if root != blake3.Sum256(data) {
			t.Fatalf("%d bytes: bao root %x != BLAKE3 %x", n, root, blake3.Sum256(data))
		}
	}
}

func putChunk(t *testing.T, s store.Store, seed uint64, n int) []byte {
	t.Helper()
	data, _ := storetest.Chunk(seed, n)
	storetest.MustPut(t, s, data, nil)
	return data
}

func TestSliceProofs(t *testing.T) {
	s := memstore.New(0)
	ctx := context.Background()
	for _, n := range []int{1, 1000, store.ProofGroupSize, 100<<10 + 7} {
		data := putChunk(t, s, uint64(n), n)
		id := store.Sum(data)
		size := int64(n)
		for _, sl := range [][2]int64{{0, 1}, {size - 1, 1}, {0, size}, {size / 2, (size + 1) / 2}, {16383, 2}, {20000, 40000}} {
			if sl[0]+sl[1] > size {
				continue
			}
			t.Run(fmt.Sprintf("%d/%d+%d", n, sl[0], sl[1]), func(t *testing.T) {
				proof, err := store.ProveSlice(ctx, s, id, size, sl[0], sl[1])
				if err != nil {
					t.Fatalf("ProveSlice: %v", err)
				}
				if max := store.ProofSize(size, sl[0], sl[1]); len(proof) > max {
					t.Fatalf("proof is %d bytes, ProofSize says at most %d", len(proof), max)
				}
				got, err := store.VerifySlice(id, sl[0], sl[1], proof)
				if err != nil {
					t.Fatalf("VerifySlice: %v", err)
				}
				if !bytes.Equal(got, data[sl[0]:sl[0]+sl[1]]) {
					t.Fatalf("verified bytes differ from the slice")
				}
			})
		}
	}
}

func TestSliceProofForgeries(t *testing.T) {
	s := memstore.New(0)
	ctx := context.Background()
	const size = 200 << 10
	data := putChunk(t, s, 1, size)
	other := putChunk(t, s, 2, size)
	id, otherID := store.Sum(data), store.Sum(other)
	const off, length = 50000, 100
	proof, err := store.ProveSlice(ctx, s, id, size, off, length)
	if err != nil {
		t.Fatal(err)
	}
	otherProof, err := store.ProveSlice(ctx, s, otherID, size, off, length)
	if err != nil {
		t.Fatal(err)
	}
	flipBit := func(i int, bit byte) []byte {
		p := bytes.Clone(proof)
		p[i] ^= bit
		return p
	}
	flip := func(i int) []byte { return flipBit(i, 1) }
	for _, tc := range []struct {
		name        string
		off, length int64
		proof       []byte
	}{
		{"proof of another chunk", off, length, otherProof},
		// The size prefix is authenticated only through the tree shape it
		// implies: a change that leaves the path to the slice alone (such as
		// the low bit here) verifies and still yields the true bytes.
		{"length prefix changed", off, length, flipBit(2, 0x08)},
		{"tree node changed", off, length, flip(8)},
		{"last tree node changed", off, length, flip(len(proof) - store.ProofGroupSize - 1)},
		{"data byte changed", off, length, flip(len(proof) - 1)},
		{"wrong offset (another leaf)", off + store.ProofGroupSize, length, proof},
		{"wrong offset (past the end)", size, length, proof},
		{"truncated", off, length, proof[:len(proof)-1]},
		{"trailing byte", off, length, append(bytes.Clone(proof), 0)},
		{"empty", off, length, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := store.VerifySlice(id, tc.off, tc.length, tc.proof); !errors.Is(err, store.ErrBadProof) {
				t.Fatalf("VerifySlice = %v, want ErrBadProof", err)
			}
		})
	}
	t.Run("empty range", func(t *testing.T) {
		if _, err := store.VerifySlice(id, off, 0, proof); !errors.Is(err, store.ErrRange) {
			t.Fatalf("VerifySlice of 0 bytes = %v, want ErrRange", err)
		}
		if _, err := store.ProveSlice(ctx, s, id, size, off, 0); !errors.Is(err, store.ErrRange) {
			t.Fatalf("ProveSlice of 0 bytes = %v, want ErrRange", err)
		}
	})
	t.Run("wrong size", func(t *testing.T) {
		if _, err := store.ProveSlice(ctx, s, id, size-1, off, length); !errors.Is(err, store.ErrMismatch) {
			t.Fatalf("ProveSlice with a wrong size = %v, want ErrMismatch", err)
		}
	})
}

// FuzzVerifySlice feeds arbitrary proofs to the verifier: it must never
// panic, and whatever it accepts must be the chunk's real bytes.
func FuzzVerifySlice(f *testing.F) {
	s := memstore.New(0)
	data, _ := storetest.Chunk(3, 40000)
	storetest.MustPut(f, s, data, nil)
	id := store.Sum(data)
	proof, err := store.ProveSlice(context.Background(), s, id, int64(len(data)), 17000, 10)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(int64(17000), int64(10), proof)
	f.Add(int64(0), int64(1), []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, off, length int64, proof []byte) {
		if length > 1<<20 {
			return
		}
		got, err := store.VerifySlice(id, off, length, proof)
		if err != nil {
			return
		}
		if off+length > int64(len(data)) || !bytes.Equal(got, data[off:off+length]) {
			t.Fatalf("accepted a proof of bytes that are not the chunk's")
		}
	})
}
