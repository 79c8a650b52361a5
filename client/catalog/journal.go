package catalog

import (
	"context"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// MaxJournalSize bounds a journal blob.
const MaxJournalSize = 16 << 20

// PutJournal stores blob under id, replacing any journal with that id.
func (c *Catalog) PutJournal(ctx context.Context, id string, blob []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkJournal(id); err != nil {
		return fmt.Errorf("catalog put journal: %w", err)
	}
	if len(blob) > MaxJournalSize {
		return fmt.Errorf("catalog put journal: %w: %d bytes is over the %d byte limit", ErrInvalid, len(blob), MaxJournalSize)
	}
	key := c.ix.journalKey(id)
	if err := c.db.Put(key, seal(c.aead, key, blob), syncWrite); err != nil {
		return fmt.Errorf("catalog put journal: %w", err)
	}
	return nil
}

// Journal returns the blob stored under id, or ErrNotFound.
func (c *Catalog) Journal(ctx context.Context, id string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkJournal(id); err != nil {
		return nil, fmt.Errorf("catalog journal: %w", err)
	}
	key := c.ix.journalKey(id)
	v, err := c.db.Get(key, nil)
	if err == leveldb.ErrNotFound {
		err = ErrNotFound
	}
	if err == nil {
		v, err = open(c.aead, key, v)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog journal: %w", err)
	}
	return v, nil
}

// Journals returns every journal's blob, in no particular order. The ids
// are not stored: a caller that needs one back keeps it in the blob.
func (c *Catalog) Journals(ctx context.Context) ([][]byte, error) {
	it := c.db.NewIterator(util.BytesPrefix(journalPrefix), nil)
	defer it.Release()
	var out [][]byte
	for it.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		v, err := open(c.aead, it.Key(), it.Value())
		if err != nil {
			return nil, fmt.Errorf("catalog journals: %w", err)
		}
		out = append(out, v)
	}
	if err := it.Error(); err != nil {
		return nil, fmt.Errorf("catalog journals: %w", err)
	}
	return out, nil
}

// DeleteJournal removes the journal id; an absent journal is not an error.
func (c *Catalog) DeleteJournal(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkJournal(id); err != nil {
		return fmt.Errorf("catalog delete journal: %w", err)
	}
	if err := c.db.Delete(c.ix.journalKey(id), syncWrite); err != nil {
		return fmt.Errorf("catalog delete journal: %w", err)
	}
	return nil
}

func checkJournal(id string) error {
	if id == "" || len(id) > MaxNameSize {
		return fmt.Errorf("%w: journal id must be 1 to %d bytes", ErrInvalid, MaxNameSize)
	}
	return nil
}
