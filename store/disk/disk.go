package disk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/ipfs/go-cid"
	"github.com/syndtr/goleveldb/leveldb"

	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/internal/keylock"
)

var _ store.Store = (*Store)(nil)

// Store is a chunk store in a directory, safe for concurrent use.
type Store struct {
	dir  string
	cfg  Config
	log  *slog.Logger
	db   *leveldb.DB
	lock *os.File
	idx  *committer
	// keys serialises Put, Delete and scrub per chunk.
	keys keylock.Map
	// newNamesSynced: a chunk file's fsync also makes its name durable
	// here, so a put need not sync the shard directory (syncsNewNames).
	newNamesSynced bool

	mu     sync.RWMutex // guards closed
	closed bool
	done   chan struct{} // closed by Close: long operations stop
	ops    sync.WaitGroup
}

// Open opens (creating if needed) the store in dir, reconciling the index
// with the chunk files and rebuilding it if it is missing or corrupt.
func Open(ctx context.Context, dir string, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Store{dir: dir, cfg: cfg, log: cfg.Logger.With("store", dir), done: make(chan struct{})}
	if err := s.open(ctx); err != nil {
		if s.db != nil {
			s.db.Close()
		}
		if s.lock != nil {
			s.lock.Close()
		}
		return nil, fmt.Errorf("open store %s: %w", dir, err)
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return err
	}
	lock, err := lockDir(filepath.Join(s.dir, lockFile))
	if err != nil {
		return err
	}
	s.lock = lock
	if err := makeLayout(s.dir); err != nil {
		return err
	}
	s.newNamesSynced = syncsNewNames(filepath.Join(s.dir, chunksDir))
	if err := s.removeTemps(); err != nil {
		return err
	}
	db, err := s.openIndex(ctx)
	if err != nil {
		return err
	}
	s.db = db
	usage, err := s.reconcile(ctx, db)
	if err != nil {
		return err
	}
	s.idx = newCommitter(db, usage)
	if usage.Bytes > s.cfg.Capacity {
		s.log.Warn("store holds more than its capacity; puts are refused until chunks are deleted",
			"bytes", usage.Bytes, "capacity", s.cfg.Capacity)
	}
	return nil
}

// Close waits for operations in flight (long ones stop early with
// store.ErrClosed) and closes the index. Readers returned by Get stay
// valid. Close is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.ops.Wait()
	err := s.db.Close()
	s.lock.Close()
	return err
}

// enter registers an operation, or returns ErrClosed; call the returned
// func when done.
func (s *Store) enter() (func(), error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, store.ErrClosed
	}
	s.ops.Add(1)
	return s.ops.Done, nil
}

// enterChunk registers an operation on chunk id and takes the chunk's
// lock (puts, deletes and the scrub of one chunk exclude each other); call
// the returned func when done.
func (s *Store) enterChunk(ctx context.Context, id cid.Cid) (func(), error) {
	leave, err := s.enter()
	if err != nil {
		return nil, err
	}
	unlock, err := s.keys.Lock(ctx, id.KeyString())
	if err != nil {
		leave()
		return nil, err
	}
	return func() { unlock(); leave() }, nil
}

// alive returns ctx's error, or ErrClosed once Close has begun.
func (s *Store) alive(ctx context.Context) error {
	select {
	case <-s.done:
		return store.ErrClosed
	default:
		return ctx.Err()
	}
}

// Dir returns the directory of the store.
func (s *Store) Dir() string { return s.dir }

func (s *Store) removeTemps() error {
	dir := filepath.Join(s.dir, tmpDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	if len(ents) > 0 {
		s.log.Info("removed unfinished puts", "files", len(ents))
		return syncDir(dir)
	}
	return nil
}

var errNoIndex = errors.New("index missing")
