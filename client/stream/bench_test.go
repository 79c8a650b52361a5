package stream

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"io"
	"testing"
	"time"
)

// The benchmarks compare the stream layer with bare AES-256-GCM sealing (or
// opening) the same number of 64 KiB segments in place on one core. Each
// iteration does one stream operation and then the equivalent raw work,
// timing both, so that load from other processes hits both alike. They
// report stream-MB/s, raw-MB/s and of-raw (stream throughput over raw);
// ns/op covers both halves and is not the figure to quote.

func rawGCM(b *testing.B) cipher.AEAD {
	block, _ := aes.NewCipher(make([]byte, 32))
	aead, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	return aead
}

type pair struct{ ours, raw time.Duration }

func (p *pair) run(ours, raw func()) {
	t0 := time.Now()
	ours()
	t1 := time.Now()
	raw()
	p.ours += t1.Sub(t0)
	p.raw += time.Since(t1)
}

func (p *pair) report(b *testing.B, bytesPerOp int) {
	total := float64(b.N) * float64(bytesPerOp) / 1e6
	b.ReportMetric(total/p.ours.Seconds(), "stream-MB/s")
	b.ReportMetric(total/p.raw.Seconds(), "raw-MB/s")
	b.ReportMetric(p.raw.Seconds()/p.ours.Seconds(), "of-raw")
}

func BenchmarkSeal(b *testing.B) {
	key := testKey(b, 10)
	for _, ws := range []int{S, 1 << 20} {
		b.Run(fmt.Sprintf("write=%dKiB", ws>>10), func(b *testing.B) {
			buf := make([]byte, ws)
			w := NewWriter(io.Discard, key)
			aead, seg := rawGCM(b), make([]byte, S, SealedSegmentSize)
			var nonce [12]byte
			var p pair
			for b.Loop() {
				p.run(func() { w.Write(buf) }, func() {
					for range ws / S {
						aead.Seal(seg[:0], nonce[:], seg, nil)
					}
				})
			}
			p.report(b, ws)
		})
	}
}

// BenchmarkSealCopy seals through io.Copy from a reader (ReadFrom).
func BenchmarkSealCopy(b *testing.B) {
	key := testKey(b, 12)
	const n = 1 << 20
	src := make([]byte, n)
	w := NewWriter(io.Discard, key)
	aead, seg := rawGCM(b), make([]byte, S, SealedSegmentSize)
	var nonce [12]byte
	var p pair
	for b.Loop() {
		p.run(func() { io.Copy(w, struct{ io.Reader }{bytes.NewReader(src)}) }, func() {
			for range n / S {
				aead.Seal(seg[:0], nonce[:], seg, nil)
			}
		})
	}
	p.report(b, n)
}

// BenchmarkOpenCopy opens through io.Copy to a writer (WriteTo).
func BenchmarkOpenCopy(b *testing.B) {
	key := testKey(b, 13)
	const n = 1 << 20
	var sealed bytes.Buffer
	w := NewWriter(&sealed, key)
	w.Write(make([]byte, n))
	w.Close()
	src := bytes.NewReader(sealed.Bytes())
	r := NewReader(src, key)
	aead := rawGCM(b)
	var nonce [12]byte
	one := aead.Seal(nil, nonce[:], make([]byte, S), nil)
	out := make([]byte, S)
	var p pair
	for b.Loop() {
		p.run(func() {
			src.Reset(sealed.Bytes())
			r.Reset(src)
			io.Copy(io.Discard, r)
		}, func() {
			for range n / S {
				aead.Open(out[:0], nonce[:], one, nil)
			}
		})
	}
	p.report(b, n)
}

func BenchmarkOpen(b *testing.B) {
	key := testKey(b, 11)
	const streamSegs = 32 // 2 MiB: stays in cache like the raw buffer
	var sealed bytes.Buffer
	w := NewWriter(&sealed, key)
	w.Write(make([]byte, streamSegs*S))
	w.Close()
	for _, rs := range []int{S, 1 << 20} {
		b.Run(fmt.Sprintf("read=%dKiB", rs>>10), func(b *testing.B) {
			buf := make([]byte, rs)
			src := bytes.NewReader(sealed.Bytes())
			r := NewReader(src, key)
			aead := rawGCM(b)
			var nonce [12]byte
			one := aead.Seal(nil, nonce[:], make([]byte, S), nil)
			out := make([]byte, S)
			var p pair
			for b.Loop() {
				p.run(func() {
					if _, err := io.ReadFull(r, buf); err != nil {
						src.Reset(sealed.Bytes())
						r.Reset(src)
					}
				}, func() {
					for range rs / S {
						aead.Open(out[:0], nonce[:], one, nil)
					}
				})
			}
			p.report(b, rs)
		})
	}
}

// BenchmarkOpenStripes opens a 16 MiB sealed stream held in 4 MiB pieces
// (a download's stripes) into a 1 MiB buffer: through a PiecesReader, and
// the way downloads did before, through an io.Pipe into a Reader.
func BenchmarkOpenStripes(b *testing.B) {
	key := testKey(b, 14)
	const n, piece = 16 << 20, 4 << 20
	var sealed bytes.Buffer
	w := NewWriter(&sealed, key)
	w.Write(make([]byte, n))
	w.Close()
	var parts [][]byte
	for rest := sealed.Bytes(); len(rest) > 0; {
		k := min(piece, len(rest))
		parts = append(parts, rest[:k])
		rest = rest[k:]
	}
	aead := rawGCM(b)
	var nonce [12]byte
	one := aead.Seal(nil, nonce[:], make([]byte, S), nil)
	out := make([]byte, S)
	raw := func() {
		for range n / S {
			aead.Open(out[:0], nonce[:], one, nil)
		}
	}
	dst := make([]byte, 1<<20)
	drain := func(r io.Reader) {
		for {
			if _, err := r.Read(dst); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				return
			}
		}
	}
	b.Run("pieces", func(b *testing.B) {
		var p pair
		for b.Loop() {
			p.run(func() {
				i := 0
				r, err := NewPiecesReader(key, int64(sealed.Len()), func() ([]byte, error) {
					if i == len(parts) {
						return nil, io.EOF
					}
					i++
					return parts[i-1], nil
				}, func() {})
				if err != nil {
					b.Fatal(err)
				}
				drain(r)
			}, raw)
		}
		p.report(b, n)
	})
	b.Run("pipe", func(b *testing.B) {
		var p pair
		for b.Loop() {
			p.run(func() {
				pr, pw := io.Pipe()
				go func() {
					for _, part := range parts {
						pw.Write(part)
					}
					pw.Close()
				}()
				drain(NewReader(pr, key))
			}, raw)
		}
		p.report(b, n)
	})
}
