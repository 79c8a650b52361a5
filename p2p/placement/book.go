package placement

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// Book keeps a node's placement records in goleveldb, one per stripe key.
// Its methods are safe for concurrent use; Merge is atomic per Book.
type Book struct {
	mu sync.Mutex // orders Merge's read and write
	db *leveldb.DB
}

// recPrefix prefixes every record's key, so the database can hold other
// things later.
const recPrefix = "r/"

// OpenBook opens (or creates) the book in dir.
func OpenBook(dir string) (*Book, error) {
	db, err := leveldb.OpenFile(dir, nil)
	if err != nil {
		return nil, fmt.Errorf("open placement book: %w", err)
	}
	return &Book{db: db}, nil
}

// Close closes the book.
func (b *Book) Close() error { return b.db.Close() }

func dbKey(k Key) []byte { return append([]byte(recPrefix), k[:]...) }

// Get returns the record of stripe k; ok is false when the book has none.
func (b *Book) Get(_ context.Context, k Key) (r Record, ok bool, err error) {
	v, err := b.db.Get(dbKey(k), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("placement book: %w", err)
	}
	r, err = Unmarshal(v)
	if err != nil {
		return Record{}, false, fmt.Errorf("placement book: stored record: %w", err)
	}
	return r, true, nil
}

// Merge merges r into the book's record of its stripe (or stores it when
// there is none) and returns what the book now holds.
func (b *Book) Merge(ctx context.Context, r Record) (Record, error) {
	if err := r.Check(); err != nil {
		return Record{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, ok, err := b.Get(ctx, r.Key())
	if err != nil {
		return Record{}, err
	}
	if ok {
		if r, err = Merge(cur, r); err != nil {
			return Record{}, err
		}
	}
	if err := b.db.Put(dbKey(r.Key()), r.Marshal(), nil); err != nil {
		return Record{}, fmt.Errorf("placement book: %w", err)
	}
	return r, nil
}

// Delete removes the record of stripe k; none is no error.
func (b *Book) Delete(_ context.Context, k Key) error {
	if err := b.db.Delete(dbKey(k), nil); err != nil {
		return fmt.Errorf("placement book: %w", err)
	}
	return nil
}

// Each calls fn with every record in key order, on the caller's
// goroutine, from a snapshot; it stops at fn's first error and returns
// it. A stored record that does not decode is passed over.
func (b *Book) Each(ctx context.Context, fn func(Record) error) error {
	it := b.db.NewIterator(util.BytesPrefix([]byte(recPrefix)), nil)
	defer it.Release()
	for it.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := Unmarshal(it.Value())
		if err != nil {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return it.Error()
}

// Len counts the records (tests and metrics).
func (b *Book) Len(ctx context.Context) (int, error) {
	n := 0
	err := b.Each(ctx, func(Record) error { n++; return nil })
	return n, err
}
