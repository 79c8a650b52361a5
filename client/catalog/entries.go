package catalog

import (
	"context"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
)

// Put stores e, replacing any entry with the same volume and name. The
// write is synced before Put returns.
func (c *Catalog) Put(ctx context.Context, e Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.validate(); err != nil {
		return fmt.Errorf("catalog put: %w", err)
	}
	key := c.ix.entryKey(e.Volume, e.Name)
	plain := encodeEntry(&e)
	defer clear(plain)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.db.Put(key, seal(c.aead, key, plain), syncWrite); err != nil {
		return fmt.Errorf("catalog put: %w", err)
	}
	return nil
}

// File stores e as Put does and deletes the upload journal id (see
// PutJournal) in the same synced write: an upload is filed and stops
// being unfinished at once, for one sync instead of two.
func (c *Catalog) File(ctx context.Context, e Entry, journal string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.validate(); err != nil {
		return fmt.Errorf("catalog put: %w", err)
	}
	if err := checkJournal(journal); err != nil {
		return fmt.Errorf("catalog put: %w", err)
	}
	key := c.ix.entryKey(e.Volume, e.Name)
	plain := encodeEntry(&e)
	defer clear(plain)
	var b leveldb.Batch
	b.Put(key, seal(c.aead, key, plain))
	jk := c.ix.journalKey(journal)
	b.Delete(jk)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.deleteParts(&b, jk); err != nil {
		return fmt.Errorf("catalog put: %w", err)
	}
	if err := c.db.Write(&b, syncWrite); err != nil {
		return fmt.Errorf("catalog put: %w", err)
	}
	return nil
}

// Get returns the entry volume/name, or ErrNotFound.
func (c *Catalog) Get(ctx context.Context, volume, name string) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	if err := checkPair(volume, name); err != nil {
		return Entry{}, fmt.Errorf("catalog get: %w", err)
	}
	key := c.ix.entryKey(volume, name)
	v, err := c.db.Get(key, nil)
	if err == leveldb.ErrNotFound {
		return Entry{}, fmt.Errorf("catalog get %q in volume %q: %w", name, volume, ErrNotFound)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("catalog get: %w", err)
	}
	e, err := c.openEntry(key, v)
	if err == nil && (e.Volume != volume || e.Name != name) {
		err = fmt.Errorf("%w: entry under the key of another name", ErrCorrupt)
	}
	if err != nil {
		return Entry{}, fmt.Errorf("catalog get %q in volume %q: %w", name, volume, err)
	}
	return e, nil
}

// Delete removes the entry volume/name, or returns ErrNotFound.
func (c *Catalog) Delete(ctx context.Context, volume, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkPair(volume, name); err != nil {
		return fmt.Errorf("catalog delete: %w", err)
	}
	key := c.ix.entryKey(volume, name)
	c.mu.Lock()
	defer c.mu.Unlock()
	ok, err := c.db.Has(key, nil)
	if err == nil && !ok {
		err = fmt.Errorf("%q in volume %q: %w", name, volume, ErrNotFound)
	}
	if err == nil {
		err = c.db.Delete(key, syncWrite)
	}
	if err != nil {
		return fmt.Errorf("catalog delete: %w", err)
	}
	return nil
}

// CheckName reports whether volume/name may name an entry: an ErrInvalid
// saying why not, or nil.
func CheckName(volume, name string) error { return checkPair(volume, name) }

func checkPair(volume, name string) error {
	if err := checkVolume(volume); err != nil {
		return err
	}
	return checkName(name)
}

// openEntry unseals and decodes the value stored under key.
func (c *Catalog) openEntry(key, sealed []byte) (Entry, error) {
	plain, err := open(c.aead, key, sealed)
	if err != nil {
		return Entry{}, err
	}
	defer clear(plain)
	return decodeEntry(plain)
}
