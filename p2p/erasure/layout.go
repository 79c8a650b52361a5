package erasure

import "fmt"

const (
	// Align is the granularity of shard sizes.
	Align = 64
	// DefaultMaxShard is the shard size of all but the last stripe of large
	// files.
	DefaultMaxShard = 4 << 20
)

// Layout is how a sealed stream of Size bytes is striped; see doc.go. It is
// a plain value: the manifest stores K, M, ShardSize and Size.
type Layout struct {
	K, M      int
	ShardSize int64 // shard size of every stripe but possibly the last
	Size      int64 // length of the sealed stream
}

// Stripe is one stripe's place in the stream.
type Stripe struct {
	Index     int
	Off, Len  int64 // stream bytes [Off, Off+Len)
	ShardSize int64 // size of each of its K+M shards
}

// NewLayout chooses the layout for a sealed stream of size bytes with
// shards of at most maxShard bytes (a multiple of Align; 0 means
// DefaultMaxShard).
func NewLayout(k, m int, size, maxShard int64) (Layout, error) {
	if maxShard == 0 {
		maxShard = DefaultMaxShard
	}
	if maxShard < Align || maxShard%Align != 0 {
		return Layout{}, fmt.Errorf("%w: max shard size %d is not a positive multiple of %d", ErrLayout, maxShard, Align)
	}
	l := Layout{K: k, M: m, Size: size, ShardSize: min(maxShard, shardFor(size, k))}
	return l, l.Validate()
}

// shardFor is the aligned shard size that spreads n bytes over k shards.
func shardFor(n int64, k int) int64 {
	s := (n + int64(k) - 1) / int64(k)
	return max(Align, (s+Align-1)/Align*Align)
}

// Validate checks a layout read from elsewhere (a manifest): sane bounds,
// and a ShardSize that NewLayout could have chosen for some maxShard.
func (l Layout) Validate() error {
	if err := (Redundancy{l.K, l.M}).Validate(); err != nil {
		return err
	}
	switch {
	case l.Size < 0:
		return fmt.Errorf("%w: negative size %d", ErrLayout, l.Size)
	case l.ShardSize < Align || l.ShardSize%Align != 0:
		return fmt.Errorf("%w: shard size %d is not a positive multiple of %d", ErrLayout, l.ShardSize, Align)
	case l.ShardSize > shardFor(l.Size, l.K):
		return fmt.Errorf("%w: shard size %d larger than %d bytes over %d shards need", ErrLayout, l.ShardSize, l.Size, l.K)
	}
	return nil
}

// Redundancy returns K+M.
func (l Layout) Redundancy() Redundancy { return Redundancy{l.K, l.M} }

func (l Layout) stripeData() int64 { return int64(l.K) * l.ShardSize }

// Stripes returns the number of stripes (at least 1).
func (l Layout) Stripes() int {
	return int(max(1, (l.Size+l.stripeData()-1)/l.stripeData()))
}

// Stripe returns stripe i, which must be in [0, Stripes()).
func (l Layout) Stripe(i int) Stripe {
	n := l.Stripes()
	if i < 0 || i >= n {
		panic(fmt.Sprintf("erasure: stripe %d of %d", i, n))
	}
	off := int64(i) * l.stripeData()
	s := Stripe{Index: i, Off: off, Len: min(l.stripeData(), l.Size-off), ShardSize: l.ShardSize}
	if i == n-1 {
		s.ShardSize = shardFor(s.Len, l.K)
	}
	return s
}

// StripeRange returns the stream bytes [off, off+len) stripe i holds.
func (l Layout) StripeRange(i int) (off, n int64) {
	s := l.Stripe(i)
	return s.Off, s.Len
}

// StoredSize is the total size of all shards of all stripes.
func (l Layout) StoredSize() int64 {
	n := l.Stripes()
	last := l.Stripe(n - 1)
	return (int64(n-1)*l.ShardSize + last.ShardSize) * int64(l.K+l.M)
}

// Piece is a slice of one data shard: stream bytes
// [StreamOff, StreamOff+Len) are bytes [Off, Off+Len) of shard Shard of
// stripe Stripe.
type Piece struct {
	Stripe, Shard int
	Off, Len      int64
	StreamOff     int64
}

// Locate returns, in stream order, the data-shard slices that hold stream
// bytes [off, off+n).
func (l Layout) Locate(off, n int64) ([]Piece, error) {
	if off < 0 || n < 0 || off > l.Size || n > l.Size-off {
		return nil, fmt.Errorf("%w: range [%d, +%d) outside %d bytes", ErrLayout, off, n, l.Size)
	}
	var ps []Piece
	for end := off + n; off < end; {
		st := l.Stripe(int(off / l.stripeData()))
		in := off - st.Off
		shard := in / st.ShardSize
		shardOff := in % st.ShardSize
		take := min(end-off, st.ShardSize-shardOff, st.Off+st.Len-off)
		ps = append(ps, Piece{Stripe: st.Index, Shard: int(shard), Off: shardOff, Len: take, StreamOff: off})
		off += take
	}
	return ps, nil
}
