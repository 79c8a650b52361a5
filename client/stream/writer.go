package stream

import (
	"io"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

// Writer seals what is written to it and writes the sealed stream to the
// underlying writer. It holds back at most one segment, because a segment
// can only be sealed once it is known whether more data follows; Close
// seals that last segment. A Writer is not safe for concurrent use.
type Writer struct {
	w     io.Writer
	c     *Cipher
	buf   []byte // pending plaintext; cap SealedSegmentSize to seal in place
	out   []byte // sealed output when sealing straight from the caller's slice
	ahead []byte // ReadFrom's look-ahead segment
	index int64
	err   error
}

var (
	_ io.WriteCloser = (*Writer)(nil)
	_ io.ReaderFrom  = (*Writer)(nil)
)

// NewWriter returns a Writer sealing under key into w. The caller must
// Close it to write the final segment; Close does not close w.
func NewWriter(w io.Writer, key keys.FileKey) *Writer {
	return &Writer{w: w, c: NewCipher(key), buf: make([]byte, 0, SealedSegmentSize)}
}

// Write seals p. Errors from the underlying writer are sticky.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	written := 0
	for len(p) > 0 {
		if len(w.buf) == SegmentSize { // more data follows: not the last
			if err := w.flush(false); err != nil {
				return written, err
			}
		}
		if len(w.buf) == 0 && len(p) > SegmentSize {
			// A whole segment with more after it: seal without copying.
			if w.out == nil {
				w.out = make([]byte, 0, SealedSegmentSize)
			}
			if err := w.emit(w.c.Seal(w.out[:0], p[:SegmentSize], w.index, false)); err != nil {
				return written, err
			}
			p, written = p[SegmentSize:], written+SegmentSize
			continue
		}
		n := copy(w.buf[len(w.buf):SegmentSize], p)
		w.buf = w.buf[:len(w.buf)+n]
		p, written = p[n:], written+n
	}
	return written, nil
}

// ReadFrom seals everything r yields until io.EOF, reading straight into
// its segment buffers (io.Copy uses it). It does not Close w.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	if w.err != nil {
		return 0, w.err
	}
	var total int64
	for {
		if len(w.buf) < SegmentSize {
			n, err := r.Read(w.buf[len(w.buf):SegmentSize])
			w.buf, total = w.buf[:len(w.buf)+n], total+int64(n)
			if err != nil {
				return total, eofIsNil(err)
			}
			continue
		}
		// A full segment is pending: it is not the last only if r has more.
		if w.ahead == nil {
			w.ahead = make([]byte, 0, SealedSegmentSize)
		}
		n, err := r.Read(w.ahead[:SegmentSize])
		if n > 0 {
			if ferr := w.flush(false); ferr != nil {
				return total, ferr
			}
			w.buf, w.ahead = w.ahead[:n], w.buf[:0]
			total += int64(n)
		}
		if err != nil {
			return total, eofIsNil(err)
		}
	}
}

func eofIsNil(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// Close seals and writes the final segment (possibly empty). Later calls
// to Write or Close return ErrClosed.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.flush(true); err != nil {
		return err
	}
	w.err = ErrClosed
	return nil
}

func (w *Writer) flush(last bool) error {
	err := w.emit(w.c.Seal(w.buf[:0], w.buf, w.index, last))
	w.buf = w.buf[:0]
	return err
}

func (w *Writer) emit(sealed []byte) error {
	if _, err := w.w.Write(sealed); err != nil {
		w.err = err
		return err
	}
	w.index++
	return nil
}
