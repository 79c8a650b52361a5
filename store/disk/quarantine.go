package disk

import (
	"bytes"
	"context"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/syndtr/goleveldb/leveldb/util"

	"github.com/scatterbytes/scatterbytes/store"
)

var _ store.Quarantiner = (*Store)(nil)

// Quarantine implements store.Quarantiner: the chunk's file moves to
// quarantine/ as if the scrub had found it corrupt, and the next scrub
// pass deletes it (see the package doc). It trusts the caller and does
// not re-hash; it does not call Config.OnCorrupt, which reports the
// scrub's findings: the caller reports its own.
func (s *Store) Quarantine(ctx context.Context, id cid.Cid, why error) error {
	if err := s.quarantineOne(ctx, id, why); err != nil {
		return fmt.Errorf("quarantine chunk %s: %w", id, err)
	}
	return nil
}

func (s *Store) quarantineOne(ctx context.Context, id cid.Cid, why error) error {
	if err := store.CheckID(id); err != nil {
		return err
	}
	release, err := s.enterChunk(ctx, id)
	if err != nil {
		return err
	}
	defer release()
	rec, ok, err := getRecord(s.db, chunkKey(id))
	if err != nil {
		return err
	}
	if !ok {
		if q, err := s.db.Has(quarantineKey(id), nil); err != nil || q {
			return err
		}
		return store.ErrNotFound
	}
	return s.quarantine(id, rec, why)
}

// purge deletes every quarantined chunk, file and entry, and returns how
// many and the bytes freed.
func (s *Store) purge(ctx context.Context) (n, freed int64, err error) {
	ids, err := s.quarantined()
	if err != nil {
		return 0, 0, err
	}
	for _, id := range ids {
		b, err := s.purgeOne(ctx, id)
		if err != nil {
			return n, freed, fmt.Errorf("delete quarantined chunk %s: %w", id, err)
		}
		if b > 0 {
			n++
			freed += b
		}
	}
	return n, freed, nil
}

// quarantined lists the IDs in the quarantine range of the index.
func (s *Store) quarantined() ([]cid.Cid, error) {
	leave, err := s.enter()
	if err != nil {
		return nil, err
	}
	defer leave()
	it := s.db.NewIterator(util.BytesPrefix([]byte{quarantinePrefix}), nil)
	defer it.Release()
	var ids []cid.Cid
	for it.Next() {
		id, err := cid.Cast(bytes.Clone(it.Key()[1:]))
		if err != nil {
			return nil, fmt.Errorf("index key %x: %w", it.Key(), err)
		}
		ids = append(ids, id)
	}
	return ids, it.Error()
}

// purgeOne deletes chunk id if it is still quarantined (a Put may have
// replaced it meanwhile) and returns the bytes freed.
func (s *Store) purgeOne(ctx context.Context, id cid.Cid) (int64, error) {
	release, err := s.enterChunk(ctx, id)
	if err != nil {
		return 0, err
	}
	defer release()
	key := quarantineKey(id)
	rec, ok, err := getRecord(s.db, key)
	if err != nil || !ok {
		return 0, err
	}
	if err := s.drop(key, s.quarantinePath(id), rec, counters{Quarantined: -1}); err != nil {
		return 0, err
	}
	return rec.charge(), nil
}
