package catalog

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

// Catalog is an open catalog directory. It holds no key bytes in printable
// fields: the sealing key lives inside the AEAD, the index key in a
// redacting keys.FileKey.
type Catalog struct {
	db   *leveldb.DB
	aead cipher.AEAD
	ix   index

	// mu serialises writes, so Delete's check for presence and its delete
	// are one step with respect to Put.
	mu sync.Mutex

	readOnly bool // opened by OpenReadOnly
}

var syncWrite = &opt.WriteOptions{Sync: true}

// dbOptions size goleveldb for a catalog: a person's names and the
// journals of uploads under way, a few megabytes at most. The defaults (a
// 4 MiB write buffer, allocated whole at open and twice while one is
// flushed, and an 8 MiB block cache) were a quarter of a put's Go heap,
// which the collector lets grow to twice what is live: 1 MiB each keeps
// the client's RSS under its bound (issue 20); an upload's journal grows
// by a small part per stripe.
var dbOptions = &opt.Options{
	Compression:        opt.NoCompression,
	WriteBuffer:        1 << 20,
	BlockCacheCapacity: 1 << 20,
}

// Open opens the catalog in dir, creating the directory (mode 0700) and an
// empty catalog if they are missing. A catalog made with another master
// key fails with ErrWrongKey, one in an unknown format with ErrVersion.
func Open(dir string, mk keys.MasterKey) (*Catalog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	aead, err := newAEAD(mk)
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	return openDB(dir, mk, aead, false)
}

// OpenReadOnly opens the catalog in dir for reading only, as Open would,
// but writes nothing to open it: Open replays the database's log of the
// last writes into a new table and syncs it, several synced writes on
// every start, which a command that only reads (get) need not wait for.
// Others may hold it read-only at the same time, and no writer while
// they do (ErrInUse). Writes fail. A catalog that does not exist yet (or
// has no version record) is created by Open instead.
func OpenReadOnly(dir string, mk keys.MasterKey) (*Catalog, error) {
	aead, err := newAEAD(mk)
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "CURRENT")); err != nil {
		return Open(dir, mk)
	}
	c, err := openDB(dir, mk, aead, true)
	if errors.Is(err, errNoVersion) {
		return Open(dir, mk)
	}
	return c, err
}

// errNoVersion is a read-only open's "no version record to check".
var errNoVersion = errors.New("no version record")

func openDB(dir string, mk keys.MasterKey, aead cipher.AEAD, readOnly bool) (*Catalog, error) {
	o := *dbOptions
	o.ReadOnly = readOnly
	db, err := leveldb.OpenFile(dir, &o)
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK) {
		err = fmt.Errorf("%w: %w", ErrInUse, err) // the database's lock is held
	}
	if err != nil {
		return nil, fmt.Errorf("open catalog %s: %w", dir, err)
	}
	c := &Catalog{db: db, aead: aead, ix: index{key: mk.Derive(indexContext)}, readOnly: readOnly}
	if err := c.checkVersion(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open catalog %s: %w", dir, err)
	}
	return c, nil
}

// Close closes the database. The Catalog must not be used afterwards.
func (c *Catalog) Close() error { return c.db.Close() }
