package disk

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
)

// Delete implements store.Deleter. The file goes first (and its removal
// is synced), then the index entry: a crash in between leaves an entry
// without a file, which the next Open drops, never a deleted chunk that
// comes back.
func (s *Store) Delete(ctx context.Context, id cid.Cid) error {
	if err := s.delete(ctx, id); err != nil {
		return fmt.Errorf("delete chunk %s: %w", id, err)
	}
	return nil
}

func (s *Store) delete(ctx context.Context, id cid.Cid) error {
	if err := store.CheckID(id); err != nil {
		return err
	}
	release, err := s.enterChunk(ctx, id)
	if err != nil {
		return err
	}
	defer release()

	key, path, delta := chunkKey(id), s.chunkPath(id), counters{Chunks: -1}
	rec, ok, err := getRecord(s.db, key)
	if err == nil && !ok {
		key, path, delta = quarantineKey(id), s.quarantinePath(id), counters{Quarantined: -1}
		rec, ok, err = getRecord(s.db, key)
	}
	if err != nil {
		return err
	}
	if !ok {
		return store.ErrNotFound
	}
	return s.drop(key, path, rec, delta)
}

// drop removes the file of a chunk (readable or quarantined) and then its
// entry, freeing its charge; the caller holds the chunk's lock.
func (s *Store) drop(key []byte, path string, rec record, delta counters) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	delta.Bytes = -rec.charge()
	return s.idx.commit(&change{dels: [][]byte{key}, delta: delta})
}
