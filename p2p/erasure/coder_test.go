package erasure

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

func randomBytes(n int64, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

// subsets calls f with every subset of n indexes of size k.
func subsets(n, k int, f func(pick []int)) {
	var rec func(start int, pick []int)
	rec = func(start int, pick []int) {
		if len(pick) == k {
			f(pick)
			return
		}
		for i := start; i < n; i++ {
			rec(i+1, append(pick, i))
		}
	}
	rec(0, nil)
}

func encodeAll(t *testing.T, c *Coder, stream []byte) [][][]byte {
	t.Helper()
	l := c.Layout()
	out := make([][][]byte, l.Stripes())
	for i := range out {
		st := l.Stripe(i)
		shards, err := c.Encode(i, stream[st.Off:st.Off+st.Len])
		if err != nil {
			t.Fatal(err)
		}
		out[i] = shards
	}
	return out
}

func TestReconstructAfterLosingAnyM(t *testing.T) {
	for _, tc := range []struct {
		name     string
		k, m     int
		size     int64
		maxShard int64
	}{
		{"4+2 one stripe", 4, 2, 1000, 0},
		{"4+2 three stripes short tail", 4, 2, 2*4*256 + 100, 256},
		{"1+2 mirror", 1, 2, 3 * 64 * 2, 128},
		{"10+4", 10, 4, 10*128 + 333, 128},
		{"3+0", 3, 0, 500, 64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := NewLayout(tc.k, tc.m, tc.size, tc.maxShard)
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewCoder(l)
			if err != nil {
				t.Fatal(err)
			}
			stream := randomBytes(tc.size, uint64(tc.size))
			all := encodeAll(t, c, stream)
			n := tc.k + tc.m
			for i, shards := range all {
				st := l.Stripe(i)
				if !bytes.Equal(bytes.Join(shards[:tc.k], nil)[:st.Len], stream[st.Off:st.Off+st.Len]) {
					t.Fatalf("stripe %d: data shards are not the stream bytes", i)
				}
				for drop := 0; drop <= tc.m+1; drop++ {
					subsets(n, drop, func(lost []int) {
						have := make([][]byte, n)
						for j := range have {
							have[j] = bytes.Clone(shards[j])
						}
						for _, j := range lost {
							have[j] = nil
						}
						got, err := c.Reconstruct(i, have)
						if drop > tc.m {
							if !errors.Is(err, ErrTooFewShards) {
								t.Fatalf("stripe %d lost %v: err = %v, want ErrTooFewShards", i, lost, err)
							}
							return
						}
						if err != nil || !bytes.Equal(got, stream[st.Off:st.Off+st.Len]) {
							t.Fatalf("stripe %d lost %v: %v", i, lost, err)
						}
						if err := c.Repair(i, have); err != nil {
							t.Fatal(err)
						}
						for j := range have {
							if !bytes.Equal(have[j], shards[j]) {
								t.Fatalf("stripe %d lost %v: repaired shard %d differs", i, lost, j)
							}
						}
					})
				}
			}
		})
	}
}

func TestMirroringMakesCopies(t *testing.T) {
	l, _ := NewLayout(1, 3, 1000, 0)
	c, err := NewCoder(l)
	if err != nil {
		t.Fatal(err)
	}
	shards, err := c.Encode(0, randomBytes(1000, 1))
	if err != nil {
		t.Fatal(err)
	}
	for j := 1; j < 4; j++ {
		if !bytes.Equal(shards[j], shards[0]) {
			t.Fatalf("k=1 parity shard %d is not a copy", j)
		}
	}
}

func TestCoderRejects(t *testing.T) {
	l, _ := NewLayout(4, 2, 1000, 0)
	c, _ := NewCoder(l)
	shards, _ := c.Encode(0, make([]byte, 1000))
	for _, tc := range []struct {
		name   string
		stripe int
		shards [][]byte
		want   error
	}{
		{"bad stripe", 1, shards, ErrLayout},
		{"too few entries", 0, shards[:5], ErrLayout},
		{"short shard", 0, [][]byte{shards[0][:10], shards[1], shards[2], shards[3], nil, nil}, ErrShardSize},
		{"three present", 0, [][]byte{shards[0], nil, shards[2], nil, nil, shards[5]}, ErrTooFewShards},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := c.Reconstruct(tc.stripe, tc.shards); !errors.Is(err, tc.want) {
				t.Fatalf("= %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := c.Encode(0, make([]byte, 999)); !errors.Is(err, ErrLayout) {
		t.Fatalf("Encode short data: %v", err)
	}
}

func TestLocate(t *testing.T) {
	l, _ := NewLayout(4, 2, 5000, 256) // stripes of 1024, tail of 904 in 4 × 256
	c, _ := NewCoder(l)
	stream := randomBytes(l.Size, 7)
	all := encodeAll(t, c, stream)
	for _, r := range [][2]int64{{0, 0}, {0, 1}, {0, 5000}, {255, 2}, {1023, 2}, {4095, 905}, {4999, 1}, {5000, 0}, {300, 3000}} {
		ps, err := l.Locate(r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for _, p := range ps {
			if p.Shard >= l.K || p.StreamOff != r[0]+int64(len(got)) {
				t.Fatalf("range %v: piece %+v", r, p)
			}
			got = append(got, all[p.Stripe][p.Shard][p.Off:p.Off+p.Len]...)
		}
		if !bytes.Equal(got, stream[r[0]:r[0]+r[1]]) {
			t.Fatalf("range %v: pieces give different bytes", r)
		}
	}
	if _, err := l.Locate(4000, 1001); !errors.Is(err, ErrLayout) {
		t.Fatalf("out of range: %v", err)
	}
}

func BenchmarkEncode4p2(b *testing.B) {
	l, _ := NewLayout(4, 2, 4*DefaultMaxShard, 0)
	c, _ := NewCoder(l)
	data := randomBytes(l.Size, 1)
	b.SetBytes(l.Size)
	for b.Loop() {
		if _, err := c.Encode(0, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReconstruct4p2TwoDataLost(b *testing.B) {
	l, _ := NewLayout(4, 2, 4*DefaultMaxShard, 0)
	c, _ := NewCoder(l)
	shards, _ := c.Encode(0, randomBytes(l.Size, 1))
	b.SetBytes(l.Size)
	for b.Loop() {
		have := append([][]byte(nil), shards...)
		have[0], have[2] = nil, nil
		if _, err := c.Reconstruct(0, have); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReconstructDataInPlace checks that missing data shards given as
// empty slices with room are rebuilt in that memory: a buffer holding the
// data shards back to back then holds the whole stripe.
func TestReconstructDataInPlace(t *testing.T) {
	l, _ := NewLayout(4, 2, 4*Align*3, 0)
	c, _ := NewCoder(l)
	data := randomBytes(l.Size, 5)
	shards, err := c.Encode(0, data)
	if err != nil {
		t.Fatal(err)
	}
	ss := l.ShardSize
	buf := make([]byte, 4*ss)
	have := make([][]byte, 6)
	for j := range 4 {
		have[j] = buf[int64(j)*ss : int64(j+1)*ss]
		copy(have[j], shards[j])
	}
	have[4], have[5] = shards[4], shards[5]
	for _, lost := range []int{1, 3} {
		clear(have[lost])
		have[lost] = have[lost][:0]
	}
	if err := c.ReconstructData(0, have); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf[:l.Size], data) {
		t.Fatal("the buffer does not hold the stripe after rebuilding in place")
	}
}

// TestEncodeInPlaceReusedBuffer: a reused stripe buffer holds the last
// stripe's bytes after the data; the shards must not depend on them.
func TestEncodeInPlaceReusedBuffer(t *testing.T) {
	l, _ := NewLayout(4, 2, 4*Align*3-5, 0)
	c, _ := NewCoder(l)
	data := randomBytes(l.Size, 9)
	want, err := c.Encode(0, data)
	if err != nil {
		t.Fatal(err)
	}
	buf := bytes.Repeat([]byte{0xa5}, int(l.StripeBufferSize()))
	copy(buf, data)
	got, err := c.EncodeInPlace(0, buf, l.Size)
	if err != nil {
		t.Fatal(err)
	}
	for j := range want {
		if !bytes.Equal(got[j], want[j]) {
			t.Fatalf("shard %d differs when the buffer held old bytes", j)
		}
	}
}

// TestEncodeInPlaceBlocks: coding a stripe block by block gives exactly
// Encode's shards, and each sees every byte of every shard once, in order.
func TestEncodeInPlaceBlocks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		k, m     int
		size     int64
		maxShard int64
		block    int
	}{
		{"4+2 blocks divide the shard", 4, 2, 4 * 4 * 1024, 4096, 1024},
		{"4+2 short last block", 4, 2, 4 * 5 * 1024, 5 * 1024, 2048},
		{"4+2 block not a multiple of Align", 4, 2, 4*3*1024 - 7, 3 * 1024, 1000},
		{"4+2 block larger than the shard", 4, 2, 1000, 0, 64 << 10},
		{"4+2 block of one byte", 4, 2, 300, 0, 1},
		{"4+2 several stripes, short tail", 4, 2, 3*4*64<<10 + 12345, 64 << 10, 48 << 10},
		{"4+2 256 KiB shards", 4, 2, 2*4*256<<10 - 100, 256 << 10, 64 << 10},
		{"1+2 mirror", 1, 2, 3*64<<10 + 64, 64 << 10, 32 << 10},
		{"1+2 mirror short last block", 1, 2, 5000, 0, 4096},
		{"10+4", 10, 4, 10*1280 + 333, 1280, 512},
		{"3+0", 3, 0, 5000, 0, 640},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := NewLayout(tc.k, tc.m, tc.size, tc.maxShard)
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewCoder(l)
			if err != nil {
				t.Fatal(err)
			}
			stream := randomBytes(tc.size, uint64(tc.size))
			want := encodeAll(t, c, stream)
			for i := range l.Stripes() {
				st := l.Stripe(i)
				// A reused buffer: old bytes after the data and in the parity.
				buf := bytes.Repeat([]byte{0x5a}, int(l.StripeBufferSize())+3)
				copy(buf, stream[st.Off:st.Off+st.Len])
				seen := make([][]byte, tc.k+tc.m)
				calls := 0
				got, err := c.EncodeInPlaceBlocks(i, buf, st.Len, tc.block, func(cols [][]byte) {
					calls++
					if len(cols) != tc.k+tc.m {
						t.Fatalf("stripe %d: %d columns, want %d", i, len(cols), tc.k+tc.m)
					}
					for j, col := range cols {
						if len(col) != len(cols[0]) || len(col) > tc.block {
							t.Fatalf("stripe %d: column %d has %d bytes (column 0 %d, block %d)", i, j, len(col), len(cols[0]), tc.block)
						}
						seen[j] = append(seen[j], col...)
					}
				})
				if err != nil {
					t.Fatal(err)
				}
				if wantCalls := int((st.ShardSize + int64(tc.block) - 1) / int64(tc.block)); calls != wantCalls {
					t.Fatalf("stripe %d: %d blocks, want %d", i, calls, wantCalls)
				}
				for j := range want[i] {
					if !bytes.Equal(got[j], want[i][j]) {
						t.Fatalf("stripe %d: shard %d differs from Encode's", i, j)
					}
					if !bytes.Equal(seen[j], want[i][j]) {
						t.Fatalf("stripe %d: the blocks of shard %d are not the shard", i, j)
					}
				}
				if rest := buf[int64(tc.k+tc.m)*st.ShardSize:]; bytes.Count(rest, []byte{0x5a}) != len(rest) {
					t.Fatalf("stripe %d: bytes past the shards were touched", i)
				}
			}
		})
	}
}

func TestEncodeInPlaceBlocksBadBlock(t *testing.T) {
	l, _ := NewLayout(4, 2, 1000, 0)
	c, _ := NewCoder(l)
	buf := make([]byte, l.StripeBufferSize())
	for _, block := range []int{0, -64} {
		if _, err := c.EncodeInPlaceBlocks(0, buf, l.Size, block, func([][]byte) {}); !errors.Is(err, ErrLayout) {
			t.Fatalf("block %d: err = %v, want ErrLayout", block, err)
		}
	}
	if _, err := c.EncodeInPlaceBlocks(0, buf, l.Size-1, 64, func([][]byte) {}); !errors.Is(err, ErrLayout) {
		t.Fatalf("wrong length: err = %v, want ErrLayout", err)
	}
}

// TestPadWith: the padding past a stripe's end holds what PadWith writes,
// parity covers it, and the stripe rebuilds from any K shards all the
// same.
func TestPadWith(t *testing.T) {
	l, _ := NewLayout(4, 2, 10, 0) // one stripe; data shards 1..3 all padding
	c, _ := NewCoder(l)
	c.PadWith(func(stripe int, p []byte) {
		for i := range p {
			p[i] = byte(stripe + 1)
		}
	})
	data := randomBytes(l.Size, 3)
	buf := make([]byte, l.StripeBufferSize())
	copy(buf, data)
	shards, err := c.EncodeInPlace(0, buf, l.Size)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shards[3], bytes.Repeat([]byte{1}, len(shards[3]))) {
		t.Fatalf("shard 3 holds %x, want the padding", shards[3])
	}
	lost := make([][]byte, len(shards))
	copy(lost, shards)
	lost[0], lost[3] = nil, nil
	got, err := c.Reconstruct(0, lost)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Reconstruct = %x, %v; want %x", got, err, data)
	}
}
