package storage

import (
	"context"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/store"
)

// closable is the store as the chunk service sees it: while closed (the
// node is leaving, see "Exit", or knows that peers on the internet cannot
// dial it, see node.Reachability) a PUT of a chunk the node does not hold is
// refused as if the disk were full (store.ErrNoSpace: the client's
// placement passes the node over and tries the next, no body byte is
// sent) and SPACE says there is no room, so placement does not pick the
// node at all. A PUT of a chunk held already is still answered HAVE (the
// chunk service asks Stat first), and reads, deletes and quarantines go
// through: a leaving node serves what it holds until it is gone.
type closable struct {
	store.Store
	// closed says why the store takes no new chunks, "" while it does.
	closed func() string
}

// closableQ keeps the store's optional Quarantiner visible.
type closableQ struct {
	closable
	q store.Quarantiner
}

func (c closableQ) Quarantine(ctx context.Context, id cid.Cid, why error) error {
	return c.q.Quarantine(ctx, id, why)
}

func newClosable(st store.Store, closed func() string) store.Store {
	c := closable{Store: st, closed: closed}
	if q, ok := st.(store.Quarantiner); ok {
		return closableQ{closable: c, q: q}
	}
	return c
}

func (c closable) Put(ctx context.Context, id cid.Cid, size int64, r io.Reader, meta []byte) error {
	if why := c.closed(); why != "" {
		return fmt.Errorf("put chunk %s: %w: %s and takes no new chunks", id, store.ErrNoSpace, why)
	}
	return c.Store.Put(ctx, id, size, r, meta)
}

// Usage says the store is full while closed: Capacity is lowered to what
// it holds (at least 1 byte: 0 would mean no limit).
func (c closable) Usage(ctx context.Context) (store.Usage, error) {
	u, err := c.Store.Usage(ctx)
	if err == nil && c.closed() != "" {
		u.Capacity = max(u.Bytes, 1)
		u.Bytes = u.Capacity
	}
	return u, err
}
