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
