//go:build storefaults

package disk

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/scatterbytes/scatterbytes/store"
)

// This build (go test -tags storefaults, made by TestPowerLoss) cuts the
// power in the middle of a put. faultEnv holds "<step>:<n>:<file>:<index>":
// when a put reaches <step> for the n-th time, fault leaves the disk as a
// power cut there could, then SIGKILLs the process. The model:
//
//   - A chunk file not yet synced (its put has not passed faultSynced) may
//     be anything: <file> is "gone" (its name was not durable), "torn" (cut
//     to half its length) or "garbage" (full length, its last 4 KiB zero:
//     the size reached the disk, the bytes did not). A synced file is kept.
//   - Index batches written without sync since the store opened may be
//     lost: <index> "lost" deletes every entry such puts wrote, "kept"
//     keeps them.
//
// The model follows the calls: a file counts as synced only once the put
// has reported faultSynced for it, so a put that wrote its entry before
// syncing its file would be caught with a garbage file behind an entry.

var faults = struct {
	sync.Mutex
	step          faultPoint
	n             int
	file, index   string
	seen          int
	synced        map[string]bool // chunk files whose put reported faultSynced
	unsyncedIndex []string        // chunk files whose entries were not synced
}{synced: map[string]bool{}}

func init() {
	v := os.Getenv(faultEnv)
	if v == "" {
		return
	}
	parts := strings.Split(v, ":")
	steps := map[string]faultPoint{"created": faultCreated, "written": faultWritten, "synced": faultSynced, "indexed": faultIndexed}
	if len(parts) != 4 || steps[parts[0]] == 0 {
		panic(fmt.Sprintf("%s=%q: want <step>:<n>:<file>:<index>", faultEnv, v))
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil {
		panic(err)
	}
	faults.step, faults.n, faults.file, faults.index = steps[parts[0]], n, parts[2], parts[3]
}

func (s *Store) fault(p faultPoint, path string) {
	faults.Lock()
	defer faults.Unlock()
	switch p {
	case faultCreated:
		faults.synced[path] = false
	case faultSynced:
		faults.synced[path] = true
	case faultIndexed:
		faults.unsyncedIndex = append(faults.unsyncedIndex, path)
	}
	if p != faults.step {
		return
	}
	if faults.seen++; faults.seen != faults.n {
		return
	}
	for f, synced := range faults.synced {
		if !synced {
			damageFile(f, faults.file)
		}
	}
	if faults.index == "lost" {
		for _, f := range faults.unsyncedIndex {
			id, err := store.ParseID(filepath.Base(f))
			if err != nil {
				panic(err)
			}
			if err := s.db.Delete(chunkKey(id), &opt.WriteOptions{Sync: true}); err != nil {
				panic(err)
			}
		}
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}

func damageFile(path, how string) {
	fi, err := os.Stat(path)
	if err != nil {
		panic(err)
	}
	switch how {
	case "gone":
		err = os.Remove(path)
	case "torn":
		err = os.Truncate(path, fi.Size()/2)
	case "garbage":
		var f *os.File
		if f, err = os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			_, err = f.WriteAt(make([]byte, min(4096, fi.Size())), max(0, fi.Size()-4096))
			f.Close()
		}
	default:
		panic("unknown file damage " + how)
	}
	if err != nil {
		panic(err)
	}
}
