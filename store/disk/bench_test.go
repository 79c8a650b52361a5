package disk

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/storetest"
)

const benchChunk = 4 << 20

// The raw baselines run first in each benchmark; the store sub-benchmark
// reports its throughput as a fraction of theirs ("of-raw").
var rawPutNs, rawGetNs float64

// benchChunks returns n distinct 4 MiB chunks and their IDs.
func benchChunks(n int) ([][]byte, []cid.Cid) {
	base, _ := storetest.Chunk(42, benchChunk)
	var datas [][]byte
	var ids []cid.Cid
	for i := range n {
		d := bytes.Clone(base)
		binary.BigEndian.PutUint64(d, uint64(i))
		datas = append(datas, d)
		ids = append(ids, store.Sum(d))
	}
	return datas, ids
}

func BenchmarkPut4MiB(b *testing.B) {
	datas, ids := benchChunks(8)
	b.Run("raw", func(b *testing.B) {
		dir := b.TempDir()
		b.SetBytes(benchChunk)
		for i := 0; b.Loop(); i++ {
			if i >= len(datas) {
				b.StopTimer()
				os.Remove(filepath.Join(dir, fmt.Sprint(i-len(datas))))
				b.StartTimer()
			}
			f, err := os.Create(filepath.Join(dir, fmt.Sprint(i)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.Write(datas[i%len(datas)]); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		rawPutNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("store", func(b *testing.B) {
		s := openTest(b, b.TempDir(), Config{})
		ctx := context.Background()
		b.SetBytes(benchChunk)
		for i := 0; b.Loop(); i++ {
			j := i % len(datas)
			if i >= len(datas) {
				// Make room for the chunk again; deletes are not timed.
				b.StopTimer()
				if err := s.Delete(ctx, ids[j]); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			if err := s.Put(ctx, ids[j], benchChunk, bytes.NewReader(datas[j]), nil); err != nil {
				b.Fatal(err)
			}
		}
		reportOfRaw(b, rawPutNs)
	})
	// Other processes on the machine make two sub-benchmarks run seconds
	// apart see different disks; this one alternates a raw write and a put
	// (which goes first alternates too) so both see the same conditions,
	// and reports the ratio of the two: over all pairs (of-raw) and the
	// median of each pair's (pair-median-of-raw), which one stalled write
	// cannot move.
	b.Run("interleaved", func(b *testing.B) {
		dir := b.TempDir()
		s := openTest(b, b.TempDir(), Config{})
		ctx := context.Background()
		var raw, st, rawCPU, stCPU time.Duration
		var pairs []float64
		for i := 0; b.Loop(); i++ {
			j := i % len(datas)
			b.StopTimer()
			if i >= len(datas) {
				os.Remove(filepath.Join(dir, fmt.Sprint(i-len(datas))))
				if err := s.Delete(ctx, ids[j]); err != nil {
					b.Fatal(err)
				}
			}
			b.StartTimer()
			rawOne := func() (time.Duration, time.Duration) {
				c0, t0 := cpuTime(), time.Now()
				if err := writeSync(filepath.Join(dir, fmt.Sprint(i)), datas[j]); err != nil {
					b.Fatal(err)
				}
				return time.Since(t0), cpuTime() - c0
			}
			putOne := func() (time.Duration, time.Duration) {
				c0, t0 := cpuTime(), time.Now()
				if err := s.Put(ctx, ids[j], benchChunk, bytes.NewReader(datas[j]), nil); err != nil {
					b.Fatal(err)
				}
				return time.Since(t0), cpuTime() - c0
			}
			var r, rc, p, pc time.Duration
			if i%2 == 0 {
				r, rc = rawOne()
				p, pc = putOne()
			} else {
				p, pc = putOne()
				r, rc = rawOne()
			}
			raw, st, rawCPU, stCPU = raw+r, st+p, rawCPU+rc, stCPU+pc
			pairs = append(pairs, r.Seconds()/p.Seconds())
		}
		reportPair(b, raw, st)
		reportCPU(b, rawCPU, stCPU)
		slices.Sort(pairs)
		b.ReportMetric(pairs[len(pairs)/2], "pair-median-of-raw")
	})
}

func writeSync(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// reportPair reports the throughput of raw and store operations timed
// side by side and the store's as a fraction of raw.
func reportPair(b *testing.B, raw, st time.Duration) {
	mb := float64(b.N) * benchChunk / 1e6
	b.ReportMetric(mb/raw.Seconds(), "raw-MB/s")
	b.ReportMetric(mb/st.Seconds(), "store-MB/s")
	b.ReportMetric(raw.Seconds()/st.Seconds(), "of-raw")
}

// reportCPU reports the process CPU time (user and system, all threads)
// spent per GiB by raw and store operations timed side by side.
func reportCPU(b *testing.B, raw, st time.Duration) {
	if raw == 0 && st == 0 {
		return
	}
	gib := float64(b.N) * benchChunk / (1 << 30)
	b.ReportMetric(raw.Seconds()/gib, "raw-cpu-s/GiB")
	b.ReportMetric(st.Seconds()/gib, "store-cpu-s/GiB")
}

func BenchmarkGet4MiB(b *testing.B) {
	datas, ids := benchChunks(8)
	buf := make([]byte, readBufSize)
	readAll := func(b *testing.B, r io.Reader) {
		n := 0
		for {
			m, err := r.Read(buf)
			n += m
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		if n != benchChunk {
			b.Fatalf("read %d bytes", n)
		}
	}
	b.Run("raw", func(b *testing.B) {
		dir := b.TempDir()
		for i, d := range datas {
			os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), d, 0o600)
		}
		b.SetBytes(benchChunk)
		for i := 0; b.Loop(); i++ {
			f, err := os.Open(filepath.Join(dir, fmt.Sprint(i%len(datas))))
			if err != nil {
				b.Fatal(err)
			}
			readAll(b, f)
			f.Close()
		}
		rawGetNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("store", func(b *testing.B) {
		s := openTest(b, b.TempDir(), Config{})
		ctx := context.Background()
		for i, d := range datas {
			if err := s.Put(ctx, ids[i], benchChunk, bytes.NewReader(d), nil); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(benchChunk)
		for i := 0; b.Loop(); i++ {
			rc, err := s.Get(ctx, ids[i%len(ids)], 0, -1)
			if err != nil {
				b.Fatal(err)
			}
			readAll(b, rc)
			rc.Close()
		}
		reportOfRaw(b, rawGetNs)
	})
	b.Run("interleaved", func(b *testing.B) {
		dir := b.TempDir()
		s := openTest(b, b.TempDir(), Config{})
		ctx := context.Background()
		for i, d := range datas {
			os.WriteFile(filepath.Join(dir, fmt.Sprint(i)), d, 0o600)
			if err := s.Put(ctx, ids[i], benchChunk, bytes.NewReader(d), nil); err != nil {
				b.Fatal(err)
			}
		}
		var raw, st, rawCPU, stCPU time.Duration
		for i := 0; b.Loop(); i++ {
			j := i % len(datas)
			c0, t0 := cpuTime(), time.Now()
			f, err := os.Open(filepath.Join(dir, fmt.Sprint(j)))
			if err != nil {
				b.Fatal(err)
			}
			readAll(b, f)
			f.Close()
			c1, t1 := cpuTime(), time.Now()
			rc, err := s.Get(ctx, ids[j], 0, -1)
			if err != nil {
				b.Fatal(err)
			}
			readAll(b, rc)
			rc.Close()
			raw, st = raw+t1.Sub(t0), st+time.Since(t1)
			rawCPU, stCPU = rawCPU+c1-c0, stCPU+cpuTime()-c1
		}
		reportPair(b, raw, st)
		reportCPU(b, rawCPU, stCPU)
	})
}

func reportOfRaw(b *testing.B, rawNs float64) {
	if rawNs == 0 || b.N == 0 {
		return
	}
	ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(rawNs/ns, "of-raw")
}

// BenchmarkMetaOps measures operations on 200-byte metadata records with
// tiny chunks: reads (Stat), and puts one at a time or many at once,
// where group commit lets puts share index syncs.
func BenchmarkMetaOps(b *testing.B) {
	meta := bytes.Repeat([]byte{'m'}, 200)
	ctx := context.Background()
	b.Run("stat", func(b *testing.B) {
		s := openTest(b, b.TempDir(), Config{})
		var ids []cid.Cid
		for i := range 1000 {
			data, _ := storetest.Chunk(uint64(i), 64)
			ids = append(ids, storetest.MustPut(b, s, data, meta))
		}
		for i := 0; b.Loop(); i++ {
			if _, err := s.Stat(ctx, ids[i%len(ids)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	put := func(b *testing.B, s *Store, i uint64) {
		var data [16]byte
		binary.BigEndian.PutUint64(data[:], i)
		if err := s.Put(ctx, store.Sum(data[:]), 16, bytes.NewReader(data[:]), meta); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("put-serial", func(b *testing.B) {
		s := openTest(b, b.TempDir(), Config{})
		for i := uint64(0); b.Loop(); i++ {
			put(b, s, i)
		}
	})
	b.Run("put-parallel-16", func(b *testing.B) {
		s := openTest(b, b.TempDir(), Config{})
		var next uint64
		var mu = make(chan struct{}, 1)
		b.SetParallelism(8) // 8 x GOMAXPROCS goroutines
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				mu <- struct{}{}
				next++
				i := next
				<-mu
				put(b, s, i)
			}
		})
	})
}
