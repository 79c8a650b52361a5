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

// Put implements store.Putter. The chunk goes to a temp file, hashed as it
// is written; on a match the file is synced, renamed into its shard, the
// shard directory synced, then the index entry and counters committed in
// one synced batch (shared with concurrent puts).
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
	ch := &change{
		puts:    [][2][]byte{{chunkKey(id), rec.append(nil)}},
		delta:   counters{Bytes: charge, Chunks: 1},
		release: charge,
	}
	if quarantined {
		ch.dels = [][]byte{quarantineKey(id)}
		ch.delta.Bytes -= old.charge()
		ch.delta.Quarantined = -1
	}
	// The rename and the index entry are made durable at the same time:
	// the Put is acknowledged only once both are, and a crash between them
	// leaves either an entry without a file (dropped on open) or a file
	// without an entry (re-indexed on open), never a torn chunk.
	dirSynced := make(chan error, 1)
	go func() { dirSynced <- syncDir(filepath.Dir(path)) }()
	err = s.idx.commit(ch)
	derr := <-dirSynced
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("index: %w", err)
	}
	committed = true
	if derr != nil {
		// Take the entry back out rather than acknowledge a file whose
		// name might not survive a crash.
		os.Remove(path)
		undo := &change{dels: [][]byte{chunkKey(id)}, delta: counters{Bytes: -charge, Chunks: -1}}
		if err := s.idx.commit(undo); err != nil {
			s.log.Error("put: cannot undo index entry", "chunk", id, "err", err)
		}
		return derr
	}
	if quarantined {
		if err := os.Remove(s.quarantinePath(id)); err != nil && !os.IsNotExist(err) {
			s.log.Warn("cannot remove quarantined file", "chunk", id, "err", err)
		}
	}
	return nil
}

// writeChunk writes header and bytes to a temp file, checks the hash, and
// moves the synced file to path (the rename is made durable by the caller).
// The bytes are read from r straight into the aligned buffer of a
// directio.Writer, which writes them around the page cache where the file
// system allows. On error nothing is left behind.
func (s *Store) writeChunk(ctx context.Context, id cid.Cid, rec record, r io.Reader, path string) (err error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, tmpDir), "put-*")
	if err != nil {
		return err
	}
	bp := writeBufs.Get().(*[]byte)
	w := directio.NewWriter(f, *bp)
	defer func() {
		if err != nil {
			w.Abort() // a write may still be in flight from the buffer
			f.Close()
			os.Remove(f.Name())
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
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
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
