//go:build linux

package client

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ipfs/go-cid"
	"golang.org/x/sys/unix"

	"github.com/scatterbytes/scatterbytes/p2p/erasure"
	"github.com/scatterbytes/scatterbytes/store"
)

// cpuTime is the CPU time the process has used, user and system, in
// seconds.
func cpuTime(b *testing.B) float64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkEncodeStripe codes and hashes full 4+2 stripes of 4 MiB shards,
// as the upload does, the old way (whole-stripe encode, then store.Sum of
// each shard) and block by block. The stripes rotate over buffers larger
// than the last-level cache, so each starts from memory as a freshly
// sealed one mostly does. cpu-s/GiB is process CPU per GiB of stripe
// data, the goroutines reedsolomon starts included.
func BenchmarkEncodeStripe(b *testing.B) {
	const stripes = 6 // 6 × 24 MiB of buffers
	l, err := erasure.NewLayout(4, 2, stripes*4*erasure.DefaultMaxShard, 0)
	if err != nil {
		b.Fatal(err)
	}
	coder, err := erasure.NewCoder(l)
	if err != nil {
		b.Fatal(err)
	}
	bufs := make([][]byte, stripes)
	for i := range bufs {
		bufs[i] = make([]byte, l.StripeBufferSize())
		rand.NewChaCha8([32]byte{byte(i)}).Read(bufs[i])
	}
	whole := func(i int) {
		st := l.Stripe(i)
		shards, err := coder.EncodeInPlace(i, bufs[i], st.Len)
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]cid.Cid, len(shards))
		for k, s := range shards {
			ids[k] = store.Sum(s)
		}
	}
	blocks := func(block int) func(int) {
		return func(i int) {
			if _, _, err := encodeStripe(coder, i, bufs[i], l.Stripe(i).Len, block); err != nil {
				b.Fatal(err)
			}
		}
	}
	run := func(name string, f func(int)) {
		b.Run(name, func(b *testing.B) {
			for i := range stripes { // fault the buffers in
				f(i)
			}
			b.SetBytes(int64(l.K) * l.ShardSize)
			b.ResetTimer()
			t0 := cpuTime(b)
			for n := range b.N {
				f(n % stripes)
			}
			cpu := cpuTime(b) - t0
			b.ReportMetric(cpu/(float64(b.N)*float64(int64(l.K)*l.ShardSize)/(1<<30)), "cpu-s/GiB")
		})
	}
	run("whole", whole)
	for _, block := range []int{32 << 10, 64 << 10, 128 << 10} {
		run(fmt.Sprintf("block=%dK", block>>10), blocks(block))
	}
}
