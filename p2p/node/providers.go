package node

import (
	"errors"
	"fmt"
	"path/filepath"
	"syscall"

	leveldb "github.com/ipfs/go-ds-leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// ErrDirInUse means another process (a node running from the same
// directory) holds the directory's provider records.
var ErrDirInUse = errors.New("node directory in use by another process")

// ProvidersDir is where a DHT server keeps the provider records it is
// given, in its directory.
const ProvidersDir = "providers"

// openProviders opens the store of provider records for a DHT server
// with a directory, or returns nil (kad-dht then keeps them in memory).
//
// kad-dht keeps provider records in an in-memory map by default. A server
// holds a record for every chunk whose CID it is among the closest peers
// to, about 20/N of all the network's chunks times their holders, and
// its own for every chunk it stores: on a network of 6 nodes every node
// held one for every chunk, 100,000 chunks cost each about 30 MiB, and
// the figure grows with the network's data, not with anything the node
// chose. On disk they cost the page cache instead. The records are
// written in kad-dht's batches without a sync: losing the last ones in a
// crash is losing what the next reprovide round restores.
func openProviders(cfg Config) (*leveldb.Datastore, error) {
	if !cfg.ProvidersOnDisk || cfg.Role == cert.RoleClient || cfg.Dir == "" {
		return nil, nil
	}
	d, err := leveldb.NewDatastore(filepath.Join(cfg.Dir, ProvidersDir), &leveldb.Options{
		// Small: the records are read rarely (a lookup of who holds a
		// chunk) and written in batches of a few hundred.
		WriteBuffer:            1 << 20,
		BlockCacheCapacity:     1 << 20,
		OpenFilesCacheCapacity: 64,
		Compression:            opt.NoCompression,
	})
	if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EWOULDBLOCK) {
		err = fmt.Errorf("%w: %w", ErrDirInUse, err) // the database's lock is held
	}
	if err != nil {
		return nil, fmt.Errorf("open provider records: %w", err)
	}
	return d, nil
}
