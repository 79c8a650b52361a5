package metrics

import (
	"context"
	"errors"
	"io"
	"sync/atomic"

	"github.com/ipfs/go-cid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/scatterbytes/scatterbytes/store"
)

// Store returns st counting its Put, Get, Has, Stat, Delete and
// Quarantine calls in scatterbytes_store_operations_total by result, and
// registers st's usage gauges (read at scrape) once per Set. It keeps
// st's optional Quarantiner.
func (s *Set) Store(st store.Store) store.Store {
	if s == nil {
		return st
	}
	// A store reopened with the same Set (a node restarted in-process)
	// replaces the old one in the slot the gauges read.
	slot := s.Slot("store")
	slot.Store(usager{st})
	s.RegisterOnce("store", func() []prometheus.Collector { return usageGauges(slot) })
	c := &counted{Store: st, ops: s.storeOps}
	if q, ok := st.(store.Quarantiner); ok {
		return &countedQ{counted: c, q: q}
	}
	return c
}

// usager holds a store in a slot (an atomic.Value needs one concrete type).
type usager struct{ store.Usager }

// usageGauges read the slot's store's Usage at each scrape; a failure
// reads as 0.
func usageGauges(slot *atomic.Value) []prometheus.Collector {
	read := func(f func(store.Usage) int64) func() float64 {
		return func() float64 {
			u, err := slot.Load().(usager).Usage(context.Background())
			if err != nil {
				return 0
			}
			return float64(f(u))
		}
	}
	return []prometheus.Collector{
		Gauge("store_used_bytes", "Bytes the chunk store holds against its capacity.", read(func(u store.Usage) int64 { return u.Bytes })),
		Gauge("store_capacity_bytes", "The chunk store's hard limit in bytes (0: unlimited).", read(func(u store.Usage) int64 { return u.Capacity })),
		Gauge("store_chunks", "Readable chunks in the store.", read(func(u store.Usage) int64 { return u.Chunks })),
		Gauge("store_quarantined_chunks", "Chunks taken out of service as corrupt, not yet removed.", read(func(u store.Usage) int64 { return u.Quarantined })),
	}
}

type counted struct {
	store.Store
	ops *prometheus.CounterVec
}

func (c *counted) count(op string, err error) {
	c.ops.WithLabelValues(op, StoreResult(err)).Inc()
}

func (c *counted) Put(ctx context.Context, id cid.Cid, size int64, r io.Reader, meta []byte) error {
	err := c.Store.Put(ctx, id, size, r, meta)
	c.count("put", err)
	return err
}

func (c *counted) Get(ctx context.Context, id cid.Cid, off, length int64) (io.ReadCloser, error) {
	rc, err := c.Store.Get(ctx, id, off, length)
	c.count("get", err)
	return rc, err
}

func (c *counted) Has(ctx context.Context, id cid.Cid) (bool, error) {
	ok, err := c.Store.Has(ctx, id)
	c.count("has", err)
	return ok, err
}

func (c *counted) Stat(ctx context.Context, id cid.Cid) (store.Info, error) {
	i, err := c.Store.Stat(ctx, id)
	c.count("stat", err)
	return i, err
}

func (c *counted) Delete(ctx context.Context, id cid.Cid) error {
	err := c.Store.Delete(ctx, id)
	c.count("delete", err)
	return err
}

type countedQ struct {
	*counted
	q store.Quarantiner
}

func (c *countedQ) Quarantine(ctx context.Context, id cid.Cid, why error) error {
	err := c.q.Quarantine(ctx, id, why)
	c.count("quarantine", err)
	return err
}

// storeResults names the store's sentinels as result labels.
var storeResults = []struct {
	err  error
	name string
}{
	{store.ErrNotFound, "not_found"},
	{store.ErrExists, "exists"},
	{store.ErrNoSpace, "no_space"},
	{store.ErrMismatch, "mismatch"},
	{store.ErrRange, "range"},
	{store.ErrCorrupt, "corrupt"},
	{store.ErrBadID, "bad_id"},
	{store.ErrClosed, "closed"},
	{context.Canceled, "canceled"},
	{context.DeadlineExceeded, "canceled"},
}

// StoreResult is the result label of a store call's error.
func StoreResult(err error) string {
	if err == nil {
		return "ok"
	}
	for _, r := range storeResults {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "error"
}
