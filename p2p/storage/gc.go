package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/store"
)

// Defaults of GCConfig (package doc, "Garbage").
const (
	// DefaultSweepInterval is the pause between two expiry sweeps.
	DefaultSweepInterval = time.Hour
	// DefaultExpiryGrace is how long past its order's expiry, by the
	// node's clock, a chunk is kept: room for a node clock that runs
	// ahead of its client's, so that a client never finds its chunk
	// gone before the expiry it signed. Orders last months; ten minutes
	// is nothing next to them and far more than NTP-kept clocks differ.
	DefaultExpiryGrace = 10 * time.Minute
	// DefaultSweepMaxDeletes bounds the chunks one sweep deletes: each
	// delete syncs a directory and the index, a few milliseconds on a
	// disk, so a pass takes seconds, not hours, whatever expired at once.
	DefaultSweepMaxDeletes = 4096
)

// sweepPage is how many chunks a sweep reads from the store's index at a
// time: no iterator (nor the store's snapshot under it) is held while it
// deletes.
const sweepPage = 256

// maxBacklogPause is the longest pause after a sweep that stopped at
// MaxDeletes with expired chunks left: the next pass comes after
// min(Interval, maxBacklogPause).
const maxBacklogPause = time.Minute

// GCConfig configures the expiry sweep. Zero fields take the defaults.
type GCConfig struct {
	// Interval is the pause between two sweeps (DefaultSweepInterval).
	Interval time.Duration
	// Grace is how long past its order's Expiry a chunk is kept
	// (DefaultExpiryGrace).
	Grace time.Duration
	// MaxDeletes bounds the chunks one sweep deletes
	// (DefaultSweepMaxDeletes).
	MaxDeletes int
}

// Validate reports the first problem with c.
func (c GCConfig) Validate() error {
	if c.Interval < 0 || c.Grace < 0 || c.MaxDeletes < 0 {
		return fmt.Errorf("storage: negative garbage sweep setting %+v", c)
	}
	return nil
}

func (c GCConfig) withDefaults() GCConfig {
	if c.Interval == 0 {
		c.Interval = DefaultSweepInterval
	}
	if c.Grace == 0 {
		c.Grace = DefaultExpiryGrace
	}
	if c.MaxDeletes == 0 {
		c.MaxDeletes = DefaultSweepMaxDeletes
	}
	return c
}

// Clock is what the expiry sweep tells the time by: when an order has
// expired and when the next pass is due. Nil in Config is the wall clock.
// Its method set is the coordinator's Clock's, so one test clock can
// drive the epochs and the sweeps.
type Clock interface {
	Now() time.Time
	// SleepUntil waits until t or until ctx ends, and reports whether t
	// came.
	SleepUntil(ctx context.Context, t time.Time) bool
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) SleepUntil(ctx context.Context, t time.Time) bool {
	return wait.Sleep(ctx, time.Until(t))
}

// SweepStats sums up one expiry sweep.
type SweepStats struct {
	At     time.Time // when the pass began, by the sweep's clock
	Chunks int64     // chunks looked at
	// Expired counts the chunks past expiry and grace handed to the
	// guarded store's Delete: gone now, or, when a commitment the node
	// may still be asked about holds them, hidden now and gone within
	// about two epochs (package proof, "Deletes").
	Expired int64
	// Kept counts the chunks whose stored order does not decode: the
	// sweep cannot tell when they expire and leaves them alone (the chunk
	// service stores no such chunk; see the package doc).
	Kept int64
	// Capped says the pass stopped at MaxDeletes with chunks left to
	// look at; the next comes sooner than Interval.
	Capped bool
	// Records counts the placement records deleted after a whole pass:
	// those of stripes the node holds no member of any more.
	Records int
}

// collector is the expiry sweep of one storage node.
type collector struct {
	cfg   GCConfig
	clock Clock
	st    store.Store // the guarded store: deletes go through the prover's guard
	log   *slog.Logger
	// prune, if set, runs after every whole pass: it deletes what the
	// node keeps about chunks it no longer holds (placement records).
	prune func(context.Context) (int, error)

	mu   sync.Mutex
	last SweepStats
	done bool // a pass has completed
}

func newCollector(cfg GCConfig, clock Clock, st store.Store, log *slog.Logger) *collector {
	if clock == nil {
		clock = wallClock{}
	}
	return &collector{cfg: cfg.withDefaults(), clock: clock, st: st, log: log}
}

// run sweeps at once, then every Interval (sooner after a capped pass),
// until ctx ends. A pass that fails is logged and tried again at the
// next; only a closed store ends the loop early.
func (c *collector) run(ctx context.Context) error {
	for {
		st, err := c.sweep(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, store.ErrClosed):
			return nil
		case err != nil:
			c.log.Warn("expiry sweep", "err", err)
		case st.Expired > 0 || st.Kept > 0:
			c.log.Info("expiry sweep done", "chunks", st.Chunks, "expired", st.Expired, "kept", st.Kept, "capped", st.Capped)
		}
		pause := c.cfg.Interval
		if st.Capped {
			pause = min(pause, maxBacklogPause)
		}
		if !c.clock.SleepUntil(ctx, c.clock.Now().Add(pause)) {
			return nil
		}
	}
}

// errPageFull stops an Iterate once a page is read.
var errPageFull = errors.New("page full")

// sweep makes one pass over the store in CID order, a page of chunk
// orders at a time, and deletes through the guarded store every chunk
// whose order expired more than Grace ago, at most MaxDeletes of them.
func (c *collector) sweep(ctx context.Context) (SweepStats, error) {
	st := SweepStats{At: c.clock.Now()}
	deadline := st.At.Add(-c.cfg.Grace) // an order ending before it has expired
	after := cid.Undef
	for {
		var expired []cid.Cid
		n := 0
		err := c.st.Iterate(ctx, after, func(i store.Info) error {
			if n == sweepPage {
				return errPageFull
			}
			n++
			after = i.ID
			o, err := chunk.UnmarshalOrder(i.Meta)
			switch {
			case err != nil:
				st.Kept++
			case o.Expiry.Before(deadline):
				expired = append(expired, i.ID)
			}
			return nil
		})
		st.Chunks += int64(n)
		if err != nil && !errors.Is(err, errPageFull) {
			return c.finish(st), fmt.Errorf("expiry sweep: %w", err)
		}
		for _, id := range expired {
			if st.Expired == int64(c.cfg.MaxDeletes) {
				st.Capped = true
				return c.finish(st), nil
			}
			gone, err := c.remove(ctx, id, deadline)
			if err != nil {
				return c.finish(st), fmt.Errorf("expiry sweep: %w", err)
			}
			if gone {
				st.Expired++
			}
		}
		if n < sweepPage {
			if c.prune != nil {
				if st.Records, err = c.prune(ctx); err != nil {
					return c.finish(st), fmt.Errorf("expiry sweep: placement records: %w", err)
				}
			}
			return c.finish(st), nil
		}
	}
}

// remove deletes chunk id if the order it is held under still expired
// before deadline, and reports whether it asked the store to: the page
// was read a moment ago, and a chunk deleted by its owner and put again
// meanwhile holds a new order.
func (c *collector) remove(ctx context.Context, id cid.Cid, deadline time.Time) (bool, error) {
	info, err := c.st.Stat(ctx, id)
	if store.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if o, err := chunk.UnmarshalOrder(info.Meta); err != nil || !o.Expiry.Before(deadline) {
		return false, nil
	}
	if err := c.st.Delete(ctx, id); err != nil {
		if store.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	c.log.Debug("expired chunk deleted", "chunk", id)
	return true, nil
}

func (c *collector) finish(st SweepStats) SweepStats {
	c.mu.Lock()
	c.last, c.done = st, true
	c.mu.Unlock()
	return st
}

// lastSweep returns the stats of the last pass, if one has run.
func (c *collector) lastSweep() (SweepStats, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, c.done
}

// Sweep makes one expiry sweep now (Run makes one every GCConfig.Interval)
// and returns what it did.
func (s *Storage) Sweep(ctx context.Context) (SweepStats, error) { return s.gc.sweep(ctx) }

// LastSweep returns the stats of the last expiry sweep, and false if none
// has run yet.
func (s *Storage) LastSweep() (SweepStats, bool) { return s.gc.lastSweep() }
