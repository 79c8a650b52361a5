package erasure

import (
	"errors"
	"testing"
)

const (
	KiB = 1 << 10
	MiB = 1 << 20
)

func TestNewLayout(t *testing.T) {
	for _, tc := range []struct {
		name      string
		k, m      int
		size      int64
		shard     int64
		stripes   int
		lastShard int64
		maxStored int64
	}{
		{"empty", 4, 2, 0, 64, 1, 64, 6 * 64},
		{"1 B", 4, 2, 1, 64, 1, 64, 6 * 64},
		{"1 KiB", 4, 2, KiB, 256, 1, 256, 2 * KiB},
		{"1 KiB sealed", 4, 2, KiB + 16, 320, 1, 320, 2 * KiB},
		{"1 KiB mirrored", 1, 2, KiB, KiB, 1, KiB, 3 * KiB},
		{"64 KiB-1", 4, 2, 64*KiB - 1, 16 * KiB, 1, 16 * KiB, 96 * KiB},
		{"64 KiB", 4, 2, 64 * KiB, 16 * KiB, 1, 16 * KiB, 96 * KiB},
		{"64 KiB+1", 4, 2, 64*KiB + 1, 16*KiB + 64, 1, 16*KiB + 64, 96*KiB + 6*64},
		{"16 MiB, one full stripe", 4, 2, 16 * MiB, 4 * MiB, 1, 4 * MiB, 24 * MiB},
		{"17 MiB, short tail stripe", 4, 2, 17 * MiB, 4 * MiB, 2, 256 * KiB, 24*MiB + 6*256*KiB},
		{"64 MiB", 4, 2, 64 * MiB, 4 * MiB, 4, 4 * MiB, 96 * MiB},
		{"64 MiB 10+4", 10, 4, 64 * MiB, 4 * MiB, 2, 2516608, 64*MiB*14/10 + 14*64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := NewLayout(tc.k, tc.m, tc.size, 0)
			if err != nil {
				t.Fatal(err)
			}
			if l.ShardSize != tc.shard || l.Stripes() != tc.stripes || l.Stripe(l.Stripes()-1).ShardSize != tc.lastShard {
				t.Fatalf("shard %d, stripes %d, last shard %d; want %d, %d, %d",
					l.ShardSize, l.Stripes(), l.Stripe(l.Stripes()-1).ShardSize, tc.shard, tc.stripes, tc.lastShard)
			}
			if got := l.StoredSize(); got > tc.maxStored {
				t.Fatalf("stores %d bytes, want at most %d", got, tc.maxStored)
			}
			checkCover(t, l)
		})
	}
}

// checkCover checks that the stripes tile the stream and fit their shards.
func checkCover(t *testing.T, l Layout) {
	t.Helper()
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	var next int64
	for i := range l.Stripes() {
		st := l.Stripe(i)
		if st.Off != next || st.Len > int64(l.K)*st.ShardSize || st.ShardSize > l.ShardSize || st.ShardSize%Align != 0 {
			t.Fatalf("stripe %+v after offset %d", st, next)
		}
		if i < l.Stripes()-1 && st.Len != int64(l.K)*l.ShardSize {
			t.Fatalf("inner stripe %+v not full", st)
		}
		next += st.Len
	}
	if next != l.Size {
		t.Fatalf("stripes cover %d of %d bytes", next, l.Size)
	}
}

func TestLayoutInvariants(t *testing.T) {
	for _, r := range []Redundancy{{1, 0}, {1, 2}, {3, 1}, {4, 2}, {10, 4}, {64, 64}} {
		for _, max := range []int64{64, 4 * KiB, DefaultMaxShard} {
			for _, size := range []int64{0, 1, 63, 64, 65, 4095, 4096, 4097, 100003, 10*MiB + 7} {
				l, err := NewLayout(r.K, r.M, size, max)
				if err != nil {
					t.Fatalf("%s %d %d: %v", r, size, max, err)
				}
				checkCover(t, l)
			}
		}
	}
}

func TestLayoutRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    Layout
		want error
	}{
		{"zero k", Layout{K: 0, M: 2, ShardSize: 64, Size: 10}, ErrRedundancy},
		{"too many shards", Layout{K: 64, M: 65, ShardSize: 64, Size: 10}, ErrRedundancy},
		{"unaligned", Layout{K: 4, M: 2, ShardSize: 100, Size: 1000}, ErrLayout},
		{"zero shard", Layout{K: 4, M: 2, ShardSize: 0, Size: 0}, ErrLayout},
		{"shard larger than needed", Layout{K: 4, M: 2, ShardSize: 4 * MiB, Size: 1000}, ErrLayout},
		{"negative size", Layout{K: 4, M: 2, ShardSize: 64, Size: -1}, ErrLayout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.l.Validate(); !errors.Is(err, tc.want) {
				t.Fatalf("Validate = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := NewLayout(4, 2, 10, 100); !errors.Is(err, ErrLayout) {
		t.Fatalf("unaligned max shard: %v", err)
	}
}
