package catalog

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// MaxJournalSize bounds a journal blob and each of its parts.
const MaxJournalSize = 16 << 20

// MaxJournalParts bounds the parts one journal holds.
const MaxJournalParts = 1 << 20

// A StoredJournal is a journal as the catalog holds it: the blob
// PutJournal wrote and the parts written with it or appended since, in
// order.
type StoredJournal struct {
	Blob  []byte
	Parts [][]byte
}

// PutJournal stores blob and parts under id, replacing the whole journal
// with that id (its parts included), in one synced write.
func (c *Catalog) PutJournal(ctx context.Context, id string, blob []byte, parts ...[]byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkJournal(id); err != nil {
		return fmt.Errorf("catalog put journal: %w", err)
	}
	if len(parts) > MaxJournalParts {
		return fmt.Errorf("catalog put journal: %w: %d parts is over the %d part limit", ErrInvalid, len(parts), MaxJournalParts)
	}
	for _, b := range append([][]byte{blob}, parts...) {
		if len(b) > MaxJournalSize {
			return fmt.Errorf("catalog put journal: %w: %d bytes is over the %d byte limit", ErrInvalid, len(b), MaxJournalSize)
		}
	}
	key := c.ix.journalKey(id)
	c.mu.Lock()
	defer c.mu.Unlock()
	var batch leveldb.Batch
	if err := c.deleteParts(&batch, key); err != nil {
		return fmt.Errorf("catalog put journal: %w", err)
	}
	batch.Put(key, seal(c.aead, key, blob))
	for i, p := range parts {
		pk := partKey(key, uint64(i))
		batch.Put(pk, seal(c.aead, pk, p))
	}
	if err := c.db.Write(&batch, syncWrite); err != nil {
		return fmt.Errorf("catalog put journal: %w", err)
	}
	return nil
}

// AppendJournal adds part after the parts of journal id, in one synced
// write of the part alone: a journal grows by what changed, whatever its
// size. A journal that does not exist is ErrNotFound.
func (c *Catalog) AppendJournal(ctx context.Context, id string, part []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkJournal(id); err != nil {
		return fmt.Errorf("catalog append journal: %w", err)
	}
	if len(part) > MaxJournalSize {
		return fmt.Errorf("catalog append journal: %w: %d bytes is over the %d byte limit", ErrInvalid, len(part), MaxJournalSize)
	}
	key := c.ix.journalKey(id)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ok, err := c.db.Has(key, nil); {
	case err != nil:
		return fmt.Errorf("catalog append journal: %w", err)
	case !ok:
		return fmt.Errorf("catalog append journal: %w", ErrNotFound)
	}
	next, err := c.nextPart(key)
	if err != nil {
		return fmt.Errorf("catalog append journal: %w", err)
	}
	if next >= MaxJournalParts {
		return fmt.Errorf("catalog append journal: %w: the journal has %d parts, the limit", ErrInvalid, MaxJournalParts)
	}
	pk := partKey(key, next)
	if err := c.db.Put(pk, seal(c.aead, pk, part), syncWrite); err != nil {
		return fmt.Errorf("catalog append journal: %w", err)
	}
	return nil
}

// Journal returns the journal stored under id, or ErrNotFound.
func (c *Catalog) Journal(ctx context.Context, id string) (StoredJournal, error) {
	if err := ctx.Err(); err != nil {
		return StoredJournal{}, err
	}
	if err := checkJournal(id); err != nil {
		return StoredJournal{}, fmt.Errorf("catalog journal: %w", err)
	}
	snap, err := c.db.GetSnapshot()
	if err != nil {
		return StoredJournal{}, fmt.Errorf("catalog journal: %w", err)
	}
	defer snap.Release()
	j, err := c.readJournal(ctx, snap, c.ix.journalKey(id), nil)
	if err == leveldb.ErrNotFound {
		err = ErrNotFound
	}
	if err != nil {
		return StoredJournal{}, fmt.Errorf("catalog journal: %w", err)
	}
	return j, nil
}

// Journals returns every journal, in no particular order. The ids are
// not stored: a caller that needs one back keeps it in the blob.
func (c *Catalog) Journals(ctx context.Context) ([]StoredJournal, error) {
	snap, err := c.db.GetSnapshot()
	if err != nil {
		return nil, fmt.Errorf("catalog journals: %w", err)
	}
	defer snap.Release()
	it := snap.NewIterator(util.BytesPrefix(journalPrefix), nil)
	defer it.Release()
	var out []StoredJournal
	for it.Next() {
		j, err := c.readJournal(ctx, snap, it.Key(), it.Value())
		if err != nil {
			return nil, fmt.Errorf("catalog journals: %w", err)
		}
		out = append(out, j)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("catalog journals: %w", err)
	}
	return out, nil
}

// readJournal opens the journal at key in snap, its blob given as sealed
// (nil: read it).
func (c *Catalog) readJournal(ctx context.Context, snap *leveldb.Snapshot, key, sealed []byte) (StoredJournal, error) {
	if err := ctx.Err(); err != nil {
		return StoredJournal{}, err
	}
	if sealed == nil {
		var err error
		if sealed, err = snap.Get(key, nil); err != nil {
			return StoredJournal{}, err
		}
	}
	blob, err := open(c.aead, key, sealed)
	if err != nil {
		return StoredJournal{}, err
	}
	j := StoredJournal{Blob: blob}
	it := snap.NewIterator(util.BytesPrefix(partPrefix(key)), nil)
	defer it.Release()
	for it.Next() {
		if err := ctx.Err(); err != nil {
			return StoredJournal{}, err
		}
		p, err := open(c.aead, it.Key(), it.Value())
		if err != nil {
			return StoredJournal{}, err
		}
		j.Parts = append(j.Parts, p)
	}
	return j, it.Error()
}

// DeleteJournal removes the journal id and its parts; an absent journal
// is not an error.
func (c *Catalog) DeleteJournal(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkJournal(id); err != nil {
		return fmt.Errorf("catalog delete journal: %w", err)
	}
	key := c.ix.journalKey(id)
	c.mu.Lock()
	defer c.mu.Unlock()
	var batch leveldb.Batch
	if err := c.deleteParts(&batch, key); err != nil {
		return fmt.Errorf("catalog delete journal: %w", err)
	}
	batch.Delete(key)
	if err := c.db.Write(&batch, syncWrite); err != nil {
		return fmt.Errorf("catalog delete journal: %w", err)
	}
	return nil
}

// deleteParts adds to b the deletion of every part of the journal at key.
// The caller holds c.mu.
func (c *Catalog) deleteParts(b *leveldb.Batch, key []byte) error {
	it := c.db.NewIterator(util.BytesPrefix(partPrefix(key)), nil)
	defer it.Release()
	for it.Next() {
		b.Delete(append([]byte(nil), it.Key()...))
	}
	return it.Error()
}

// nextPart returns the number of the part to append to the journal at
// key: one past the last. The caller holds c.mu.
func (c *Catalog) nextPart(key []byte) (uint64, error) {
	it := c.db.NewIterator(util.BytesPrefix(partPrefix(key)), nil)
	defer it.Release()
	if !it.Last() {
		return 0, it.Error()
	}
	k := it.Key()
	return binary.BigEndian.Uint64(k[len(k)-8:]) + 1, nil
}

// partPrefix is the database key prefix of the parts of the journal at
// key ("j/" ‖ H): "k/" ‖ H.
func partPrefix(key []byte) []byte {
	return append(append([]byte(nil), journalPartPrefix...), key[len(journalPrefix):]...)
}

// partKey is the database key of part n of the journal at key.
func partKey(key []byte, n uint64) []byte {
	return binary.BigEndian.AppendUint64(partPrefix(key), n)
}

func checkJournal(id string) error {
	if id == "" || len(id) > MaxNameSize {
		return fmt.Errorf("%w: journal id must be 1 to %d bytes", ErrInvalid, MaxNameSize)
	}
	return nil
}
