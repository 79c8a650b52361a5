package client_test

import (
	"bytes"
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
	"github.com/scatterbytes/scatterbytes/store/memstore"
)

// slowStore is a node's chunk store that counts the reads of each chunk
// and, once slow is set, answers every read slowDelay late: a node on a bad
// link.
type slowStore struct {
	store.Store
	slow  atomic.Bool
	mu    sync.Mutex
	reads map[cid.Cid]int
}

// slowDelay is far beyond any healthy fetch, also on a loaded machine, so
// that a download cuts its fetches from the slow node off (hedged after
// three times the median of the others) rather than waits for them: what
// the client learns of the slow node is then "at least three times the
// others", whatever the load. At 200 ms a loaded machine's healthy fetches
// came close enough that the slow node still looked worth a data shard
// (the second download read 1-2 shards from it, twice in three full runs).
const slowDelay = 2 * time.Second

func (s *slowStore) Get(ctx context.Context, id cid.Cid, off, length int64) (io.ReadCloser, error) {
	s.mu.Lock()
	s.reads[id]++
	s.mu.Unlock()
	if s.slow.Load() {
		t := time.NewTimer(slowDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return s.Store.Get(ctx, id, off, length)
}

// readsOf returns how many reads of ids s served, and forgets them.
func (s *slowStore) readsOf(ids map[cid.Cid]bool) (n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.reads {
		if ids == nil || ids[id] {
			n += r
		}
	}
	clear(s.reads)
	return n
}

// slowNetwork starts n storage nodes on slowStores, returned by node
// directory.
func slowNetwork(t *testing.T, n int) (*testnet.Network, map[string]*slowStore) {
	var mu sync.Mutex
	stores := map[string]*slowStore{}
	net := nettest.NewWith(t, testnet.Options{Nodes: n,
		Storage: func(ctx context.Context, cfg node.Config, capacity int64) (testnet.Role, error) {
			st := &slowStore{Store: memstore.New(capacity), reads: map[cid.Cid]int{}}
			mu.Lock()
			stores[cfg.Dir] = st
			mu.Unlock()
			return storage.New(ctx, cfg, storage.Config{Store: st, Logger: cfg.Logger})
		}})
	return net, stores
}

func TestDownloadAvoidsSlowHolder(t *testing.T) {
	net, stores := slowNetwork(t, 6)
	c := clienttest.New(t, net, func(cfg *client.Config) { cfg.MaxShard = 256 << 10 })
	data := random(t, 5<<20+999) // 6 stripes of 4+2
	ref := put(t, c, data, "4+2")
	stripes := holdersOf(t, c, ref)
	if len(stripes) < 3 {
		t.Fatalf("%d stripes, want several", len(stripes))
	}
	// The holder of the first data shard of the first stripe turns slow:
	// a client that knows nothing fetches that shard first. Every stripe
	// has a shard there (six nodes, six shards a stripe) and five others.
	var slow *slowStore
	for _, p := range net.Nodes() {
		if p.ID == stripes[0][0] {
			slow = stores[p.Dir]
		}
	}
	slow.slow.Store(true)
	shards := map[cid.Cid]bool{}
	f, err := c.Open(ctxT(t), ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range f.Manifest().Stripes {
		for _, s := range st.Shards {
			shards[s.ID] = true
		}
	}
	f.Close()
	slow.readsOf(nil)

	c2 := clienttest.New(t, net, nil) // knows nothing of any node's speed
	got, err := get(t, c2, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("first download differs from the upload")
	}
	// The manifest or a shard: the client met the slow node at least once.
	if n := slow.readsOf(nil); n == 0 {
		t.Fatal("the first download read nothing from the slow node; the test proves nothing")
	}

	got, err = get(t, c2, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatal("second download differs from the upload")
	}
	if n := slow.readsOf(shards); n != 0 {
		t.Errorf("the second download read %d shards from the slow node, want none", n)
	}
}
