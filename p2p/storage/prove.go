package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/internal/wait"
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

// prove answers every beacon with a proof until ctx ends. Two paths bring
// beacons to one answering loop: gossip (hearGossip) and, when none is
// heard in time, the coordinator itself (catchUp, catchup.go). Each epoch
// is answered at most once, whichever path brought its beacon first, and
// a beacon older than the last answered is dropped: a second proof of an
// epoch would be an equivocation on the topic.
func (s *Storage) prove(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.hearGossip(ctx) })
	g.Go(func() error { return s.catchUp(ctx) })
	g.Go(func() error { s.answerEach(ctx); return nil })
	return g.Wait()
}

// heardBeacon is a verified beacon on its way to the answering loop.
type heardBeacon struct {
	b     *proof.Beacon
	asked bool // from the coordinator, not gossip
}

// hearGossip hands every beacon the topic accepted (its validator
// verified it) to the answering loop until ctx ends.
func (s *Storage) hearGossip(ctx context.Context) error {
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
		s.noteHeard(b)
		if !s.hand(ctx, heardBeacon{b: b}) {
			return nil
		}
	}
}

// noteHeard records b as the newest beacon heard unless a newer one was,
// and reports whether it was newer.
func (s *Storage) noteHeard(b *proof.Beacon) bool {
	for {
		old := s.heard.Load()
		if old != nil && old.Epoch >= b.Epoch {
			return false
		}
		if s.heard.CompareAndSwap(old, b) {
			return true
		}
	}
}

// hand gives h to the answering loop; false when ctx ended first.
func (s *Storage) hand(ctx context.Context, h heardBeacon) bool {
	select {
	case s.beaconc <- h:
		return true
	case <-ctx.Done():
		return false
	}
}

// answerEach answers the beacons handed to it, each epoch once and never
// one older than the last answered, until ctx ends. Only this loop
// answers, so answers never overlap.
func (s *Storage) answerEach(ctx context.Context) {
	var answered uint64
	first := true
	for {
		var h heardBeacon
		select {
		case <-ctx.Done():
			return
		case h = <-s.beaconc:
		}
		if !first && h.b.Epoch <= answered {
			s.counts.skipped.Add(1)
			continue
		}
		first, answered = false, h.b.Epoch
		if h.asked {
			s.counts.asked.Add(1)
		} else {
			s.counts.gossip.Add(1)
		}
		s.answer(ctx, h.b)
	}
}

// answer proves b's epoch, publishes the proof, counts it and notes the
// outcome in the status file. A beacon it cannot answer (the store
// failed) is logged and skipped: the node misses that epoch, which costs
// reachability, not reputation for loss.
func (s *Storage) answer(ctx context.Context, b *proof.Beacon) {
	out, err := s.prover.Prove(ctx, b)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("cannot prove this epoch", "epoch", b.Epoch, "err", err)
			s.noteStatus(b.Epoch, fmt.Errorf("prove: %w", err))
		}
		return
	}
	s.awaitTopicPeers(ctx)
	if err := s.topic.Publish(ctx, gossip.KindProof, b.Epoch, out); err != nil && ctx.Err() == nil {
		s.log.Warn("publish proof", "epoch", b.Epoch, "err", err)
		s.proofs.Add(1) // counted as before: made and handed to gossip
		s.noteStatus(b.Epoch, fmt.Errorf("publish: %w", err))
		return
	}
	s.proofs.Add(1)
	s.noteStatus(b.Epoch, nil)
	if s.repair != nil {
		s.repair.kick(b.Epoch)
	}
}

// publishWait bounds how long a proof waits for a mesh peer.
const publishWait = 10 * time.Second

// awaitTopicPeers waits, up to publishWait, until the node has a peer in
// its gossip mesh to send to. A node that learned its beacon from the
// coordinator may be so new that its mesh is still empty: gossipsub
// without flood publishing (package gossip turns it off: proofs are
// large) sends a node's own message to its mesh peers only, and a topic
// the node has joined has a mesh even while it is empty, so a proof
// published then goes to no one, however many peers the topic knows.
// The mesh fills at the next heartbeat (a second) after a subscriber is
// known. Seen under load: a late node's proof, published 12 ms after its
// beacon came and 300 ms before its first graft, never left it.
func (s *Storage) awaitTopicPeers(ctx context.Context) {
	meshed := func() bool { return len(s.n.Gossip().Mesh()) > 0 }
	if meshed() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, publishWait)
	defer cancel()
	if err := wait.For(ctx, func() error {
		if !meshed() {
			return errors.New("no peer in the gossip mesh")
		}
		return nil
	}); err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		s.log.Warn("publishing a proof with no peer in the gossip mesh", "waited", publishWait, "topic peers", len(s.topic.Peers()))
	}
}

// noteStatus rewrites the status file after the beacon of epoch.
func (s *Storage) noteStatus(epoch uint64, err error) {
	c, _ := s.prover.Committed()
	if werr := s.status.note(epoch, s.proofs.Load(), c.Count, c.Bytes, err); werr != nil {
		s.log.Warn("write the status file", "err", werr)
	}
}
