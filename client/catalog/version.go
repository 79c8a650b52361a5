package catalog

import (
	"bytes"
	"crypto/cipher"
	"fmt"

	"github.com/syndtr/goleveldb/leveldb"
)

// Version is the catalog format this package reads and writes.
const Version = 1

var versionMagic = []byte("SBCT")

const versionHeader = 5 // magic ‖ version

// versionRecord returns a fresh version record, see doc.go.
func versionRecord(aead cipher.AEAD) []byte {
	hdr := append(append([]byte(nil), versionMagic...), Version)
	return append(hdr, seal(aead, versionAAD(hdr), nil)...)
}

func versionAAD(hdr []byte) []byte { return append(append([]byte(nil), versionKey...), hdr...) }

// checkVersion verifies the version record, writing one into an empty
// database.
func (c *Catalog) checkVersion() error {
	v, err := c.db.Get(versionKey, nil)
	if err == leveldb.ErrNotFound && c.readOnly {
		return errNoVersion
	}
	if err == leveldb.ErrNotFound {
		return c.initVersion()
	}
	if err != nil {
		return err
	}
	switch {
	case len(v) < versionHeader || !bytes.Equal(v[:4], versionMagic):
		return fmt.Errorf("%w: no catalog version record", ErrCorrupt)
	case v[4] != Version:
		return fmt.Errorf("%w: catalog format version %d (this client reads version %d)", ErrVersion, v[4], Version)
	case len(v) != versionHeader+nonceSize+c.aead.Overhead():
		return fmt.Errorf("%w: version record of %d bytes", ErrCorrupt, len(v))
	}
	if _, err := c.aead.Open(nil, v[versionHeader:][:nonceSize], v[versionHeader+nonceSize:], versionAAD(v[:versionHeader])); err != nil {
		return ErrWrongKey
	}
	return nil
}

// initVersion writes the version record if the database is empty.
func (c *Catalog) initVersion() error {
	it := c.db.NewIterator(nil, nil)
	nonEmpty := it.First()
	it.Release()
	if err := it.Error(); err != nil {
		return err
	}
	if nonEmpty {
		return fmt.Errorf("%w: records but no version record", ErrCorrupt)
	}
	return c.db.Put(versionKey, versionRecord(c.aead), syncWrite)
}
