package stream

import (
	"fmt"
	"io"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

// ReaderAt opens any plaintext range of a sealed stream by reading only the
// segments that hold it, one at a time. It is safe for concurrent use if
// the underlying io.ReaderAt is.
type ReaderAt struct {
	ra   io.ReaderAt
	c    *Cipher
	size int64
}

var _ io.ReaderAt = (*ReaderAt)(nil)

// NewReaderAt returns a ReaderAt over ra, the sealed form of a plaintext of
// plainSize bytes (the manifest knows it).
func NewReaderAt(ra io.ReaderAt, key keys.FileKey, plainSize int64) *ReaderAt {
	return &ReaderAt{ra: ra, c: NewCipher(key), size: plainSize}
}

// Size returns the plaintext size.
func (r *ReaderAt) Size() int64 { return r.size }

// ReadAt implements io.ReaderAt over the plaintext.
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("%w: offset %d", ErrRange, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), r.size-off)
	last := Segments(r.size) - 1
	buf := make([]byte, SealedSegmentSize)
	n := 0
	for int64(n) < want {
		pos := off + int64(n)
		span, _ := SegmentRange(r.size, pos, 1) // pos < size: always valid
		sealed := buf[:span.CipherLen]
		if m, err := r.ra.ReadAt(sealed, span.CipherOff); m < len(sealed) {
			if err == io.EOF || err == nil {
				err = fmt.Errorf("%w: segment %d missing", ErrTruncated, span.First)
			}
			return n, err
		}
		plain, err := r.c.Open(sealed[:0], sealed, span.First, span.First == last)
		if err != nil {
			return n, err
		}
		n += copy(p[n:want], plain[pos-span.First*SegmentSize:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
