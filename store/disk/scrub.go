package disk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/internal/directio"
	"github.com/scatterbytes/scatterbytes/store"
)

// ScrubStats sums up one scrub pass.
type ScrubStats struct {
	Chunks  int64 // chunks re-hashed
	Bytes   int64 // their bytes
	Corrupt int64 // chunks quarantined or found missing
	// Purged counts the chunks quarantined before this pass (by an earlier
	// pass or by Quarantine) that it deleted first, Freed their bytes.
	Purged int64
	Freed  int64
}

// Run scrubs the store, one pass every cfg.ScrubInterval, until ctx is
// done (it then returns ctx.Err()) or the store closes (store.ErrClosed).
func (s *Store) Run(ctx context.Context) error {
	for {
		start := time.Now()
		st, err := s.Scrub(ctx)
		if err != nil {
			return fmt.Errorf("scrub: %w", err)
		}
		s.log.Info("scrub pass done", "chunks", st.Chunks, "bytes", st.Bytes, "corrupt", st.Corrupt,
			"purged", st.Purged, "freed", st.Freed, "took", time.Since(start))
		t := time.NewTimer(s.cfg.ScrubInterval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-s.done:
			t.Stop()
			return store.ErrClosed
		}
	}
}

// Scrub first deletes the chunks quarantined until now, then re-hashes
// every chunk once, in CID order, within the byte rate budget. A chunk
// whose bytes no longer match its ID is moved to the quarantine (Get then
// returns store.ErrCorrupt) and reported through cfg.OnCorrupt; a chunk
// whose file is gone is dropped and reported too.
func (s *Store) Scrub(ctx context.Context) (ScrubStats, error) {
	return s.ScrubProgress(ctx, nil)
}

// ScrubProgress is Scrub that calls progress, if not nil, with the stats
// so far after each chunk, on the caller's goroutine.
func (s *Store) ScrubProgress(ctx context.Context, progress func(ScrubStats)) (ScrubStats, error) {
	var st ScrubStats
	var err error
	if st.Purged, st.Freed, err = s.purge(ctx); err != nil {
		return st, err
	}
	p := pacer{rate: s.cfg.ScrubRate, start: time.Now()}
	after := cid.Undef
	for {
		ids, err := s.page(after, 256)
		if err != nil || len(ids) == 0 {
			return st, err
		}
		for _, id := range ids {
			n, corrupt, err := s.scrubOne(ctx, id)
			if err != nil {
				return st, err
			}
			st.Chunks++
			st.Bytes += n
			if corrupt {
				st.Corrupt++
			}
			if progress != nil {
				progress(st)
			}
			if err := p.wait(ctx, s.done, n); err != nil {
				return st, err
			}
		}
		after = ids[len(ids)-1]
	}
}

// page lists up to n chunk IDs after `after`, without holding an index
// iterator across the slow part of the scrub.
func (s *Store) page(after cid.Cid, n int) ([]cid.Cid, error) {
	leave, err := s.enter()
	if err != nil {
		return nil, err
	}
	defer leave()
	it := s.db.NewIterator(chunksAfter(after), nil)
	defer it.Release()
	var ids []cid.Cid
	for len(ids) < n && it.Next() {
		id, err := cid.Cast(bytes.Clone(it.Key()[1:]))
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, it.Error()
}

// scrubOne re-hashes one chunk; it returns the bytes read and whether the
// chunk was found corrupt.
func (s *Store) scrubOne(ctx context.Context, id cid.Cid) (int64, bool, error) {
	release, err := s.enterChunk(ctx, id)
	if err != nil {
		return 0, false, err
	}
	defer release()
	rec, ok, err := getRecord(s.db, chunkKey(id))
	if err != nil || !ok {
		return 0, false, err // deleted meanwhile
	}
	bad, err := s.verifyFile(ctx, id, rec)
	if err != nil {
		return 0, false, err
	}
	if bad == nil {
		rec.LastScrub = s.cfg.Now().UnixNano()
		return rec.Size, false, s.db.Put(chunkKey(id), rec.append(nil), nil)
	}
	if err := s.quarantine(id, rec, bad); err != nil {
		return rec.Size, true, err
	}
	s.log.Error("chunk corrupt, quarantined", "chunk", id, "err", bad)
	if s.cfg.OnCorrupt != nil {
		s.cfg.OnCorrupt(rec.info(id), bad)
	}
	return rec.Size, true, nil
}

var (
	errMissing   = errors.New("chunk file missing")
	errWrongSize = errors.New("chunk file has the wrong size")
)

// verifyFile returns why the chunk file does not hold rec and the bytes
// of id (nil if it does), or an error if it could not tell.
func (s *Store) verifyFile(ctx context.Context, id cid.Cid, rec record) (bad, err error) {
	f, err := os.Open(s.chunkPath(id))
	if os.IsNotExist(err) {
		return errMissing, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() != rec.charge() {
		return fmt.Errorf("%w: %w: %d bytes, want %d", store.ErrCorrupt, errWrongSize, fi.Size(), rec.charge()), nil
	}
	// Read around the page cache: a scrub pass would otherwise pull every
	// chunk through freshly allocated cache pages.
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	r := directio.NewSectionReader(f, 0, rec.charge(), *bp)
	// A file that ends before its size said (shrunk since the Stat) is
	// corrupt too, rather than an error that would stop the scrub.
	endsEarly := func(err error) error {
		return fmt.Errorf("%w: %w: the file ends early: %v", store.ErrCorrupt, errWrongSize, err)
	}
	hdr := make([]byte, rec.headerLen())
	if _, err := io.ReadFull(r, hdr); errors.Is(err, io.ErrUnexpectedEOF) {
		return endsEarly(err), nil
	} else if err != nil {
		return nil, err
	}
	if !bytes.Equal(hdr, rec.header()) {
		return fmt.Errorf("%w: file header does not match the index", store.ErrCorrupt), nil
	}
	h := checkedHasher{s, ctx, store.NewHasher()}
	if _, err := r.WriteTo(h); errors.Is(err, io.ErrUnexpectedEOF) {
		return endsEarly(err), nil
	} else if err != nil {
		return nil, err
	}
	if err := s.alive(ctx); err != nil {
		return nil, err
	}
	got := h.ID()
	if !got.Equals(id) {
		return fmt.Errorf("%w: bytes hash to %s", store.ErrCorrupt, got), nil
	}
	return nil, nil
}

// quarantine takes a corrupt chunk out of service: its file moves to the
// quarantine directory (still counted against capacity until deleted) and
// its entry to the quarantine range. A missing file just loses its entry;
// a file of the wrong size is removed, as the counters could not match it.
func (s *Store) quarantine(id cid.Cid, rec record, why error) error {
	ch := &change{dels: [][]byte{chunkKey(id)}, delta: counters{Chunks: -1}}
	from, to := s.chunkPath(id), s.quarantinePath(id)
	if errors.Is(why, errWrongSize) {
		if err := os.Remove(from); err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(from)); err != nil {
			return err
		}
	}
	if errors.Is(why, errMissing) || errors.Is(why, errWrongSize) {
		ch.delta.Bytes = -rec.charge()
		return s.idx.commit(ch)
	}
	if err := os.Rename(from, to); err != nil {
		return err
	}
	for _, d := range []string{filepath.Dir(to), filepath.Dir(from)} {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	rec.LastScrub = s.cfg.Now().UnixNano()
	ch.puts = [][2][]byte{{quarantineKey(id), rec.append(nil)}}
	ch.delta.Quarantined = 1
	return s.idx.commit(ch)
}

// pacer keeps a byte rate by waiting after each unit of work.
type pacer struct {
	rate  int64 // bytes per second, 0: no limit
	start time.Time
	bytes int64
}

func (p *pacer) wait(ctx context.Context, done <-chan struct{}, n int64) error {
	if p.rate <= 0 {
		return nil
	}
	p.bytes += n
	due := p.start.Add(time.Duration(float64(p.bytes) / float64(p.rate) * float64(time.Second)))
	d := time.Until(due)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-done:
		return store.ErrClosed
	}
}
