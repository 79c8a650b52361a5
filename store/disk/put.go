package disk

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/internal/directio"
	"github.com/scatterbytes/scatterbytes/store"
)

// Put implements store.Putter. The chunk goes straight to its final name,
// hashed as it is written; on a match the file is synced, and that sync is
// the put's commit point. The index entry and counters follow in a batch
// that is not synced (see commitPut).
func (s *Store) Put(ctx context.Context, id cid.Cid, size int64, r io.Reader, meta []byte) error {
	if err := s.put(ctx, id, size, r, meta); err != nil {
		return fmt.Errorf("put chunk %s: %w", id, err)
	}
	return nil
}

func (s *Store) put(ctx context.Context, id cid.Cid, size int64, r io.Reader, meta []byte) error {
	if err := store.CheckPut(id, size, meta); err != nil {
		return err
	}
	release, err := s.enterChunk(ctx, id)
	if err != nil {
		return err
	}
	defer release()

	if ok, err := s.db.Has(chunkKey(id), nil); err != nil || ok {
		if err == nil {
			err = store.ErrExists
		}
		return err
	}
	old, quarantined, err := getRecord(s.db, quarantineKey(id))
	if err != nil {
		return err
	}
	rec := record{Size: size, StoredAt: s.cfg.Now().UnixNano(), Meta: meta}
	charge := rec.charge()
	if used, reserved, ok := s.idx.reserve(charge, s.cfg.Capacity); !ok {
		return fmt.Errorf("%w: %d bytes do not fit, %d of %d used or reserved",
			store.ErrNoSpace, charge, used.Bytes+reserved, s.cfg.Capacity)
	}
	committed := false
	defer func() {
		if !committed {
			s.idx.unreserve(charge)
		}
	}()

	path := s.chunkPath(id)
	if err := s.writeChunk(ctx, id, rec, r, path); err != nil {
		return err
	}
	// The index batch is not synced: the file is already durable, and
	// an entry lost with the page cache in a power cut is re-made from the
	// file's header when the store opens. Written only after the file's
	// sync, an entry never names bytes that are not on disk.
	ch := &change{
		puts:     [][2][]byte{{chunkKey(id), rec.append(nil)}},
		delta:    counters{Bytes: charge, Chunks: 1},
		release:  charge,
		unsynced: true,
	}
	if quarantined {
		ch.dels = [][]byte{quarantineKey(id)}
		ch.delta.Bytes -= old.charge()
		ch.delta.Quarantined = -1
	}
	if err := s.idx.commit(ch); err != nil {
		os.Remove(path)
		return fmt.Errorf("index: %w", err)
	}
	committed = true
	s.fault(faultIndexed, path)
	if quarantined {
		if err := os.Remove(s.quarantinePath(id)); err != nil && !os.IsNotExist(err) {
			s.log.Warn("cannot remove quarantined file", "chunk", id, "err", err)
		}
	}
	return nil
}

// writeChunk writes header and bytes to the chunk's own file, checks the
// hash and makes the file durable, name included. The bytes are read from
// r straight into the aligned buffer of a directio.Writer, which writes
// them around the page cache where the file system allows. On error the
// file is removed (a copy that outlives a crash has no index entry and is
// re-hashed on open: dropped if torn, adopted if whole).
//
// Why no temp file, rename and directory sync: the file's sync is the
// commit point. Before it returns nothing refers to the file (no index
// entry, no acknowledgement), so a torn file is only ever seen by
// recovery, which re-hashes every file without an entry. After it, the
// bytes are durable, and so is the name where the file system persists
// a new file's directory entry with the file's own fsync (ext4, XFS,
// btrfs: the create is in the journal transaction, or the log, that the
// fsync forces; see syncsNewNames); elsewhere the shard directory is
// synced as well.
func (s *Store) writeChunk(ctx context.Context, id cid.Cid, rec record, r io.Reader, path string) (err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	s.fault(faultCreated, path)
	bp := writeBufs.Get().(*[]byte)
	w := directio.NewWriter(f, *bp)
	defer func() {
		if err != nil {
			w.Abort() // a write may still be in flight from the buffer
			f.Close()
			os.Remove(path)
		}
		writeBufs.Put(bp)
	}()
	if _, err := w.Write(rec.header()); err != nil {
		return err
	}
	got, err := s.receive(ctx, w, r, rec.Size)
	if err != nil {
		return err
	}
	if !got.Equals(id) {
		return fmt.Errorf("%w: bytes hash to %s", store.ErrMismatch, got)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	s.fault(faultWritten, path)
	if err := f.Sync(); err != nil {
		return err
	}
	if !s.newNamesSynced {
		if err := syncDir(filepath.Dir(path)); err != nil {
			return err
		}
	}
	s.fault(faultSynced, path)
	return f.Close()
}

// receive reads exactly size bytes from r into w's buffer, hashing them,
// and returns their ID. Fewer bytes are store.ErrMismatch.
func (s *Store) receive(ctx context.Context, w *directio.Writer, r io.Reader, size int64) (cid.Cid, error) {
	h := store.NewHasher()
	// Each read is hashed at once, while its bytes are still in the CPU
	// cache: hashing the whole buffer after it filled ran at less than
	// half the speed.
	hashing := io.TeeReader(r, h)
	for left := size; left > 0; {
		if err := s.alive(ctx); err != nil {
			return cid.Undef, err
		}
		b, err := w.Buffer()
		if err != nil {
			return cid.Undef, err
		}
		b = b[:min(left, int64(len(b)))]
		n, err := io.ReadFull(hashing, b)
		if err != nil {
			if cerr := s.alive(ctx); cerr != nil {
				return cid.Undef, cerr
			}
			return cid.Undef, fmt.Errorf("%w: %d of %d bytes: %v", store.ErrMismatch, size-left+int64(n), size, err)
		}
		w.Commit(len(b))
		left -= int64(len(b))
	}
	if err := s.alive(ctx); err != nil {
		return cid.Undef, err
	}
	return h.ID(), nil
}
