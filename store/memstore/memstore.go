// Package memstore is an in-memory store.Store for tests and ephemeral
// nodes. It keeps the same contracts as the disk store (checked by the
// storetest suite) except durability: Close forgets everything. A chunk
// costs exactly its size against the capacity. Quarantine frees a chunk's
// bytes at once and keeps only its ID, so Get answers store.ErrCorrupt,
// until Delete or a fresh Put.
package memstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/internal/keylock"
)

var (
	_ store.Store       = (*Store)(nil)
	_ store.Quarantiner = (*Store)(nil)
)

// Store is an in-memory chunk store, safe for concurrent use.
type Store struct {
	capacity int64
	now      func() time.Time

	puts keylock.Map // one Put per chunk at a time

	mu       sync.RWMutex
	chunks   map[string]*entry // by id.KeyString(), i.e. the CID bytes
	bad      map[string]bool   // quarantined chunks, same keys
	used     int64
	reserved int64
	closed   bool
}

type entry struct {
	data []byte
	info store.Info
}

// New returns an empty store holding at most capacity bytes (0: unlimited).
func New(capacity int64) *Store {
	return &Store{
		capacity: capacity,
		now:      time.Now,
		chunks:   make(map[string]*entry),
		bad:      make(map[string]bool),
	}
}

// Put implements store.Putter.
func (s *Store) Put(ctx context.Context, id cid.Cid, size int64, r io.Reader, meta []byte) error {
	if err := s.put(ctx, id, size, r, meta); err != nil {
		return fmt.Errorf("put chunk %s: %w", id, err)
	}
	return nil
}

func (s *Store) put(ctx context.Context, id cid.Cid, size int64, r io.Reader, meta []byte) error {
	if err := store.CheckPut(id, size, meta); err != nil {
		return err
	}
	key := id.KeyString()
	unlock, err := s.puts.Lock(ctx, key)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.reserve(key, size); err != nil {
		return err
	}
	defer func() {
		s.mu.Lock()
		s.reserved -= size
		s.mu.Unlock()
	}()
	data := make([]byte, size)
	if _, err := io.ReadFull(ctxReader{ctx, r}, data); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: reading %d bytes: %v", store.ErrMismatch, size, err)
	}
	if got := store.Sum(data); !got.Equals(id) {
		return fmt.Errorf("%w: bytes hash to %s", store.ErrMismatch, got)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	s.chunks[key] = &entry{data: data, info: store.Info{
		ID:       id,
		Size:     size,
		Meta:     bytes.Clone(meta),
		StoredAt: time.Unix(0, s.now().UnixNano()),
	}}
	s.used += size
	delete(s.bad, key)
	return nil
}

// reserve claims size bytes of capacity for a put of key.
func (s *Store) reserve(key string, size int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return store.ErrClosed
	case s.chunks[key] != nil:
		return store.ErrExists
	case s.capacity > 0 && s.used+s.reserved+size > s.capacity:
		return fmt.Errorf("%w: %d bytes do not fit, %d of %d used", store.ErrNoSpace, size, s.used+s.reserved, s.capacity)
	}
	s.reserved += size
	return nil
}

// Get implements store.Getter.
func (s *Store) Get(ctx context.Context, id cid.Cid, off, length int64) (io.ReadCloser, error) {
	e, err := s.lookup(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get chunk %s: %w", id, err)
	}
	off, n, err := store.Span(e.info.Size, off, length)
	if err != nil {
		return nil, fmt.Errorf("get chunk %s: %w", id, err)
	}
	return io.NopCloser(bytes.NewReader(e.data[off : off+n])), nil
}

// Has implements store.Haser.
func (s *Store) Has(ctx context.Context, id cid.Cid) (bool, error) {
	if _, err := s.lookup(ctx, id); err != nil {
		if store.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("has chunk %s: %w", id, err)
	}
	return true, nil
}

// Stat implements store.Statter.
func (s *Store) Stat(ctx context.Context, id cid.Cid) (store.Info, error) {
	e, err := s.lookup(ctx, id)
	if err != nil {
		return store.Info{}, fmt.Errorf("stat chunk %s: %w", id, err)
	}
	return e.copyInfo(), nil
}

// Delete implements store.Deleter.
func (s *Store) Delete(ctx context.Context, id cid.Cid) error {
	if err := store.CheckID(id); err != nil {
		return fmt.Errorf("delete chunk %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("delete chunk %s: %w", id, store.ErrClosed)
	}
	e := s.chunks[id.KeyString()]
	if e == nil && s.bad[id.KeyString()] {
		delete(s.bad, id.KeyString())
		return nil
	}
	if e == nil {
		return fmt.Errorf("delete chunk %s: %w", id, store.ErrNotFound)
	}
	delete(s.chunks, id.KeyString())
	s.used -= e.info.Size
	return nil
}

// Iterate implements store.Iterator.
func (s *Store) Iterate(ctx context.Context, after cid.Cid, fn func(store.Info) error) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return fmt.Errorf("iterate: %w", store.ErrClosed)
	}
	start := ""
	if after.Defined() {
		start = after.KeyString()
	}
	var infos []store.Info
	for k, e := range s.chunks {
		if k > start {
			infos = append(infos, e.copyInfo())
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(infos, func(a, b store.Info) int { return bytes.Compare(a.ID.Bytes(), b.ID.Bytes()) })
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}

// Usage implements store.Usager.
func (s *Store) Usage(ctx context.Context) (store.Usage, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.Usage{}, fmt.Errorf("usage: %w", store.ErrClosed)
	}
	return store.Usage{Bytes: s.used, Chunks: int64(len(s.chunks)), Quarantined: int64(len(s.bad)),
		Capacity: s.capacity}, nil
}

// Close forgets every chunk; later calls return store.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.chunks = nil
	return nil
}

func (s *Store) lookup(ctx context.Context, id cid.Cid) (*entry, error) {
	if err := store.CheckID(id); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, store.ErrClosed
	}
	e := s.chunks[id.KeyString()]
	if e == nil && s.bad[id.KeyString()] {
		return nil, store.ErrCorrupt
	}
	if e == nil {
		return nil, store.ErrNotFound
	}
	return e, nil
}

// Quarantine implements store.Quarantiner.
func (s *Store) Quarantine(ctx context.Context, id cid.Cid, why error) error {
	if err := store.CheckID(id); err != nil {
		return fmt.Errorf("quarantine chunk %s: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := id.KeyString()
	switch e := s.chunks[key]; {
	case s.closed:
		return fmt.Errorf("quarantine chunk %s: %w", id, store.ErrClosed)
	case s.bad[key]:
		return nil
	case e == nil:
		return fmt.Errorf("quarantine chunk %s: %w", id, store.ErrNotFound)
	default:
		delete(s.chunks, key)
		s.used -= e.info.Size
		s.bad[key] = true
		return nil
	}
}

func (e *entry) copyInfo() store.Info {
	info := e.info
	info.Meta = bytes.Clone(info.Meta)
	return info
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
