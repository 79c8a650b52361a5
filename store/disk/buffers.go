package disk

import (
	"context"
	"sync"

	"github.com/scatterbytes/scatterbytes/internal/directio"
	"github.com/scatterbytes/scatterbytes/store"
)

// Chunk bytes move between the network and the files around the page
// cache where the file system allows (O_DIRECT, see internal/directio): a
// node writes each chunk once and syncs it at once, and reads it back
// rarely, so caching would only cost a copy into freshly allocated pages.
const (
	// writeBufSize is a put's buffer: two 1 MiB halves, one written to the
	// file while the other is received and hashed.
	writeBufSize = 2 << 20
	// readBufSize is the buffer of a Get's reader and of a re-hash: two
	// 1 MiB halves, one read from the disk while the other is sent.
	readBufSize = 2 << 20
)

var (
	writeBufs = sync.Pool{New: func() any { b := directio.Alloc(writeBufSize); return &b }}
	readBufs  = sync.Pool{New: func() any { b := directio.Alloc(readBufSize); return &b }}
)

// checkedHasher hashes what is written to it once it has checked that the
// store is open and ctx live, so a long re-hash stops between buffers.
type checkedHasher struct {
	s   *Store
	ctx context.Context
	*store.Hasher
}

func (w checkedHasher) Write(p []byte) (int, error) {
	if err := w.s.alive(w.ctx); err != nil {
		return 0, err
	}
	return w.Hasher.Write(p)
}
