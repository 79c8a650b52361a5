package stream

import (
	"fmt"
	"io"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

// PiecesReader opens a sealed stream whose size is known and whose bytes
// the caller already holds in pieces of any size, such as the stripes of a
// download. Each segment is opened straight from the piece that holds it,
// into the caller's buffer when that has room for a segment; only a
// segment cut by a piece's end is copied, to be put back together.
//
// Knowing the size, it needs no look-ahead to find the final segment (a
// Reader must read one byte past each segment). Every segment is
// authenticated with its index and final flag, as a Reader does: bytes
// missing, added, reordered or changed are an error, and no plaintext of a
// segment is returned before the segment authenticated. A PiecesReader is
// not safe for concurrent use.
type PiecesReader struct {
	c       *Cipher
	size    int64                  // sealed bytes in the stream
	segs    int64                  // segments in the stream
	next    func() ([]byte, error) // the next piece; io.EOF after the last
	release func()                 // the piece last returned is no longer needed
	held    bool                   // a piece is held (release not yet called)
	sealed  []byte                 // the unread sealed bytes of the piece held
	split   []byte                 // a segment cut by a piece's end, put back together
	splits  int                    // segments put together in split (for tests)
	buf     []byte                 // plaintext of a segment for reads smaller than one
	plain   []byte                 // authenticated, unread plaintext
	index   int64
	err     error
}

var (
	_ io.Reader   = (*PiecesReader)(nil)
	_ io.WriterTo = (*PiecesReader)(nil)
)

// NewPiecesReader returns a reader of the plaintext of the sealed stream of
// sealedSize bytes (SealedSize of the plaintext) under key. next returns
// the stream's sealed bytes in order, a piece at a time, and io.EOF after
// the last one; release is called when the bytes of the piece next last
// returned will not be read again, before next is called for another.
// Pieces may be empty and of any size.
func NewPiecesReader(key keys.FileKey, sealedSize int64, next func() ([]byte, error), release func()) (*PiecesReader, error) {
	plain, err := PlainSize(sealedSize)
	if err != nil {
		return nil, err
	}
	return &PiecesReader{c: NewCipher(key), size: sealedSize, segs: Segments(plain), next: next, release: release}, nil
}

// Read returns authenticated plaintext. After the first error (ErrTampered,
// ErrTruncated, an error from next, or io.EOF after the whole stream)
// every call returns it again.
func (r *PiecesReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.index == r.segs {
			r.err = r.end()
			continue
		}
		seg, err := r.segment()
		if err != nil {
			r.err = err
			continue
		}
		last := r.index == r.segs-1
		if len(p) >= SegmentSize {
			// Open straight into p; a failed Open appends nothing.
			out, err := r.c.Open(p[:0], seg, r.index, last)
			if err != nil {
				r.err = err
				continue
			}
			r.index++
			if len(out) > 0 {
				return len(out), nil
			}
			continue // an empty final segment: the next round ends
		}
		if r.buf == nil {
			r.buf = make([]byte, 0, SegmentSize)
		}
		if r.plain, err = r.c.Open(r.buf[:0], seg, r.index, last); err != nil {
			r.err = err
			continue
		}
		r.index++
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// WriteTo writes the authenticated plaintext to w a segment at a time (io.Copy
// uses it). It stops at the first error, as Read does.
func (r *PiecesReader) WriteTo(w io.Writer) (int64, error) {
	if r.buf == nil {
		r.buf = make([]byte, 0, SegmentSize)
	}
	var total int64
	for {
		n, err := r.Read(r.buf[:SegmentSize])
		if n > 0 {
			m, werr := w.Write(r.buf[:n])
			total += int64(m)
			if werr == nil && m < n {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// segment returns the sealed bytes of segment r.index, whole.
func (r *PiecesReader) segment() ([]byte, error) {
	want := int(min(SealedSegmentSize, r.size-r.index*SealedSegmentSize))
	for len(r.sealed) == 0 {
		if err := r.more(); err != nil {
			return nil, err
		}
	}
	if len(r.sealed) >= want {
		seg := r.sealed[:want]
		r.sealed = r.sealed[want:]
		return seg, nil
	}
	// Cut by the piece's end: put it together in split (which the caller
	// is done with by the next call).
	if r.split == nil {
		r.split = make([]byte, 0, SealedSegmentSize)
	}
	r.split = r.split[:0]
	r.splits++
	for {
		n := min(want-len(r.split), len(r.sealed))
		r.split = append(r.split, r.sealed[:n]...)
		r.sealed = r.sealed[n:]
		if len(r.split) == want {
			return r.split, nil
		}
		if err := r.more(); err != nil {
			return nil, err
		}
	}
}

// more takes the next piece inside a segment: the stream ending there is
// ErrTruncated.
func (r *PiecesReader) more() error {
	err := r.advance()
	if err == io.EOF {
		return fmt.Errorf("%w: the sealed bytes end inside segment %d of %d", ErrTruncated, r.index, r.segs)
	}
	return err
}

// advance releases the piece held and takes the next one.
func (r *PiecesReader) advance() error {
	if r.held {
		r.held = false
		r.release()
	}
	b, err := r.next()
	if err != nil {
		return err
	}
	r.held, r.sealed = true, b
	return nil
}

// end checks, after the final segment, that no sealed bytes follow, and
// releases the last piece.
func (r *PiecesReader) end() error {
	for {
		if len(r.sealed) > 0 {
			return fmt.Errorf("%w: sealed bytes after the final segment", ErrTampered)
		}
		switch err := r.advance(); err {
		case nil:
		case io.EOF:
			return io.EOF
		default:
			return err
		}
	}
}
