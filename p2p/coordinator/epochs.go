package coordinator

import (
	"context"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/syndtr/goleveldb/leveldb"

	"github.com/scatterbytes/scatterbytes/p2p/gossip"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
)

// runEpochs publishes a beacon at the start of every epoch and settles
// the epochs whose proofs can no longer come, until ctx ends. Nothing else
// runs in this loop, so that a slow spot check or ledger never delays a
// beacon.
func (c *Coordinator) runEpochs(ctx context.Context) error {
	for {
		e := c.clock.now()
		if err := c.openEpoch(ctx, e); err != nil {
			return err
		}
		if !c.clock.SleepUntil(ctx, c.clock.start(e+1)) {
			return nil
		}
	}
}

// runChecks spot-checks a few nodes halfway through every epoch and hands
// the credits of the proofs recorded so far to the ledger, until ctx ends.
// Each epoch is checked once, in its second half: the next check is for
// the epoch after the last one checked, or the current one if the
// coordinator fell behind. (It
// used to recompute the epoch from the clock after each check, which on a
// clock standing exactly at the halfway point, as a test's stepped clock
// does, checked the same epoch again and again without end.)
func (c *Coordinator) runChecks(ctx context.Context) error {
	half := func(e uint64) time.Time { return c.clock.start(e).Add(c.clock.length / 2) }
	e := c.clock.now()
	if c.clock.Now().After(half(e)) {
		e++
	}
	for {
		if !c.clock.SleepUntil(ctx, half(e)) {
			return nil
		}
		// An epoch already over is not spot-checked: its nodes have
		// moved on to their next proof, and a node keeps what a proof
		// sampled only until then (package proof, "Deletes").
		if c.clock.now() == e {
			c.spotCheck(ctx, e)
		}
		if err := c.flushCredits(ctx); err != nil && ctx.Err() == nil {
			c.log.Warn("ledger: credits wait for the next epoch", "err", err)
		}
		e = max(e+1, c.clock.now())
	}
}

// openEpoch closes the last epoch that had a beacon, if it is over, and
// publishes the beacon of epoch e unless it was published already (a
// restart within e publishes the same beacon again).
func (c *Coordinator) openEpoch(ctx context.Context, e uint64) error {
	last, lastBytes, err := c.state.lastBeacon()
	if err != nil {
		return fmt.Errorf("coordinator: %w", err)
	}
	var prev *proof.Beacon
	if lastBytes != nil {
		if prev, err = proof.UnmarshalBeacon(lastBytes); err != nil {
			return fmt.Errorf("coordinator: stored beacon of epoch %d: %w", last, err)
		}
	}
	if prev != nil && last == e {
		c.setBeacon(prev)
		return c.publishBeacon(ctx, prev)
	}
	if prev != nil && last < e {
		// A proof may come in until the end of the epoch after its own:
		// the epoch before last is settled now, and last too if the
		// coordinator was down through the epoch after it.
		before, ok, err := c.state.beaconBefore(last)
		if err != nil {
			return fmt.Errorf("coordinator: %w", err)
		}
		if ok {
			if err := c.closeEpoch(before); err != nil {
				return err
			}
		}
		if last+1 < e {
			if err := c.closeEpoch(last); err != nil {
				return err
			}
		}
	}
	b, err := proof.NewBeacon(c.key, c.node.Cert(), c.cfg.Node.Profile.Name, e, c.clock.start(e),
		c.clock.length, c.cfg.Samples, prev)
	if err != nil {
		return fmt.Errorf("coordinator: %w", err)
	}
	if err := c.state.putBeacon(e, b.Marshal()); err != nil {
		return fmt.Errorf("coordinator: %w", err)
	}
	c.setBeacon(b)
	return c.publishBeacon(ctx, b)
}

func (c *Coordinator) setBeacon(b *proof.Beacon) {
	c.mu.Lock()
	if c.beacon != nil && c.beacon.Epoch+1 == b.Epoch {
		c.prevBeacon = c.beacon
	} else if c.beacon == nil || c.beacon.Epoch != b.Epoch {
		c.prevBeacon = nil
	}
	c.beacon = b
	c.mu.Unlock()
	c.topic.SetEpoch(b.Epoch)
}

// currentBeacon is the beacon of the epoch under way, or nil.
func (c *Coordinator) currentBeacon() *proof.Beacon {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.beacon
}

func (c *Coordinator) publishBeacon(ctx context.Context, b *proof.Beacon) error {
	// A publish fails only when the topic is closed or ctx ends; a
	// network with no peers yet simply hears nothing.
	if err := c.topic.Publish(ctx, gossip.KindBeacon, b.Epoch, b.Marshal()); err != nil && ctx.Err() == nil {
		c.log.Warn("publish beacon", "epoch", b.Epoch, "err", err)
	}
	c.log.Debug("beacon", "epoch", b.Epoch)
	return nil
}

// closeEpoch counts epoch e as missed for every node that did not prove
// it. A node's record says which epoch was last settled for it, so an
// epoch is settled once.
func (c *Coordinator) closeEpoch(e uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := new(leveldb.Batch)
	err := c.state.nodes(func(p peer.ID, r nodeRecord) error {
		if r.Closed >= e || r.Rep.FirstEpoch > e {
			return nil
		}
		ok, err := c.state.proved(e, p)
		if err != nil {
			return err
		}
		if !ok {
			r.Rep.Reach(c.cfg.Reputation, false, true)
			c.metrics.missed.Inc()
			c.log.Info("node missed an epoch", "node", p, "epoch", e, "state", r.Rep.State)
		}
		r.Closed = e
		putNode(b, p, r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("coordinator: close epoch %d: %w", e, err)
	}
	return c.state.write(b)
}
