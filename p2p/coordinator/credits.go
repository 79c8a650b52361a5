package coordinator

import (
	"context"

	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// LedgerDir is the ledger's goleveldb database inside the coordinator's
// directory (package payments/ledger).
const LedgerDir = "ledger"

// flushCredits hands the outbox to the ledger in one batch, oldest first,
// and empties it. The ledger books each (node, epoch) once and returns the
// entry it holds for a pair handed over again (after a crash between its
// write and ours), so what the node record adds up is counted once too.
func (c *Coordinator) flushCredits(_ context.Context) error {
	cs, err := c.state.credits()
	if err != nil || len(cs) == 0 {
		return err
	}
	in := make([]ledger.Credit, len(cs))
	for i, cr := range cs {
		in[i] = ledger.Credit{Node: cr.Node, Epoch: cr.Epoch, ProvenBytes: cr.Bytes, Availability: cr.Availability, Payout: cr.Payout}
	}
	entries, _, err := c.ledger.CreditAll(in)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	b := newBatch()
	recs := map[string]nodeRecord{}
	for i, cr := range cs {
		r, ok := recs[string(cr.Node)]
		if !ok {
			if r, _, err = c.state.node(cr.Node); err != nil {
				return err
			}
		}
		r.Earned += entries[i].NodeMsat
		recs[string(cr.Node)] = r
		b.Delete(epochKey(pfxCredit, cr.Epoch, cr.Node))
	}
	for p, r := range recs {
		putNode(b, peerID(p), r)
	}
	return c.state.write(b)
}
