package erasure

import (
	"fmt"

	"github.com/klauspost/reedsolomon"
)

// Coder encodes and reconstructs the stripes of one layout. It is safe for
// concurrent use.
type Coder struct {
	l  Layout
	rs reedsolomon.Encoder
	// rs1 codes the column blocks of EncodeInPlaceBlocks on the calling
	// goroutine: by default reedsolomon splits each Encode call over
	// goroutines, which for a block of tens of KiB costs more CPU than it
	// saves and scatters the block over the caches of other cores.
	rs1 reedsolomon.Encoder
	pad func(stripe int, p []byte) // nil: zeros
}

// PadWith makes the encoders fill the padding of stripe i's data shards
// (the bytes past the stripe's end) with pad(i, p) instead of zeros. A
// writer whose shards must be its own (chunks are shared by content)
// pads with bytes of its own; readers drop the padding whatever it holds.
// Call it before encoding; pad must write all of p.
func (c *Coder) PadWith(pad func(stripe int, p []byte)) { c.pad = pad }

// NewCoder returns a Coder for l.
func NewCoder(l Layout) (*Coder, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	rs, err := reedsolomon.New(l.K, l.M)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRedundancy, l.Redundancy(), err)
	}
	rs1, err := reedsolomon.New(l.K, l.M, reedsolomon.WithMaxGoroutines(1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRedundancy, l.Redundancy(), err)
	}
	return &Coder{l: l, rs: rs, rs1: rs1}, nil
}

// Layout returns the layout c codes.
func (c *Coder) Layout() Layout { return c.l }

// Encode returns the K+M shards of stripe i, whose bytes are data
// (Layout.Stripe(i).Len of them). The shards share one fresh allocation.
func (c *Coder) Encode(i int, data []byte) ([][]byte, error) {
	st, err := c.stripe(i)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, int64(c.l.K+c.l.M)*st.ShardSize)
	copy(buf, data)
	return c.EncodeInPlace(i, buf, int64(len(data)))
}

// EncodeInPlace is Encode without allocating: buf holds the stripe's n data
// bytes at its start and has room for all K+M shards (StripeBufferSize);
// the shards returned are slices of buf. The caller may reuse buf once it
// is done with the shards.
func (c *Coder) EncodeInPlace(i int, buf []byte, n int64) ([][]byte, error) {
	shards, err := c.shardsIn(i, buf, n)
	if err != nil {
		return nil, err
	}
	if err := c.rs.Encode(shards); err != nil {
		return nil, fmt.Errorf("erasure: encode stripe %d: %w", i, err)
	}
	return shards, nil
}

// EncodeInPlaceBlocks is EncodeInPlace done one column block at a time:
// it codes bytes [off, off+block) of every shard, calls each with those
// K+M slices (data shards first, then parity; the last block is shorter
// when block does not divide the shard size), and moves on to the next
// block. Reed–Solomon codes each byte column on its own, so the shards
// are exactly EncodeInPlace's; what changes is that each sees a block
// while it is still in the CPU cache, where a pass over the shards after
// a whole-stripe encode reads them back from memory. K+M blocks should
// fit in the L2 cache; a multiple of Align keeps the coder on its vector
// path.
//
// Everything runs on the calling goroutine, blocks in order: unlike
// EncodeInPlace, the coding of a block is not split over goroutines, which
// for blocks of tens of KiB costs more CPU than it saves (the upload
// codes a few stripes at once instead). each must not keep cols, which is
// reused; its slices alias buf.
func (c *Coder) EncodeInPlaceBlocks(i int, buf []byte, n int64, block int, each func(cols [][]byte)) ([][]byte, error) {
	if block <= 0 {
		return nil, fmt.Errorf("%w: block size %d", ErrLayout, block)
	}
	shards, err := c.shardsIn(i, buf, n)
	if err != nil {
		return nil, err
	}
	size := len(shards[0])
	cols := make([][]byte, len(shards))
	for off := 0; off < size; off += block {
		end := min(off+block, size)
		for j, s := range shards {
			cols[j] = s[off:end:end]
		}
		if err := c.rs1.Encode(cols); err != nil {
			return nil, fmt.Errorf("erasure: encode stripe %d bytes [%d, %d): %w", i, off, end, err)
		}
		each(cols)
	}
	return shards, nil
}

// shardsIn checks the arguments of EncodeInPlace, fills the padding after
// the data and cuts buf into the stripe's K+M shards.
func (c *Coder) shardsIn(i int, buf []byte, n int64) ([][]byte, error) {
	st, err := c.stripe(i)
	if err != nil {
		return nil, err
	}
	if n != st.Len {
		return nil, fmt.Errorf("%w: stripe %d has %d bytes, got %d", ErrLayout, i, st.Len, n)
	}
	total := int64(c.l.K+c.l.M) * st.ShardSize
	if int64(len(buf)) < total {
		return nil, fmt.Errorf("%w: stripe %d needs a %d-byte buffer, got %d", ErrLayout, i, total, len(buf))
	}
	// Only the padding after the data needs filling: Encode overwrites
	// the parity shards whole.
	if pad := buf[n : int64(c.l.K)*st.ShardSize]; c.pad != nil {
		c.pad(i, pad)
	} else {
		clear(pad)
	}
	shards := make([][]byte, c.l.K+c.l.M)
	for j := range shards {
		shards[j] = buf[int64(j)*st.ShardSize : int64(j+1)*st.ShardSize : int64(j+1)*st.ShardSize]
	}
	return shards, nil
}

// StripeBufferSize is the buffer EncodeInPlace needs for any stripe.
func (l Layout) StripeBufferSize() int64 { return int64(l.K+l.M) * l.ShardSize }

// Reconstruct returns the bytes of stripe i from its shards (K+M entries,
// nil for a missing shard; present ones must have the stripe's shard size).
// It fails with ErrTooFewShards if fewer than K are present. Missing data
// shards are rebuilt into shards; parity shards are left alone. Shards are
// assumed authentic: callers verify each against its CID first.
func (c *Coder) Reconstruct(i int, shards [][]byte) ([]byte, error) {
	st, err := c.stripe(i)
	if err != nil {
		return nil, err
	}
	if err := c.ReconstructData(i, shards); err != nil {
		return nil, err
	}
	out := make([]byte, 0, st.Len)
	for _, s := range shards[:c.l.K] {
		out = append(out, s[:min(int64(len(s)), st.Len-int64(len(out)))]...)
	}
	return out, nil
}

// ReconstructData rebuilds the missing data shards of stripe i in place.
// A missing shard is nil or empty; an empty one with room for a shard
// (cap ≥ ShardSize) receives the rebuilt bytes in its own memory, so a
// caller that lays the data shards out back to back gets the stripe there
// without a copy. Other missing shards get new memory.
func (c *Coder) ReconstructData(i int, shards [][]byte) error {
	if _, err := c.check(i, shards); err != nil {
		return err
	}
	if err := c.rs.ReconstructData(shards); err != nil {
		return fmt.Errorf("erasure: reconstruct stripe %d: %w", i, err)
	}
	return nil
}

// Repair rebuilds every missing shard (data and parity) of stripe i in
// place, for a node or client restoring lost redundancy.
func (c *Coder) Repair(i int, shards [][]byte) error {
	if _, err := c.check(i, shards); err != nil {
		return err
	}
	if err := c.rs.Reconstruct(shards); err != nil {
		return fmt.Errorf("erasure: repair stripe %d: %w", i, err)
	}
	return nil
}

func (c *Coder) stripe(i int) (Stripe, error) {
	if i < 0 || i >= c.l.Stripes() {
		return Stripe{}, fmt.Errorf("%w: stripe %d of %d", ErrLayout, i, c.l.Stripes())
	}
	return c.l.Stripe(i), nil
}

func (c *Coder) check(i int, shards [][]byte) (Stripe, error) {
	st, err := c.stripe(i)
	if err != nil {
		return st, err
	}
	if len(shards) != c.l.K+c.l.M {
		return st, fmt.Errorf("%w: %d shards for %s", ErrLayout, len(shards), c.l.Redundancy())
	}
	present := 0
	for j, s := range shards {
		if len(s) == 0 { // missing
			continue
		}
		if int64(len(s)) != st.ShardSize {
			return st, fmt.Errorf("%w: stripe %d shard %d has %d bytes, want %d", ErrShardSize, i, j, len(s), st.ShardSize)
		}
		present++
	}
	if present < c.l.K {
		return st, fmt.Errorf("%w: stripe %d has %d of %d needed", ErrTooFewShards, i, present, c.l.K)
	}
	return st, nil
}
