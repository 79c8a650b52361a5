package stream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

const S = SegmentSize

func testKey(t testing.TB, b byte) keys.FileKey {
	t.Helper()
	k, err := keys.FileKeyFromBytes(bytes.Repeat([]byte{b}, keys.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func plaintext(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16)})
	r.Read(b)
	return b
}

// seal writes plain through a Writer in pieces of the given size (0: one
// write, -1: io.Copy from a plain io.Reader, which uses ReadFrom).
func seal(t testing.TB, key keys.FileKey, plain []byte, piece int) []byte {
	t.Helper()
	var out bytes.Buffer
	w := NewWriter(&out, key)
	if piece < 0 {
		src := iotest.HalfReader(bytes.NewReader(plain)) // short reads, no WriterTo
		if n, err := io.Copy(w, src); err != nil || n != int64(len(plain)) {
			t.Fatalf("io.Copy = %d, %v", n, err)
		}
	}
	for rest := plain; len(rest) > 0 && piece >= 0; {
		n := len(rest)
		if piece > 0 {
			n = min(n, piece)
		}
		if m, err := w.Write(rest[:n]); err != nil || m != n {
			t.Fatalf("Write = %d, %v", m, err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte{1}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v", err)
	}
	return out.Bytes()
}

// open reads sealed through a Reader with reads of the given size (0:
// io.Copy, which uses WriteTo) and returns what it yielded before the
// first error.
func open(key keys.FileKey, sealed []byte, readSize int) ([]byte, error) {
	return readAll(NewReader(bytes.NewReader(sealed), key), readSize)
}

// readAll reads r to its end or first error with reads of the given size
// (0: io.Copy, which uses r's WriteTo) and returns what it yielded. After
// an error, a reader must return the same error again.
func readAll(r io.Reader, readSize int) ([]byte, error) {
	if readSize == 0 {
		var out bytes.Buffer
		_, err := io.Copy(&out, r)
		return out.Bytes(), err
	}
	var got []byte
	buf := make([]byte, readSize)
	for {
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			if _, again := r.Read(buf); again != err {
				return got, fmt.Errorf("after %w, Read returned %v", err, again)
			}
			return got, err
		}
	}
}

var sizes = []int{0, 1, S - 1, S, S + 1, 2 * S, 3 * S, 3*S + 5}

func TestRoundTrip(t *testing.T) {
	key := testKey(t, 1)
	for _, size := range sizes {
		plain := plaintext(size)
		for _, piece := range []int{0, -1, 1000, S, S + 7} {
			if piece == 1000 && size > 2*S {
				continue
			}
			sealed := seal(t, key, plain, piece)
			if int64(len(sealed)) != SealedSize(int64(size)) {
				t.Fatalf("size %d: sealed %d bytes, SealedSize says %d", size, len(sealed), SealedSize(int64(size)))
			}
			if p, err := PlainSize(int64(len(sealed))); err != nil || p != int64(size) {
				t.Fatalf("PlainSize(%d) = %d, %v", len(sealed), p, err)
			}
			for _, rs := range []int{0, 1 << 10, S, 3 * S} {
				got, err := open(key, sealed, rs)
				if err != nil || !bytes.Equal(got, plain) {
					t.Fatalf("size %d piece %d read %d: %d bytes, %v", size, piece, rs, len(got), err)
				}
			}
		}
	}
}

func TestAttacks(t *testing.T) {
	key := testKey(t, 2)
	plain := plaintext(3*S + 5)
	sealed := seal(t, key, plain, 0)
	fullPlain := plaintext(2 * S)
	full := seal(t, key, fullPlain, 0) // ends with a full final segment
	const SS = SealedSegmentSize
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(sealed)) }
	for _, tc := range []struct {
		name     string
		sealed   []byte
		key      keys.FileKey
		want     error
		goodSegs int // segments whose plaintext may come out before the error
	}{
		{"flip in segment 0", mod(func(b []byte) []byte { b[10] ^= 1; return b }), key, ErrTampered, 0},
		{"flip in segment 1 tag", mod(func(b []byte) []byte { b[2*SS-1] ^= 0x80; return b }), key, ErrTampered, 1},
		{"flip in final segment", mod(func(b []byte) []byte { b[len(b)-17] ^= 1; return b }), key, ErrTampered, 3},
		{"truncate to zero", nil, key, ErrTruncated, 0},
		{"truncate after segment 1", sealed[:SS], key, ErrTruncated, 0},
		{"truncate after segment 2", sealed[:2*SS], key, ErrTruncated, 1},
		{"truncate full final segment", full[:SS], key, ErrTruncated, 0},
		{"truncate inside a segment", sealed[:SS+100], key, ErrTampered, 1},
		{"drop one tag byte", sealed[:len(sealed)-1], key, ErrTampered, 3},
		{"swap segments 0 and 1", mod(func(b []byte) []byte {
			s0 := bytes.Clone(b[:SS])
			copy(b, b[SS:2*SS])
			copy(b[SS:], s0)
			return b
		}), key, ErrTampered, 0},
		{"drop segment 1", append(bytes.Clone(sealed[:SS]), sealed[2*SS:]...), key, ErrTampered, 1},
		{"append garbage", append(bytes.Clone(sealed), 0), key, ErrTampered, 3},
		{"append a segment", append(bytes.Clone(full), full[:SS]...), key, ErrTampered, 1},
		{"wrong key", sealed, testKey(t, 3), ErrTampered, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, rs := range []int{0, 100, S} {
				got, err := open(tc.key, tc.sealed, rs)
				if !errors.Is(err, tc.want) {
					t.Fatalf("read %d: err = %v, want %v", rs, err, tc.want)
				}
				want := plain
				if bytes.HasPrefix(tc.sealed, full[:SS]) {
					want = fullPlain
				}
				if len(got) > tc.goodSegs*S || !bytes.Equal(got, want[:len(got)]) {
					t.Fatalf("read %d: got %d bytes before the error, at most %d authentic allowed", rs, len(got), tc.goodSegs*S)
				}
			}
		})
	}
}

func TestSegmentRange(t *testing.T) {
	SS := int64(SealedSegmentSize)
	for _, tc := range []struct {
		name         string
		size, off, n int64
		want         Span
	}{
		{"empty file", 0, 0, 0, Span{0, 0, 0, 16}},
		{"one byte", 1, 0, 1, Span{0, 0, 0, 17}},
		{"first segment", 3*S + 5, 0, S, Span{0, 0, 0, SS}},
		{"straddle", 3*S + 5, S - 1, 2, Span{0, 1, 0, 2 * SS}},
		{"final short", 3*S + 5, 3 * S, 5, Span{3, 3, 3 * SS, 21}},
		{"all", 3*S + 5, 0, 3*S + 5, Span{0, 3, 0, 3*SS + 21}},
		{"empty at end", 2 * S, 2 * S, 0, Span{1, 1, SS, SS}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SegmentRange(tc.size, tc.off, tc.n)
			if err != nil || got != tc.want {
				t.Fatalf("= %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	for _, bad := range [][3]int64{{10, -1, 1}, {10, 0, 11}, {10, 11, 0}, {10, 5, -1}, {-1, 0, 0}} {
		if _, err := SegmentRange(bad[0], bad[1], bad[2]); !errors.Is(err, ErrRange) {
			t.Errorf("SegmentRange%v = %v", bad, err)
		}
	}
	for _, bad := range []int64{0, 15, SS + 16} {
		if _, err := PlainSize(bad); !errors.Is(err, ErrRange) {
			t.Errorf("PlainSize(%d) = %v", bad, err)
		}
	}
}

func TestRandomAccess(t *testing.T) {
	key := testKey(t, 4)
	for _, size := range sizes {
		plain := plaintext(size)
		sealed := seal(t, key, plain, 0)
		c := NewCipher(key)
		segs := Segments(int64(size))
		for i := range segs {
			span, _ := SegmentRange(int64(size), i*S, min(S, int64(size)-i*S))
			got, err := OpenSegment(key, i, i == segs-1, sealed[span.CipherOff:span.CipherOff+span.CipherLen])
			if err != nil || !bytes.Equal(got, plain[i*S:min(int(i+1)*S, size)]) {
				t.Fatalf("size %d segment %d: %v", size, i, err)
			}
			if _, err := OpenSegment(key, i, i != segs-1, sealed[span.CipherOff:span.CipherOff+span.CipherLen]); err == nil {
				t.Fatalf("size %d segment %d opened with the wrong final flag", size, i)
			}
		}
		ra := NewReaderAt(bytes.NewReader(sealed), key, int64(size))
		edges := []int{0, 1, S - 1, S, S + 1, 2*S - 1, 2 * S, 3 * S, size - 1, size}
		for _, off := range edges {
			for _, end := range edges {
				if off < 0 || off > end || end > size {
					continue
				}
				want := plain[off:end]
				span, err := SegmentRange(int64(size), int64(off), int64(end-off))
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.OpenRange(int64(size), int64(off), int64(end-off), sealed[span.CipherOff:span.CipherOff+span.CipherLen])
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("size %d OpenRange [%d,%d): %v", size, off, end, err)
				}
				buf := make([]byte, end-off)
				n, err := ra.ReadAt(buf, int64(off))
				if (err != nil && !(err == io.EOF && end == size)) || n != len(want) || !bytes.Equal(buf, want) {
					t.Fatalf("size %d ReadAt [%d,%d) = %d, %v", size, off, end, n, err)
				}
			}
		}
	}
}

func TestReaderAtDetectsTampering(t *testing.T) {
	key := testKey(t, 5)
	sealed := seal(t, key, plaintext(2*S+1), 0)
	sealed[SealedSegmentSize+5] ^= 1
	ra := NewReaderAt(bytes.NewReader(sealed), key, 2*S+1)
	buf := make([]byte, 10)
	if _, err := ra.ReadAt(buf, 5); err != nil {
		t.Fatalf("untouched segment: %v", err)
	}
	if n, err := ra.ReadAt(buf, S+5); !errors.Is(err, ErrTampered) || n != 0 {
		t.Fatalf("tampered segment = %d, %v", n, err)
	}
	short := NewReaderAt(bytes.NewReader(sealed[:SealedSegmentSize]), key, 2*S+1)
	if _, err := short.ReadAt(buf, S+5); !errors.Is(err, ErrTruncated) {
		t.Fatalf("missing segment = %v", err)
	}
}
