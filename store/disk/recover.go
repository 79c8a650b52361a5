package disk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/syndtr/goleveldb/leveldb"
	lerrors "github.com/syndtr/goleveldb/leveldb/errors"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// openIndex opens the index, rebuilding it from the chunk files if it is
// missing, corrupt or of an unknown version.
func (s *Store) openIndex(ctx context.Context) (*leveldb.DB, error) {
	path := filepath.Join(s.dir, indexDir)
	if err := os.RemoveAll(filepath.Join(s.dir, newIndexDir)); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); os.IsNotExist(err) {
		if s.hasChunkFiles() {
			s.log.Warn("index missing, rebuilding it from the chunk files")
		} else {
			s.log.Info("new chunk store", "dir", s.dir)
		}
		return s.rebuild(ctx)
	}
	db, err := leveldb.OpenFile(path, &opt.Options{ErrorIfMissing: true})
	if err == nil {
		err = checkVersion(db)
		if err != nil {
			db.Close()
		}
	}
	if err != nil && (lerrors.IsCorrupted(err) || errors.Is(err, errNoIndex) || errors.Is(err, os.ErrNotExist)) {
		s.log.Error("index unusable, rebuilding it from the chunk files", "err", err)
		if err := os.RemoveAll(path); err != nil {
			return nil, err
		}
		return s.rebuild(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	return db, nil
}

func checkVersion(db *leveldb.DB) error {
	v, err := db.Get(versionKey, nil)
	if err == leveldb.ErrNotFound || (err == nil && (len(v) != 1 || v[0] != indexVersion)) {
		return errNoIndex
	}
	if err == nil {
		if _, ok := mustCounters(db); !ok {
			return errNoIndex
		}
	}
	return err
}

func mustCounters(db *leveldb.DB) (counters, bool) {
	v, err := db.Get(usageKey, nil)
	if err != nil {
		return counters{}, false
	}
	return decodeCounters(v)
}

// rebuild builds a new index from the chunk files beside the old one and
// swaps it in only when complete, so a crash midway just starts over.
func (s *Store) rebuild(ctx context.Context) (*leveldb.DB, error) {
	tmp := filepath.Join(s.dir, newIndexDir)
	db, err := leveldb.OpenFile(tmp, nil)
	if err != nil {
		return nil, err
	}
	err = db.Put(versionKey, []byte{indexVersion}, nil)
	if err == nil {
		_, err = s.scan(ctx, db, modeRebuild)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("rebuild index: %w", err)
	}
	path := filepath.Join(s.dir, indexDir)
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	if err := syncDir(s.dir); err != nil {
		return nil, err
	}
	return leveldb.OpenFile(path, &opt.Options{ErrorIfMissing: true})
}

// reconcile makes the index agree with the files and returns the usage.
func (s *Store) reconcile(ctx context.Context, db *leveldb.DB) (counters, error) {
	rep, err := s.scan(ctx, db, modeRepair)
	if err != nil {
		return counters{}, fmt.Errorf("reconcile: %w", err)
	}
	for _, p := range rep.Problems {
		s.log.Warn("reconciled", "problem", p)
	}
	return rep.counters, nil
}

// hasChunkFiles reports whether any chunk file exists: a missing index is
// news only when there is something it should have listed.
func (s *Store) hasChunkFiles() bool {
	found := false
	_ = filepath.WalkDir(filepath.Join(s.dir, chunksDir), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
