package storage

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
)

// closable is the store as the chunk service sees it: once closed (the
// node is leaving, see "Exit") a PUT of a chunk the node does not hold is
// refused as if the disk were full (store.ErrNoSpace: the client's
// placement passes the node over and tries the next, no body byte is
// sent) and SPACE says there is no room, so placement does not pick the
// node at all. A PUT of a chunk held already is still answered HAVE (the
// chunk service asks Stat first), and reads, deletes and quarantines go
// through: a leaving node serves what it holds until it is gone.
type closable struct {
	store.Store
	closed *atomic.Bool
}

// closableQ keeps the store's optional Quarantiner visible.
type closableQ struct {
	closable
	q store.Quarantiner
}

func (c closableQ) Quarantine(ctx context.Context, id cid.Cid, why error) error {
	return c.q.Quarantine(ctx, id, why)
}

func newClosable(st store.Store, closed *atomic.Bool) store.Store {
	c := closable{Store: st, closed: closed}
	if q, ok := st.(store.Quarantiner); ok {
		return closableQ{closable: c, q: q}
	}
	return c
}

func (c closable) Put(ctx context.Context, id cid.Cid, size int64, r io.Reader, meta []byte) error {
	if c.closed.Load() {
		return fmt.Errorf("put chunk %s: %w: the node is leaving the network and takes no new chunks", id, store.ErrNoSpace)
	}
	return c.Store.Put(ctx, id, size, r, meta)
}

// Usage says the store is full while closed: Capacity is lowered to what
// it holds (at least 1 byte: 0 would mean no limit).
func (c closable) Usage(ctx context.Context) (store.Usage, error) {
	u, err := c.Store.Usage(ctx)
	if err == nil && c.closed.Load() {
		u.Capacity = max(u.Bytes, 1)
		u.Bytes = u.Capacity
	}
	return u, err
}
