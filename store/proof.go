package store

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	"lukechampine.com/blake3/bao"
)

// ProofGroup is the bao chunk-group exponent of slice proofs: the tree
// leaves are 1 KiB << ProofGroup = 16 KiB. See doc.go for why.
const ProofGroup = 4

// ProofGroupSize is the leaf size in bytes of the proof tree.
const ProofGroupSize = 1024 << ProofGroup

// ProveSlice returns a proof that bytes [off, off+length) belong to chunk id
// of size bytes, read through g. length must be at least 1. The chunk is
// read whole once to build the tree (and checked against id: ErrMismatch if
// it does not match, which also happens when size is not the chunk's size
// as given by Stat), then the leaves covering the slice are read again.
func ProveSlice(ctx context.Context, g Getter, id cid.Cid, size, off, length int64) ([]byte, error) {
	root, err := Digest(id)
	if err != nil {
		return nil, err
	}
	if err := checkSlice(size, off, length); err != nil {
		return nil, fmt.Errorf("prove slice of %s: %w", id, err)
	}
	outboard, err := encodeOutboard(ctx, g, id, size, root)
	if err != nil {
		return nil, fmt.Errorf("prove slice of %s: %w", id, err)
	}
	start := off / ProofGroupSize * ProofGroupSize
	end := min((off+length+ProofGroupSize-1)/ProofGroupSize*ProofGroupSize, size)
	rc, err := g.Get(ctx, id, start, end-start)
	if err != nil {
		return nil, fmt.Errorf("prove slice of %s: %w", id, err)
	}
	defer rc.Close()
	var proof bytes.Buffer
	proof.Grow(ProofSize(size, off, length))
	if err := bao.ExtractSlice(&proof, rc, bytes.NewReader(outboard), ProofGroup, uint64(off), uint64(length)); err != nil {
		return nil, fmt.Errorf("prove slice of %s: %w", id, err)
	}
	return proof.Bytes(), nil
}

// VerifySlice checks proof for bytes [off, off+length) of chunk id and
// returns those bytes. It needs nothing but the ID; the error wraps
// ErrBadProof (or ErrRange for an empty or negative range).
func VerifySlice(id cid.Cid, off, length int64, proof []byte) ([]byte, error) {
	root, err := Digest(id)
	if err != nil {
		return nil, err
	}
	// An empty slice would touch no leaf and so prove nothing.
	if off < 0 || length < 1 {
		return nil, fmt.Errorf("verify slice of %s: %w: %d bytes at %d", id, ErrRange, length, off)
	}
	data, ok := bao.VerifySlice(proof, ProofGroup, uint64(off), uint64(length), root)
	if !ok {
		return nil, fmt.Errorf("verify slice of %s: %w", id, ErrBadProof)
	}
	return data, nil
}

// ProofSize returns the size of the proof ProveSlice makes for a slice,
// an upper bound useful to size buffers and wire limits.
func ProofSize(size, off, length int64) int {
	n := 8
	// Every parent node on the way down to an in-slice leaf adds 64 bytes;
	// a tree of L leaves has depth ceil(log2 L) and the slice spans at most
	// (length / group + 2) leaves, each with its own path in the worst case.
	leaves := (size + ProofGroupSize - 1) / ProofGroupSize
	depth := 0
	for l := int64(1); l < leaves; l <<= 1 {
		depth++
	}
	span := length/ProofGroupSize + 2
	n += int(span) * depth * 64
	n += int(min(size, (span)*ProofGroupSize))
	return n
}

func checkSlice(size, off, length int64) error {
	if length < 1 || off < 0 || off > size || length > size-off {
		return fmt.Errorf("%w: %d bytes at %d, size %d", ErrRange, length, off, size)
	}
	return nil
}

// encodeOutboard builds the bao outboard tree of the chunk and checks its
// root against the ID.
func encodeOutboard(ctx context.Context, g Getter, id cid.Cid, size int64, root [DigestSize]byte) ([]byte, error) {
	rc, err := g.Get(ctx, id, 0, -1)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	w := &bufferAt{buf: make([]byte, bao.EncodedSize(int(size), ProofGroup, true))}
	got, err := bao.Encode(w, rc, size, ProofGroup, true)
	if err != nil {
		return nil, err
	}
	if got != root {
		return nil, fmt.Errorf("%w: %d bytes read do not hash to the ID", ErrMismatch, size)
	}
	return w.buf, nil
}

type bufferAt struct{ buf []byte }

func (b *bufferAt) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(b.buf)) {
		return 0, io.ErrShortWrite
	}
	return copy(b.buf[off:], p), nil
}
