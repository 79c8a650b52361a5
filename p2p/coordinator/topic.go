package coordinator

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/gossip"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
)

// joinTopic joins the network's gossip topic with the coordinator's
// validators: beacons only from itself, proofs verified against the CA.
func (c *Coordinator) joinTopic() error {
	t, err := gossip.Join(c.node.Gossip())
	if err != nil {
		return fmt.Errorf("coordinator: join the gossip topic: %w", err)
	}
	c.topic = t
	if err := t.RegisterValidator(gossip.KindBeacon, c.validateBeacon); err != nil {
		return err
	}
	if err := t.RegisterValidator(gossip.KindProof, c.validateProof); err != nil {
		return err
	}
	if c.proofs, err = t.Subscribe(gossip.KindProof); err != nil {
		return fmt.Errorf("coordinator: subscribe to proofs: %w", err)
	}
	return nil
}

// validateBeacon accepts the coordinator's own beacons only.
func (c *Coordinator) validateBeacon(_ context.Context, author peer.ID, epoch uint64, payload []byte) gossip.Verdict {
	if author != c.ID() {
		return gossip.Reject
	}
	b, err := proof.VerifyBeacon(payload, c.proofOpts())
	if err != nil || b.Epoch != epoch {
		return gossip.Reject
	}
	return gossip.Accept
}
