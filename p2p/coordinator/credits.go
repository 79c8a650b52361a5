package coordinator

import (
	"context"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Ledger is where the coordinator credits proven storage (package
// payments/ledger). Credit must be idempotent per (node, epoch): the
// coordinator hands a credit over again after a crash between the two
// writes, and the ledger must count it once. It returns the millisatoshi
// the node earned by that credit, the same however often it is handed
// over: the coordinator adds it to the node's record in the batch that
// empties the outbox entry, so the record counts it once too.
type Ledger interface {
	Credit(ctx context.Context, node peer.ID, epoch uint64, provenBytes uint64, length time.Duration, payout string) (uint64, error)
}

// flushCredits hands the outbox to the ledger, oldest first, and removes
// each entry the ledger holds. Without a ledger the outbox keeps growing
// until one is configured: nothing earned is lost.
func (c *Coordinator) flushCredits(ctx context.Context) error {
	if c.cfg.Ledger == nil {
		return nil
	}
	cs, err := c.state.credits()
	if err != nil {
		return err
	}
	for _, cr := range cs {
		msat, err := c.cfg.Ledger.Credit(ctx, cr.Node, cr.Epoch, cr.Bytes, time.Duration(cr.Length), cr.Payout)
		if err != nil {
			return err
		}
		if err := c.addEarned(cr, msat); err != nil {
			return err
		}
	}
	return nil
}

// addEarned removes a credit from the outbox and adds what it earned to
// the node's record, in one batch.
func (c *Coordinator) addEarned(cr credit, msat uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, _, err := c.state.node(cr.Node)
	if err != nil {
		return err
	}
	r.Earned += msat
	b := newBatch()
	putNode(b, cr.Node, r)
	b.Delete(epochKey(pfxCredit, cr.Epoch, cr.Node))
	return c.state.write(b)
}
