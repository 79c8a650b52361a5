package coordinator

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/syndtr/goleveldb/leveldb"

	"github.com/scatterbytes/scatterbytes/p2p/coordinator/reputation"
	"github.com/scatterbytes/scatterbytes/p2p/gossip"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// errNothingProven marks a proof whose commitment was not recorded in
// time through no proven fault of the node.
var errNothingProven = errors.New("nothing proven")

// maxSpot bounds the slices kept per node for spot checks.
const maxSpot = 4

// validateProof is the coordinator's validator of proof messages: a proof
// that verifies (its samples may fail: that is an audit result, and the
// public should see it) is accepted and its result kept for handleProof;
// anything else is rejected. It judges the message alone; history is
// handleProof's.
func (c *Coordinator) validateProof(_ context.Context, author peer.ID, epoch uint64, payload []byte) gossip.Verdict {
	res, err := proof.Verify(payload, c.proofOpts())
	c.metrics.observeProof(res)
	if res == nil {
		c.log.Debug("proof refused", "author", author, "err", err)
		return gossip.Reject
	}
	if res.Node != author || res.Epoch != epoch {
		return gossip.Reject
	}
	c.results.Store(sha256.Sum256(payload), res)
	return gossip.Accept
}

func (c *Coordinator) proofOpts() proof.Options {
	return proof.Options{Network: c.cfg.Node.Profile.Name, CA: c.caCert(), CRL: c.node.CRL, Coordinator: c.ID()}
}

// runProofs records every accepted proof until ctx ends.
func (c *Coordinator) runProofs(ctx context.Context, sub *gossip.Subscription) error {
	defer sub.Cancel()
	for {
		m, err := sub.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("coordinator: proofs: %w", err)
		}
		if m.Local {
			continue
		}
		key := sha256.Sum256(m.Payload)
		v, ok := c.results.LoadAndDelete(key)
		if !ok {
			continue // accepted before a restart of the validator: never credited twice, simply skipped
		}
		if err := c.recordProof(v.(*proof.Result)); err != nil {
			return err
		}
	}
}

// recordProof checks a verified proof against the node's history and
// records its audits, its next commitment and its credit in one batch.
// Nothing is credited twice: a node's second proof of an epoch is dropped,
// and the ledger credits each (node, epoch) once whatever it is handed.
func (c *Coordinator) recordProof(res *proof.Result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// A proof counts in its own epoch and, late, in the one after it.
	b := c.beacon
	if b != nil && res.Epoch != b.Epoch {
		b = c.prevBeacon
	}
	if b == nil || res.Epoch != b.Epoch {
		c.log.Debug("proof of another epoch dropped", "node", res.Node, "epoch", res.Epoch)
		return nil
	}
	e := res.Epoch
	if done, err := c.state.proved(e, res.Node); err != nil || done {
		return err
	}
	rec, known, err := c.state.node(res.Node)
	if err != nil {
		return err
	}
	p := c.cfg.Reputation
	if !known {
		rec = nodeRecord{Rep: reputation.New(p, e)}
	}
	var committed *proof.Commitment
	// A commitment answers the first beacon at or after its epoch (the
	// node or we paused past one) that went out after we recorded it. One
	// the node made after the one recorded came in a proof that never
	// reached us: unrecorded.
	if rec.Next != nil && rec.NextEpoch <= e && rec.NextAt < e {
		if committed, err = proof.UnmarshalCommitment(rec.Next); err != nil {
			return fmt.Errorf("coordinator: recorded commitment of %s: %w", res.Node, err)
		}
		if res.Committed != nil && res.Committed.Epoch > committed.Epoch {
			committed = nil
		}
	}
	pr := proofRecord{Chunks: res.Count, Samples: len(res.Samples), Failed: res.Failed()}
	err = res.Check(proof.Expect{Epoch: e, Beacon: b.Hash(), Committed: committed})
	switch {
	case errors.Is(err, proof.ErrStale), errors.Is(err, proof.ErrWrongBeacon):
		return nil
	case errors.Is(err, proof.ErrCommitmentChanged) && res.Committed == nil,
		errors.Is(err, proof.ErrUnrecorded):
		// A node that restarted lost the inventory it committed to and
		// proves nothing this epoch: it earns nothing for it, but a
		// restart is not loss.
		// The node's proof of the epoch before never reached us (it
		// missed it, or gossip lost it), so neither did the commitment
		// this one answers: it proves nothing and costs nothing; its
		// next commitment is recorded.
		pr = proofRecord{Chunks: res.Count}
		err = errNothingProven
	case err != nil:
		// The node proved an inventory other than the one it committed
		// to before the beacon: every sample counts as failed.
		c.log.Warn("proof over an inventory other than the committed one", "node", res.Node, "epoch", e, "err", err)
		for range max(len(res.Samples), b.Samples) {
			rec.Rep.Audit(p, e, false)
		}
		pr.Failed = max(len(res.Samples), b.Samples)
	default:
		for _, s := range res.Samples {
			rec.Rep.Audit(p, e, s.Err == nil)
		}
		if pr.Failed > 0 {
			c.log.Warn("node failed audits", "node", res.Node, "epoch", e, "failed", pr.Failed, "of", len(res.Samples),
				"score", rec.Rep.AuditScore(), "state", rec.Rep.State)
		}
	}
	rec.Rep.Reach(p, true, true)
	rec.Closed = max(rec.Closed, e)
	// Gossip may deliver a node's proofs out of order (two published a
	// moment apart take different paths): a proof older than the last
	// recorded counts for its own epoch, but the node's latest commitment
	// and epoch stay the newer proof's, or the record would go back.
	late := known && rec.LastEpoch > e
	if !late {
		rec.Next, rec.NextEpoch, rec.NextAt = res.Next.Marshal(), e+1, c.beacon.Epoch
		rec.LastEpoch, rec.Chunks = e, res.Count
		rec.Bytes = 0
	}
	if err == errNothingProven {
		err = nil
		if !late {
			rec.Spot = nil
		}
		batch := new(leveldb.Batch)
		putProof(batch, e, res.Node, pr)
		putNode(batch, res.Node, rec)
		return c.state.write(batch)
	}
	batch := new(leveldb.Batch)
	// The committed bytes are credited in proportion to the samples that
	// passed: sampling estimates the share of them the node can prove.
	if passed := len(res.Samples) - pr.Failed; err == nil && passed > 0 && rec.Rep.State.Paid() && res.Committed != nil {
		avail := uint32(uint64(passed) * ledger.FullAvailability / uint64(len(res.Samples)))
		if !late {
			rec.Bytes = res.Committed.Bytes
		}
		pr.Bytes, pr.Credit = res.Committed.Bytes, true
		putCredit(batch, credit{Node: res.Node, Epoch: e, Bytes: res.Committed.Bytes, Length: int64(b.Length),
			Payout: res.Payout, Availability: avail})
	}
	if !late {
		rec.Spot = spotTargets(res)
	}
	putProof(batch, e, res.Node, pr)
	putNode(batch, res.Node, rec)
	return c.state.write(batch)
}
