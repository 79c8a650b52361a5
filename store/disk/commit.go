package disk

import (
	"encoding/binary"
	"sync"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// counters are the exact usage figures kept under key "u" in the index.
type counters struct {
	Bytes       int64 // chunk and quarantine files, headers included
	Chunks      int64 // readable chunks
	Quarantined int64 // quarantined chunks
}

func (c counters) add(d counters) counters {
	return counters{c.Bytes + d.Bytes, c.Chunks + d.Chunks, c.Quarantined + d.Quarantined}
}

func (c counters) encode() []byte {
	b := make([]byte, 0, 24)
	for _, v := range []int64{c.Bytes, c.Chunks, c.Quarantined} {
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	return b
}

func decodeCounters(b []byte) (counters, bool) {
	if len(b) != 24 {
		return counters{}, false
	}
	v := func(i int) int64 { return int64(binary.BigEndian.Uint64(b[8*i:])) }
	return counters{v(0), v(1), v(2)}, true
}

// change is one chunk's index update: its entries, the counter delta, and
// the capacity reservation it turns into usage.
type change struct {
	puts    [][2][]byte
	dels    [][]byte
	delta   counters
	release int64
	// unsynced: the change need not be durable when commit returns (a
	// put, whose file is). A group is synced if any change in it must be,
	// and a synced batch makes every earlier one durable too.
	unsynced bool

	done bool
	err  error
}

// committer writes changes to the index with group commit: whoever finds
// no write in progress writes everything queued, in one batch that also
// carries the new counters, synced unless every change in it is unsynced.
// Changes landing together share a sync.
type committer struct {
	db  *leveldb.DB
	mu  sync.Mutex
	c   *sync.Cond
	q   []*change
	hot bool // a write is in progress

	// usage is updated only here, in commit order, so the counters written
	// with each batch are exact.
	umu      sync.Mutex
	usage    counters
	reserved int64
}

func newCommitter(db *leveldb.DB, usage counters) *committer {
	c := &committer{db: db, usage: usage}
	c.c = sync.NewCond(&c.mu)
	return c
}

// commit writes ch and returns when it is in the index, and on disk
// unless ch.unsynced.
func (c *committer) commit(ch *change) error {
	c.mu.Lock()
	c.q = append(c.q, ch)
	for c.hot && !ch.done {
		c.c.Wait()
	}
	if ch.done {
		c.mu.Unlock()
		return ch.err
	}
	c.hot = true
	group := c.q
	c.q = nil
	c.mu.Unlock()

	err := c.write(group)

	c.mu.Lock()
	for _, g := range group {
		g.done, g.err = true, err
	}
	c.hot = false
	c.c.Broadcast()
	c.mu.Unlock()
	return err
}

func (c *committer) write(group []*change) error {
	var b leveldb.Batch
	var delta counters
	var release int64
	durable := false
	for _, g := range group {
		durable = durable || !g.unsynced
		for _, kv := range g.puts {
			b.Put(kv[0], kv[1])
		}
		for _, k := range g.dels {
			b.Delete(k)
		}
		delta = delta.add(g.delta)
		release += g.release
	}
	c.umu.Lock()
	defer c.umu.Unlock()
	next := c.usage.add(delta)
	b.Put(usageKey, next.encode())
	if err := c.db.Write(&b, &opt.WriteOptions{Sync: durable}); err != nil {
		return err
	}
	c.usage = next
	c.reserved -= release
	return nil
}

// reserve claims n bytes of capacity, or reports false if they do not fit.
func (c *committer) reserve(n, capacity int64) (counters, int64, bool) {
	c.umu.Lock()
	defer c.umu.Unlock()
	if n < 0 || n > capacity-c.usage.Bytes-c.reserved { // n < 0: charge overflowed
		return c.usage, c.reserved, false
	}
	c.reserved += n
	return c.usage, c.reserved, true
}

// unreserve gives back a reservation that did not become usage.
func (c *committer) unreserve(n int64) {
	c.umu.Lock()
	c.reserved -= n
	c.umu.Unlock()
}

func (c *committer) counters() counters {
	c.umu.Lock()
	defer c.umu.Unlock()
	return c.usage
}
