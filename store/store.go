package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ipfs/go-cid"
)

// MaxMetaSize bounds the metadata record stored with a chunk.
const MaxMetaSize = 4 << 10

// Info describes one stored chunk.
type Info struct {
	ID       cid.Cid
	Size     int64     // chunk bytes, without metadata or overhead
	Meta     []byte    // the record given to Put (the storage order), opaque to the store
	StoredAt time.Time // when the Put was acknowledged
	// LastScrub is when the chunk was last re-hashed and found intact; zero
	// if never (also after an index rebuild, so the scrub visits it first).
	LastScrub time.Time
}

// Usage is what a store holds against its capacity.
type Usage struct {
	// Bytes is what the chunks cost against Capacity: at least the sum of
	// their sizes, plus whatever per-chunk overhead the implementation keeps
	// (the disk store counts whole files, header included, and quarantined
	// files until they are deleted).
	Bytes int64
	// Chunks is the number of readable chunks (what Iterate visits).
	Chunks int64
	// Quarantined is the number of chunks taken out of service as corrupt
	// and not yet removed (Get answers ErrCorrupt for them).
	Quarantined int64
	// Capacity is the hard limit on Bytes; 0 means unlimited.
	Capacity int64
}

// Free returns the bytes still available, or -1 if the store is unlimited.
func (u Usage) Free() int64 {
	if u.Capacity == 0 {
		return -1
	}
	return max(u.Capacity-u.Bytes, 0)
}

// Putter stores chunks.
type Putter interface {
	// Put reads exactly size bytes from r and stores them as chunk id with
	// meta (at most MaxMetaSize bytes). The size is known up front so the
	// quota is checked before a byte is read: ErrNoSpace if it does not fit.
	// The bytes are hashed while written; if they do not match id (or r
	// ends early) Put returns ErrMismatch and leaves nothing behind. If the
	// chunk is already stored Put returns ErrExists without reading r.
	// When Put returns nil the chunk is durable. Cancelling ctx aborts the
	// Put and leaves nothing behind.
	Put(ctx context.Context, id cid.Cid, size int64, r io.Reader, meta []byte) error
}

// Getter reads chunks.
type Getter interface {
	// Get returns a reader over length bytes of chunk id from offset off;
	// length < 0 means to the end. The range must lie inside the chunk
	// (off == size with length 0 or -1 is the empty range), else ErrRange.
	// The caller closes the reader. Get does not re-hash: callers verify
	// against the ID (the scrub catches rot at rest). A quarantined chunk
	// returns ErrCorrupt.
	Get(ctx context.Context, id cid.Cid, off, length int64) (io.ReadCloser, error)
}

// Haser reports whether a chunk is stored and readable.
type Haser interface {
	Has(ctx context.Context, id cid.Cid) (bool, error)
}

// Statter describes a stored chunk: ErrNotFound, or ErrCorrupt if quarantined.
type Statter interface {
	Stat(ctx context.Context, id cid.Cid) (Info, error)
}

// Deleter removes chunks.
type Deleter interface {
	// Delete removes chunk id (also a quarantined one) and frees its
	// space. ErrNotFound if there is nothing to remove.
	Delete(ctx context.Context, id cid.Cid) error
}

// Iterator lists chunks.
type Iterator interface {
	// Iterate calls fn for each readable chunk in CID byte order, starting
	// strictly after `after` (cid.Undef: from the start), on the caller's
	// goroutine. It stops at the first error from fn and returns it. Chunks
	// put or deleted during the iteration may or may not be visited.
	Iterate(ctx context.Context, after cid.Cid, fn func(Info) error) error
}

// Usager reports usage and capacity.
type Usager interface {
	Usage(ctx context.Context) (Usage, error)
}

// Quarantiner is the optional ability to take a chunk out of service when
// a reader of the store (the chunk service sending it) found that its
// bytes do not match its ID.
type Quarantiner interface {
	// Quarantine takes readable chunk id out of service on the caller's
	// word (why says what was found; it is logged, never sent): from then
	// on Get and Stat return ErrCorrupt, Has reports false, Iterate skips
	// it and Usage counts it in Quarantined until Delete, a fresh Put of
	// the chunk or the implementation's own rule removes it. A chunk
	// already quarantined is no error; one not stored is ErrNotFound.
	Quarantine(ctx context.Context, id cid.Cid, why error) error
}

// Store is the whole local chunk store. After Close every method returns
// ErrClosed; readers already returned by Get stay usable until closed.
type Store interface {
	Putter
	Getter
	Haser
	Statter
	Deleter
	Iterator
	Usager
	io.Closer
}

// CheckPut validates the arguments of a Put before any work is done.
func CheckPut(id cid.Cid, size int64, meta []byte) error {
	if err := CheckID(id); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("%w: negative size %d", ErrMismatch, size)
	}
	if len(meta) > MaxMetaSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrMetaTooLarge, len(meta), MaxMetaSize)
	}
	return nil
}

// Span resolves a Get range against a chunk of size bytes and returns the
// offset and the exact length, or ErrRange.
func Span(size, off, length int64) (int64, int64, error) {
	if off < 0 || off > size {
		return 0, 0, fmt.Errorf("%w: offset %d, size %d", ErrRange, off, size)
	}
	if length < 0 {
		return off, size - off, nil
	}
	if length > size-off {
		return 0, 0, fmt.Errorf("%w: %d bytes at %d, size %d", ErrRange, length, off, size)
	}
	return off, length, nil
}

// IsNotFound reports whether err means the chunk is not readable here:
// ErrNotFound, or ErrCorrupt for a quarantined chunk.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrCorrupt)
}
