package chunk

import (
	"fmt"
	"io"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
)

// VerifyingReader hashes a whole chunk while it is read and, at the end,
// returns an error wrapping store.ErrMismatch instead of io.EOF if the
// bytes are not chunk id. Only the final Read vouches for the bytes:
// consumers must not act on them before EOF.
type VerifyingReader struct {
	r   io.Reader
	id  cid.Cid
	h   *store.Hasher
	err error
}

// NewVerifyingReader wraps r, which must yield the whole chunk id (a Get
// with off 0 and length -1).
func NewVerifyingReader(r io.Reader, id cid.Cid) *VerifyingReader {
	return &VerifyingReader{r: r, id: id, h: store.NewHasher()}
}

func (v *VerifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		if got := v.h.ID(); !got.Equals(v.id) {
			err = fmt.Errorf("%w: got %s, want %s", store.ErrMismatch, got, v.id)
		}
	}
	if err != nil {
		v.err = err
	}
	return n, err
}

// Close closes the underlying reader if it is an io.Closer.
func (v *VerifyingReader) Close() error {
	if c, ok := v.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// verifyingWriter passes a whole chunk on to w while hashing it, and holds
// back the chunk's last byte until the hash is known: if the bytes are not
// chunk id, Write fails with an error wrapping store.ErrCorrupt and the
// peer never receives the whole chunk. It expects exactly size bytes
// (writeN's exactWriter sees to that).
type verifyingWriter struct {
	w    io.Writer
	id   cid.Cid
	h    *store.Hasher
	left int64
}

func newVerifyingWriter(w io.Writer, id cid.Cid, size int64) *verifyingWriter {
	return &verifyingWriter{w: w, id: id, h: store.NewHasher(), left: size}
}

func (v *verifyingWriter) Write(p []byte) (int, error) {
	v.h.Write(p)
	v.left -= int64(len(p))
	if v.left > 0 || len(p) == 0 {
		return v.w.Write(p)
	}
	n, err := v.w.Write(p[:len(p)-1])
	if err != nil {
		return n, err
	}
	if got := v.h.ID(); !got.Equals(v.id) {
		return n, fmt.Errorf("%w: the stored bytes hash to %s", store.ErrCorrupt, got)
	}
	m, err := v.w.Write(p[len(p)-1:])
	return n + m, err
}
