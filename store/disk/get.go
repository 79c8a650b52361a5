package disk

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/internal/directio"
	"github.com/scatterbytes/scatterbytes/store"
)

// Get implements store.Getter.
func (s *Store) Get(ctx context.Context, id cid.Cid, off, length int64) (io.ReadCloser, error) {
	rc, err := s.get(ctx, id, off, length)
	if err != nil {
		return nil, fmt.Errorf("get chunk %s: %w", id, err)
	}
	return rc, nil
}

func (s *Store) get(ctx context.Context, id cid.Cid, off, length int64) (io.ReadCloser, error) {
	rec, err := s.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	off, n, err := store.Span(rec.Size, off, length)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(s.chunkPath(id))
	if os.IsNotExist(err) {
		// Deleted (or lost) since the lookup; the next scrub or open drops a
		// lost chunk's entry.
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	bp := readBufs.Get().(*[]byte)
	return &chunkReader{f: f, r: directio.NewSectionReader(f, rec.headerLen()+off, n, *bp), buf: bp}, nil
}

// chunkReader reads a range of a chunk file around the page cache (where
// the file system allows) through a pooled buffer, which Close gives back.
// Its WriteTo writes straight from that buffer. A Read or WriteTo after
// Close fails with os.ErrClosed; one still running when Close is called
// keeps the buffer until it returns, so the buffer is never in use by two
// readers.
type chunkReader struct {
	f      *os.File
	mu     sync.Mutex
	r      *directio.SectionReader // nil once closed
	buf    *[]byte
	active int // Reads and WriteTos running
}

func (c *chunkReader) Read(p []byte) (int, error) {
	r, err := c.enter()
	if err != nil {
		return 0, err
	}
	defer c.leave()
	return r.Read(p)
}

// WriteTo implements io.WriterTo.
func (c *chunkReader) WriteTo(w io.Writer) (int64, error) {
	r, err := c.enter()
	if err != nil {
		return 0, err
	}
	defer c.leave()
	return r.WriteTo(w)
}

func (c *chunkReader) enter() (*directio.SectionReader, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.r == nil {
		return nil, os.ErrClosed
	}
	c.active++
	return c.r, nil
}

func (c *chunkReader) leave() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active--
	if c.active == 0 && c.r == nil {
		readBufs.Put(c.buf)
	}
}

func (c *chunkReader) Close() error {
	c.mu.Lock()
	if c.r != nil {
		c.r = nil
		if c.active == 0 {
			readBufs.Put(c.buf)
		}
	}
	c.mu.Unlock()
	return c.f.Close()
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
	rec, err := s.lookup(ctx, id)
	if err != nil {
		return store.Info{}, fmt.Errorf("stat chunk %s: %w", id, err)
	}
	return rec.info(id), nil
}

// lookup returns the index record of a readable chunk.
func (s *Store) lookup(ctx context.Context, id cid.Cid) (record, error) {
	if err := store.CheckID(id); err != nil {
		return record{}, err
	}
	leave, err := s.enter()
	if err != nil {
		return record{}, err
	}
	defer leave()
	if err := ctx.Err(); err != nil {
		return record{}, err
	}
	rec, ok, err := getRecord(s.db, chunkKey(id))
	if err != nil || ok {
		return rec, err
	}
	if q, _ := s.db.Has(quarantineKey(id), nil); q {
		return record{}, store.ErrCorrupt
	}
	return record{}, store.ErrNotFound
}

// Iterate implements store.Iterator.
func (s *Store) Iterate(ctx context.Context, after cid.Cid, fn func(store.Info) error) error {
	leave, err := s.enter()
	if err != nil {
		return fmt.Errorf("iterate: %w", err)
	}
	defer leave()
	it := s.db.NewIterator(chunksAfter(after), nil)
	defer it.Release()
	for it.Next() {
		if err := s.alive(ctx); err != nil {
			return err
		}
		id, err := cid.Cast(it.Key()[1:])
		if err != nil {
			return fmt.Errorf("iterate: index key %x: %w", it.Key(), err)
		}
		rec, err := decodeRecord(it.Value())
		if err != nil {
			return fmt.Errorf("iterate: chunk %s: %w", id, err)
		}
		rec.Meta = append([]byte(nil), rec.Meta...) // the iterator reuses its buffers
		if err := fn(rec.info(id)); err != nil {
			return err
		}
	}
	return it.Error()
}

// Usage implements store.Usager. Bytes counts whole files, headers and
// quarantined chunks included.
func (s *Store) Usage(ctx context.Context) (store.Usage, error) {
	leave, err := s.enter()
	if err != nil {
		return store.Usage{}, fmt.Errorf("usage: %w", err)
	}
	defer leave()
	c := s.idx.counters()
	return store.Usage{Bytes: c.Bytes, Chunks: c.Chunks, Quarantined: c.Quarantined, Capacity: s.cfg.Capacity}, nil
}
