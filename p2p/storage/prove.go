package storage

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/gossip"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
)

// joinTopic joins the network's gossip topic: beacons verified as the
// coordinator's, proofs verified against the CA (every node checks every
// proof it relays: the audit is public), and makes the prover.
func (s *Storage) joinTopic() error {
	t, err := gossip.Join(s.n.Gossip())
	if err != nil {
		return fmt.Errorf("join the gossip topic: %w", err)
	}
	s.topic = t
	opts := s.proofOpts()
	if err := t.RegisterValidator(gossip.KindBeacon, beaconValidator(opts, s.log)); err != nil {
		return err
	}
	if err := t.RegisterValidator(gossip.KindProof, proofValidator(opts, s.log)); err != nil {
		return err
	}
	if s.beacons, err = t.Subscribe(gossip.KindBeacon); err != nil {
		return fmt.Errorf("subscribe to beacons: %w", err)
	}
	if err := t.Relay(); err != nil {
		return fmt.Errorf("relay proofs: %w", err)
	}
	return nil
}

// beaconValidator accepts beacons the network's coordinator signed for
// the epoch their envelope names.
func beaconValidator(opts proof.Options, log *slog.Logger) gossip.Validator {
	return func(_ context.Context, author peer.ID, epoch uint64, payload []byte) gossip.Verdict {
		b, err := proof.VerifyBeacon(payload, opts)
		if err == nil && b.Epoch != epoch {
			err = fmt.Errorf("beacon of epoch %d sent as epoch %d", b.Epoch, epoch)
		}
		if err != nil {
			log.Debug("beacon refused", "author", author, "err", err)
			return gossip.Reject
		}
		return gossip.Accept
	}
}

// proofValidator accepts proofs made by a member node for the epoch their
// envelope names, under a beacon of the coordinator (proof.VerifyAuthor).
// It does not check the samples: every node checking every proof costs
// N² sample verifications an epoch, where the coordinator's one Verify
// per proof is what counts (anyone may still check any proof in full:
// `scatterbytes proof verify`). A forged proof goes nowhere; one with
// wrong samples is signed by its author, who answers for it.
func proofValidator(opts proof.Options, log *slog.Logger) gossip.Validator {
	return func(_ context.Context, author peer.ID, epoch uint64, payload []byte) gossip.Verdict {
		node, e, err := proof.VerifyAuthor(payload, opts)
		if err != nil || node != author || e != epoch {
			log.Debug("proof refused", "author", author, "epoch", epoch, "err", err)
			return gossip.Reject
		}
		return gossip.Accept
	}
}

func (s *Storage) proofOpts() proof.Options {
	o := proof.Options{Network: s.n.Profile().Name, CRL: s.n.CRL}
	if !s.n.Profile().Open {
		o.CA, _ = s.n.Profile().CACert()
	}
	if id, err := peer.Decode(s.n.Profile().Coordinator); err == nil {
		o.Coordinator = id
	}
	return o
}

// prove answers every beacon with a proof until ctx ends. A beacon it
// cannot answer (the store failed) is logged and skipped: the node misses
// that epoch, which costs reachability, not reputation for loss.
func (s *Storage) prove(ctx context.Context) error {
	defer s.beacons.Cancel()
	for {
		m, err := s.beacons.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("beacons: %w", err)
		}
		b, err := proof.UnmarshalBeacon(m.Payload)
		if err != nil {
			continue // the validator accepted it: cannot happen
		}
		out, err := s.prover.Prove(ctx, b)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("cannot prove this epoch", "epoch", b.Epoch, "err", err)
				s.noteStatus(b.Epoch, fmt.Errorf("prove: %w", err))
			}
			continue
		}
		if err := s.topic.Publish(ctx, gossip.KindProof, b.Epoch, out); err != nil && ctx.Err() == nil {
			s.log.Warn("publish proof", "epoch", b.Epoch, "err", err)
			s.proofs.Add(1) // counted as before: made and handed to gossip
			s.noteStatus(b.Epoch, fmt.Errorf("publish: %w", err))
			continue
		}
		s.proofs.Add(1)
		s.noteStatus(b.Epoch, nil)
		if s.repair != nil {
			s.repair.kick(b.Epoch)
		}
	}
}

// noteStatus rewrites the status file after the beacon of epoch.
func (s *Storage) noteStatus(epoch uint64, err error) {
	c, _ := s.prover.Committed()
	if werr := s.status.note(epoch, s.proofs.Load(), c.Count, c.Bytes, err); werr != nil {
		s.log.Warn("write the status file", "err", werr)
	}
}
