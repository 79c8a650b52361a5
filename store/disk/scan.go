package disk

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ipfs/go-cid"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
	"github.com/syndtr/goleveldb/leveldb/util"

	"github.com/scatterbytes/scatterbytes/internal/directio"
	"github.com/scatterbytes/scatterbytes/store"
)

// scanMode says what a scan does about a disagreement between the index
// and the files.
type scanMode int

const (
	modeCheck   scanMode = iota // report only
	modeRepair                  // fix the index (and drop unusable files)
	modeRebuild                 // index every well-formed file without re-hashing
)

// Report is the result of a consistency check.
type Report struct {
	Chunks      int64    // chunk files matching their entries
	Quarantined int64    // quarantined files matching their entries
	FileBytes   int64    // their total size on disk
	Problems    []string // disagreements found (fixed, unless from Check)
	counters    counters
}

// Check compares the index, the usage counters and the files without
// changing anything. It is exact only while no Put or Delete runs.
func (s *Store) Check(ctx context.Context) (Report, error) {
	leave, err := s.enter()
	if err != nil {
		return Report{}, err
	}
	defer leave()
	rep, err := s.scan(ctx, s.db, modeCheck)
	if err != nil {
		return rep, err
	}
	if got := s.idx.counters(); got != rep.counters {
		rep.Problems = append(rep.Problems, fmt.Sprintf("usage counters %+v, files say %+v", got, rep.counters))
	}
	return rep, nil
}

// scanner walks shard by shard, so memory stays bounded by one shard.
type scanner struct {
	s     *Store
	db    *leveldb.DB
	mode  scanMode
	batch leveldb.Batch
	rep   Report
}

func (s *Store) scan(ctx context.Context, db *leveldb.DB, mode scanMode) (Report, error) {
	sc := &scanner{s: s, db: db, mode: mode}
	for shard := range shards {
		if err := ctx.Err(); err != nil {
			return sc.rep, err
		}
		dir := filepath.Join(s.dir, chunksDir, shardName(byte(shard)))
		if err := sc.dir(dir, shardRange(chunkPrefix, byte(shard)), shard); err != nil {
			return sc.rep, err
		}
	}
	qdir := filepath.Join(s.dir, quarantineDir)
	if err := sc.dir(qdir, util.BytesPrefix([]byte{quarantinePrefix}), anyShard); err != nil {
		return sc.rep, err
	}
	sc.rep.counters = counters{Bytes: sc.rep.FileBytes, Chunks: sc.rep.Chunks, Quarantined: sc.rep.Quarantined}
	if mode == modeCheck {
		return sc.rep, nil
	}
	if old, ok := mustCounters(db); !ok || old != sc.rep.counters {
		if mode == modeRepair {
			sc.problem("usage counters %+v, files say %+v", old, sc.rep.counters)
		}
	}
	sc.batch.Put(usageKey, sc.rep.counters.encode())
	return sc.rep, sc.flush(true)
}

func (sc *scanner) problem(format string, args ...any) {
	sc.rep.Problems = append(sc.rep.Problems, fmt.Sprintf(format, args...))
}

// anyShard marks the quarantine directory, which is not sharded.
const anyShard = -1

// dir reconciles the files of one directory with the index range rng.
func (sc *scanner) dir(dir string, rng *util.Range, shard int) error {
	quarantine := shard == anyShard
	files, err := listFiles(dir, shard)
	if err != nil {
		return err
	}
	it := sc.db.NewIterator(rng, nil)
	for it.Next() {
		key := append([]byte(nil), it.Key()...)
		id, _ := cid.Cast(key[1:])
		rec, err := decodeRecord(it.Value())
		size, there := files[id.KeyString()]
		delete(files, id.KeyString())
		switch {
		case err != nil || !id.Defined():
			sc.problem("index entry %x: %v", key, err)
			sc.drop(key, filepath.Join(dir, id.String()), there)
		case !there:
			sc.problem("chunk %s: indexed but its file is gone", id)
			sc.drop(key, "", false)
		case size != rec.charge():
			sc.problem("chunk %s: file is %d bytes, want %d", id, size, rec.charge())
			sc.drop(key, filepath.Join(dir, id.String()), true)
		default:
			sc.count(size, quarantine)
		}
	}
	it.Release()
	if err := it.Error(); err != nil {
		return err
	}
	for key, size := range files {
		id, _ := cid.Cast([]byte(key))
		if err := sc.adopt(dir, id, size, quarantine); err != nil {
			return err
		}
	}
	return sc.flush(false)
}

// adopt indexes a file that has no entry, after checking it.
func (sc *scanner) adopt(dir string, id cid.Cid, size int64, quarantine bool) error {
	path := filepath.Join(dir, id.String())
	if sc.mode != modeRebuild {
		sc.problem("chunk %s: file without an index entry", id)
	}
	if sc.mode == modeCheck {
		return nil
	}
	rec, err := sc.checkFile(path, id, size, quarantine)
	if err != nil {
		sc.problem("chunk %s: unusable file removed: %v", id, err)
		sc.drop(nil, path, true)
		return nil
	}
	key := chunkKey(id)
	if quarantine {
		key = quarantineKey(id)
	}
	sc.batch.Put(key, rec.append(nil))
	sc.count(size, quarantine)
	return nil
}

// checkFile reads a chunk file's header and, when repairing a live chunk,
// re-hashes it.
func (sc *scanner) checkFile(path string, id cid.Cid, size int64, quarantine bool) (record, error) {
	f, err := os.Open(path)
	if err != nil {
		return record{}, err
	}
	defer f.Close()
	// Read around the page cache: a repair may re-hash many files.
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	hdr := make([]byte, min(size, int64(headerFixed+maxRecordLen)))
	if _, err := io.ReadFull(directio.NewSectionReader(f, 0, int64(len(hdr)), *bp), hdr); err != nil {
		return record{}, err
	}
	rec, hlen, err := decodeHeader(hdr)
	if err != nil {
		return record{}, err
	}
	if size != rec.charge() {
		return record{}, fmt.Errorf("file is %d bytes, header says %d", size, rec.charge())
	}
	if quarantine || sc.mode == modeRebuild {
		return rec, nil
	}
	h := store.NewHasher()
	if _, err := directio.NewSectionReader(f, int64(hlen), rec.Size, *bp).WriteTo(h); err != nil {
		return record{}, err
	}
	if got := h.ID(); !got.Equals(id) {
		return record{}, fmt.Errorf("%w: bytes hash to %s", store.ErrMismatch, got)
	}
	return rec, nil
}

func (sc *scanner) count(size int64, quarantine bool) {
	sc.rep.FileBytes += size
	if quarantine {
		sc.rep.Quarantined++
	} else {
		sc.rep.Chunks++
	}
}

// drop removes an index entry (key may be nil) and, if removeFile, its file.
func (sc *scanner) drop(key []byte, path string, removeFile bool) {
	if sc.mode == modeCheck {
		return
	}
	if key != nil {
		sc.batch.Delete(key)
	}
	if removeFile && path != "" {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			sc.problem("remove %s: %v", path, err)
		}
	}
}

func (sc *scanner) flush(sync bool) error {
	if sc.mode == modeCheck || (sc.batch.Len() == 0 && !sync) {
		return nil
	}
	err := sc.db.Write(&sc.batch, &opt.WriteOptions{Sync: sync})
	sc.batch.Reset()
	return err
}

// listFiles maps the chunk files of dir (in the given shard, unless
// anyShard), by CID bytes, to their sizes. Anything else is left alone.
func listFiles(dir string, shard int) (map[string]int64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	files := make(map[string]int64, len(ents))
	for _, e := range ents {
		id, err := store.ParseID(e.Name())
		if err != nil || id.String() != e.Name() || !e.Type().IsRegular() {
			continue
		}
		if shard != anyShard && int(shardOf(id)) != shard {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return nil, err
		}
		files[id.KeyString()] = fi.Size()
	}
	return files, nil
}
