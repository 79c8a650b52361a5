package stream

import "fmt"

// Segments returns how many segments a plaintext of plainSize bytes has.
func Segments(plainSize int64) int64 {
	if plainSize <= 0 {
		return 1
	}
	return (plainSize + SegmentSize - 1) / SegmentSize
}

// SealedSize returns the sealed size of a plaintext of plainSize bytes.
func SealedSize(plainSize int64) int64 {
	return plainSize + Segments(plainSize)*Overhead
}

// PlainSize inverts SealedSize, failing for sizes no plaintext seals to.
func PlainSize(sealedSize int64) (int64, error) {
	if sealedSize < Overhead {
		return 0, fmt.Errorf("%w: sealed size %d", ErrRange, sealedSize)
	}
	full := (sealedSize - Overhead) / SealedSegmentSize // segments before the last
	lastSealed := sealedSize - full*SealedSegmentSize
	if full > 0 && lastSealed == Overhead {
		// That would be an empty final segment after full ones, which
		// the format never produces.
		return 0, fmt.Errorf("%w: sealed size %d", ErrRange, sealedSize)
	}
	return full*SegmentSize + lastSealed - Overhead, nil
}

// Span is where a plaintext range lives in the sealed stream: segments
// First..Last inclusive, which are the sealed bytes
// [CipherOff, CipherOff+CipherLen).
type Span struct {
	First, Last          int64
	CipherOff, CipherLen int64
}

// SegmentRange returns the segments that hold plaintext bytes
// [off, off+n) of a plaintext of plainSize bytes. It needs plainSize
// because the final segment is shorter than the others. n = 0 maps to the
// one segment holding off (so that reading an empty range still
// authenticates where it is); off may equal plainSize only when n = 0.
func SegmentRange(plainSize, off, n int64) (Span, error) {
	if plainSize < 0 || off < 0 || n < 0 || off > plainSize || n > plainSize-off {
		return Span{}, fmt.Errorf("%w: [%d, +%d) of %d bytes", ErrRange, off, n, plainSize)
	}
	segs := Segments(plainSize)
	first := min(off/SegmentSize, segs-1)
	last := first
	if n > 0 {
		last = (off + n - 1) / SegmentSize
	}
	start := first * SealedSegmentSize
	end := min((last+1)*SealedSegmentSize, SealedSize(plainSize))
	return Span{First: first, Last: last, CipherOff: start, CipherLen: end - start}, nil
}

// OpenRange opens sealed, the bytes of span (as returned by SegmentRange
// for plainSize, off, n), and returns plaintext [off, off+n).
func (c *Cipher) OpenRange(plainSize, off, n int64, sealed []byte) ([]byte, error) {
	span, err := SegmentRange(plainSize, off, n)
	if err != nil {
		return nil, err
	}
	if int64(len(sealed)) != span.CipherLen {
		return nil, fmt.Errorf("%w: got %d sealed bytes for segments %d..%d, want %d", ErrRange, len(sealed), span.First, span.Last, span.CipherLen)
	}
	last := Segments(plainSize) - 1
	out := make([]byte, 0, span.CipherLen)
	for i := span.First; i <= span.Last; i++ {
		seg := sealed[:min(SealedSegmentSize, len(sealed))]
		sealed = sealed[len(seg):]
		if out, err = c.Open(out, seg, i, i == last); err != nil {
			return nil, err
		}
	}
	skip := off - span.First*SegmentSize
	return out[skip : skip+n], nil
}
