package disk

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
)

// Directory layout, see doc.go.
const (
	chunksDir     = "chunks"
	tmpDir        = "tmp"
	quarantineDir = "quarantine"
	indexDir      = "index"
	newIndexDir   = "index.new"
	lockFile      = "LOCK"
	shards        = 256
)

// shardOf returns the shard of a chunk: the first byte of its digest.
func shardOf(id cid.Cid) byte {
	d, _ := store.Digest(id) // ids are checked before they get here
	return d[0]
}

func shardName(s byte) string { return hex.EncodeToString([]byte{s}) }

func (s *Store) chunkPath(id cid.Cid) string {
	return filepath.Join(s.dir, chunksDir, shardName(shardOf(id)), id.String())
}

func (s *Store) quarantinePath(id cid.Cid) string {
	return filepath.Join(s.dir, quarantineDir, id.String())
}

// makeLayout creates the directories of a store in dir.
func makeLayout(dir string) error {
	for _, d := range []string{chunksDir, tmpDir, quarantineDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return err
		}
	}
	for i := range shards {
		p := filepath.Join(dir, chunksDir, shardName(byte(i)))
		if err := os.Mkdir(p, 0o700); err != nil && !os.IsExist(err) {
			return err
		}
	}
	for _, d := range []string{chunksDir, ""} {
		if err := syncDir(filepath.Join(dir, d)); err != nil {
			return err
		}
	}
	return nil
}

// syncDir makes renames and removals in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
