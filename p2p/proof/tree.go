package proof

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/ipfs/go-cid"
)

// The inventory tree is a Merkle sum tree in the shape of RFC 6962: the
// leaves are a node's chunks in CID byte order, a tree of n > 1 leaves
// splits at k, the largest power of two below n. Every node carries the
// total size of the chunks under it, so the root binds the byte total.
// See doc.go for the hashes.

// HashSize is the size of every hash in the tree (SHA-256).
const HashSize = sha256.Size

// PathNodeSize is one step of an inclusion path: a sibling's hash and
// byte total (big-endian).
const PathNodeSize = HashSize + 8

// MaxPath bounds an inclusion path: 2^48 chunks is far beyond any node.
const MaxPath = 48

// node is a subtree's hash and the bytes under it.
type node struct {
	hash [HashSize]byte
	sum  uint64
}

// emptyRoot is the root of a node holding nothing: SHA-256 of no bytes.
var emptyRoot = sha256.Sum256(nil)

// leafHash is H(0x00 ‖ CID bytes ‖ size u64 ‖ order hash).
func leafHash(id cid.Cid, size uint64, orderHash [32]byte) [HashSize]byte {
	h := sha256.New()
	h.Write([]byte{0})
	h.Write(id.Bytes())
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], size)
	h.Write(n[:])
	h.Write(orderHash[:])
	var out [HashSize]byte
	h.Sum(out[:0])
	return out
}

// parent is H(0x01 ‖ left ‖ right ‖ sum u64) with sum the two totals'.
// ok is false if the totals overflow.
func parent(l, r node) (node, bool) {
	sum, carry := bits.Add64(l.sum, r.sum, 0)
	if carry != 0 {
		return node{}, false
	}
	var b [1 + 2*HashSize + 8]byte
	b[0] = 1
	copy(b[1:], l.hash[:])
	copy(b[1+HashSize:], r.hash[:])
	binary.BigEndian.PutUint64(b[1+2*HashSize:], sum)
	return node{hash: sha256.Sum256(b[:]), sum: sum}, true
}

// split is the largest power of two below n (n > 1).
func split(n int) int {
	return 1 << (bits.Len(uint(n-1)) - 1)
}

// subtree computes the root of leaves [lo, hi); leaf(i) gives leaf i.
func subtree(lo, hi int, leaf func(int) node) node {
	if hi-lo == 1 {
		return leaf(lo)
	}
	k := split(hi - lo)
	n, _ := parent(subtree(lo, lo+k, leaf), subtree(lo+k, hi, leaf)) // the prover checked the total fits
	return n
}

// inclusionPath returns the siblings on the way from the root down to
// leaf i of n, top first.
func inclusionPath(i, n int, leaf func(int) node) []node {
	var path []node
	lo, hi := 0, n
	for hi-lo > 1 {
		k := split(hi - lo)
		if i < lo+k {
			path = append(path, subtree(lo+k, hi, leaf))
			hi = lo + k
		} else {
			path = append(path, subtree(lo, lo+k, leaf))
			lo += k
		}
	}
	return path
}

// rootFromPath recomputes the root of a tree of n leaves from leaf i and
// its path (top first).
func rootFromPath(i, n uint64, leaf node, path []node) (node, error) {
	if n == 0 || i >= n {
		return node{}, fmt.Errorf("%w: leaf %d of %d", ErrBadPath, i, n)
	}
	// Walk down to find the side at each level, then hash back up.
	var sides []bool // true: the leaf is on the left at that level
	lo, hi := uint64(0), n
	for hi-lo > 1 {
		k := uint64(split(int(hi - lo)))
		left := i < lo+k
		sides = append(sides, left)
		if left {
			hi = lo + k
		} else {
			lo += k
		}
	}
	if len(sides) != len(path) {
		return node{}, fmt.Errorf("%w: %d steps, want %d", ErrBadPath, len(path), len(sides))
	}
	cur := leaf
	for d := len(path) - 1; d >= 0; d-- {
		var ok bool
		if sides[d] {
			cur, ok = parent(cur, path[d])
		} else {
			cur, ok = parent(path[d], cur)
		}
		if !ok {
			return node{}, fmt.Errorf("%w: byte total overflows", ErrBadPath)
		}
	}
	return cur, nil
}
