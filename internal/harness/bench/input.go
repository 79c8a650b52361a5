package bench

import (
	"io"
	"math/rand/v2"

	"github.com/zeebo/blake3"
)

// generated is size pseudo-random bytes (ChaCha8 from a zero seed: fast,
// and no compressor or deduplicator can shrink them) read straight from
// the generator, so that a file of any size is put without first being
// written to disk. They are the bytes writeRandom writes.
type generated struct {
	rng  *rand.ChaCha8
	left int64
}

func newGenerated(size int64) *generated {
	return &generated{rng: rand.NewChaCha8([32]byte{}), left: size}
}

func (g *generated) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	g.rng.Read(p)
	g.left -= int64(len(p))
	return len(p), nil
}

// generatedSum is the BLAKE3 of the size bytes newGenerated gives.
func generatedSum(size int64) [32]byte {
	h := blake3.New()
	buf := make([]byte, 1<<20)
	g := newGenerated(size)
	for {
		n, err := g.Read(buf)
		h.Write(buf[:n])
		if err != nil {
			break
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// hasher is a writer that keeps the BLAKE3 of what it is given: a get's
// standard output checked while it streams, never stored.
type hasher struct{ h *blake3.Hasher }

func newHasher() hasher                      { return hasher{blake3.New()} }
func (h hasher) Write(p []byte) (int, error) { return h.h.Write(p) }
func (h hasher) Sum() (sum [32]byte)         { h.h.Sum(sum[:0]); return sum }
