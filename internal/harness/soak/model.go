package soak

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"github.com/scatterbytes/scatterbytes/client/manifest"
)

// state is where a file is in its life.
type state int

const (
	putting  state = iota // Put under way
	live                  // acknowledged: must read back
	deleting              // Remove under way
	deleted               // Remove returned nil
	unknown               // Remove failed: some shards may be gone
)

// file is what the soak knows of one file it stored.
type file struct {
	id       int
	name     string
	owner    int // the client that put it (its catalog names it)
	size     int64
	text     bool // low-entropy bytes, put compressed
	red      string
	state    state
	ref      manifest.Ref
	man      *manifest.Manifest // read back right after the put
	readers  int                // gets under way (a delete waits for none)
	clean    bool               // deleted while every node ran
	damaged  map[int]int        // stripe → shards with a flipped copy
	rootFlip bool               // a copy of the manifest root was flipped
}

// content regenerates file f's bytes from the run's seed and its id.
func content(seed int64, f *file) []byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], uint64(seed))
	binary.LittleEndian.PutUint64(s[8:], uint64(f.id))
	r := rand.NewChaCha8(s)
	b := make([]byte, f.size)
	if !f.text {
		r.Read(b)
		return b
	}
	words := []string{"scatter", "bytes ", "chunk ", "stripe\n", "node ", "shard ", "0123 "}
	for i := 0; i < len(b); {
		i += copy(b[i:], words[r.Uint64()%uint64(len(words))])
	}
	return b
}

// sizeOf draws a file size: a tenth tiny (up to 64 B), under a third up to
// 64 KiB (a segment), most up to 1 MiB, a fifth up to max.
func sizeOf(r *rand.Rand, max int64) int64 {
	switch p := r.IntN(10); {
	case p < 1:
		return r.Int64N(65)
	case p < 4:
		return 65 + r.Int64N(64<<10)
	case p < 8:
		return 64<<10 + r.Int64N(1<<20-64<<10)
	default:
		return 1<<20 + r.Int64N(max-1<<20+1)
	}
}

// model is the expected state of the network: every file the soak stored.
type model struct {
	mu      sync.Mutex
	seed    int64
	next    int
	files   map[int]*file
	liveB   int64                   // bytes of files putting or live
	flipped map[int]map[string]bool // node index → chunk IDs flipped there
}

func newModel(seed int64) *model {
	return &model{seed: seed, files: map[int]*file{}, flipped: map[int]map[string]bool{}}
}

// newFile registers a file about to be put.
func (m *model) newFile(r *rand.Rand, maxFile int64) *file {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := &file{id: m.next, size: sizeOf(r, maxFile), damaged: map[int]int{}}
	f.name = fmt.Sprintf("f%05d", f.id)
	f.text = r.IntN(8) == 0
	f.red = "4+2"
	if r.IntN(4) == 0 {
		f.red = "2+2"
	}
	m.next++
	m.files[f.id] = f
	m.liveB += f.size
	return f
}

// pick returns a random file in state s (nil if none), in id order so the
// choice depends on the seed alone.
func (m *model) pick(r *rand.Rand, s state) *file {
	var ids []int
	for id, f := range m.files {
		if f.state == s {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Ints(ids)
	return m.files[ids[r.IntN(len(ids))]]
}

func (m *model) inState(s state) []*file {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*file
	for _, f := range m.files {
		if f.state == s {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (m *model) wasFlippedS(node int, id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.flipped[node][id]
}

// tally counts events by kind.
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func (t *tally) add(kind string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[string]int{}
	}
	t.n[kind]++
}

func (t *tally) get(kind string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n[kind]
}

// String lists the counts in name order: "a=1 b=2".
func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ks []string
	for k := range t.n {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var b strings.Builder
	for i, k := range ks {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%d", k, t.n[k])
	}
	return b.String()
}

func (t *tally) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, v := range t.n {
		n += v
	}
	return n
}
