package stream

import (
	"errors"
	"fmt"
	"io"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

// Reader opens a sealed stream as it reads it. A byte is returned only
// after its whole segment authenticated; the stream ends with io.EOF only
// after the final segment did. Memory is one segment. A Reader is not safe
// for concurrent use.
type Reader struct {
	r     io.Reader
	c     *Cipher
	buf   []byte // one sealed segment plus one byte of look-ahead
	plain []byte // authenticated, unread plaintext
	carry bool   // buf[SealedSegmentSize] is the first byte of the next segment
	index int64
	err   error
}

var (
	_ io.Reader   = (*Reader)(nil)
	_ io.WriterTo = (*Reader)(nil)
)

// NewReader returns a Reader opening the sealed stream r under key.
func NewReader(r io.Reader, key keys.FileKey) *Reader {
	return &Reader{r: r, c: NewCipher(key), buf: make([]byte, SealedSegmentSize+1)}
}

// Reset makes r read the sealed stream src from its start under the same
// key, reusing its buffer.
func (r *Reader) Reset(src io.Reader) {
	*r = Reader{r: src, c: r.c, buf: r.buf}
}

// Read returns authenticated plaintext. After the first error (ErrTampered,
// ErrTruncated, an error from the underlying reader, or io.EOF) every call
// returns it again.
func (r *Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(r.plain) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if len(p) >= SegmentSize {
			// Open straight into p. On failure GCM clears what it wrote and
			// next returns nothing, so p never holds unauthenticated bytes.
			if out := r.next(p[:0]); len(out) > 0 {
				return len(out), nil
			}
			continue
		}
		r.plain = r.next(r.buf[:0])
	}
	n := copy(p, r.plain)
	r.plain = r.plain[n:]
	return n, nil
}

// WriteTo writes the authenticated plaintext to w, opening each segment in
// place (io.Copy uses it). It stops at the first error, as Read does.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(r.plain) > 0 {
			n, err := w.Write(r.plain)
			r.plain, total = r.plain[n:], total+int64(n)
			if err != nil {
				return total, err
			}
			continue
		}
		if r.err != nil {
			return total, eofIsNil(r.err)
		}
		r.plain = r.next(r.buf[:0])
	}
}

// next reads and opens the next segment into dst. It sets r.err to io.EOF
// after the final segment, or to the failure.
func (r *Reader) next(dst []byte) []byte {
	have := 0
	if r.carry {
		r.buf[0], have = r.buf[SealedSegmentSize], 1
	}
	n, err := io.ReadFull(r.r, r.buf[have:])
	total := have + n
	switch {
	case err == nil: // a full segment and at least one byte after it
		r.carry = true
		out, err := r.c.Open(dst, r.buf[:SealedSegmentSize], r.index, false)
		if err != nil {
			r.err = err
			return nil
		}
		r.index++
		return out
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		r.carry = false
		if total == 0 {
			r.err = fmt.Errorf("%w: no segments", ErrTruncated)
			return nil
		}
		var whole []byte
		if total == SealedSegmentSize {
			// A failed Open wipes its output, which may be the input; keep
			// the segment to tell truncation from tampering.
			whole = append(whole, r.buf[:total]...)
		}
		out, err := r.c.Open(dst, r.buf[:total], r.index, true)
		if err != nil {
			r.err = err
			if whole != nil {
				if _, e := r.c.Open(whole[:0], whole, r.index, false); e == nil {
					r.err = fmt.Errorf("%w: stream ends after segment %d, which is not final", ErrTruncated, r.index)
				}
			}
			return nil
		}
		r.err = io.EOF
		return out
	default:
		r.err = err
		return nil
	}
}
