package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
)

// Catching up: gossip never replays a beacon, so a node that starts
// within an epoch, or whose mesh was not formed when the coordinator
// published, hears nothing for that epoch. When no beacon newer than the
// last one heard has come a grace after that one's epoch ended (a grace
// after start when none has come at all), the node asks the coordinator
// for its current beacon (BEACON, package standing), verifies it as the
// gossip validator does and hands it to the answering loop like a
// gossiped one. While the coordinator has nothing newer (its next epoch is
// late, or it cannot be reached) the node asks again every catchUpEvery,
// at most once an epoch; while beacons come by gossip in time it never
// asks.
const (
	// catchUpEvery is the pause between two asks while the node is
	// behind.
	catchUpEvery = 3 * time.Second
	// graceMax bounds how long after an epoch's end the node waits for
	// the next beacon on gossip before it asks: a quarter of the epoch,
	// at most this.
	graceMax = 2 * time.Second
	// askTimeout bounds one BEACON request.
	askTimeout = 5 * time.Second
)

// BeaconCounts says how a node came by the beacons it answered.
type BeaconCounts struct {
	Gossip  int64 // answered as heard on gossip
	Asked   int64 // answered as the coordinator gave it, none heard in time
	Skipped int64 // dropped: of an epoch answered already, or older
}

// Beacons counts the beacons the node answered, by how they came, and
// those it dropped.
func (s *Storage) Beacons() BeaconCounts {
	return BeaconCounts{Gossip: s.counts.gossip.Load(), Asked: s.counts.asked.Load(), Skipped: s.counts.skipped.Load()}
}

// catchUp asks the coordinator for the beacon each time the node falls
// behind, until ctx ends. A profile that names no coordinator leaves the
// node with gossip alone.
func (s *Storage) catchUp(ctx context.Context) error {
	if s.n.Profile().CoordinatorID() == "" {
		return nil
	}
	length := time.Duration(s.n.Profile().Epoch)
	started := time.Now()
	var asked time.Time
	failing := false
	for {
		h := s.heard.Load()
		at := behindAt(h, started, length)
		if !asked.IsZero() {
			at = latest(at, asked.Add(retryAfter(h, length)))
		}
		if !wait.Sleep(ctx, time.Until(at)) {
			return nil
		}
		if s.heard.Load() != h {
			continue // a newer beacon came meanwhile
		}
		asked = time.Now()
		b, err := s.askBeacon(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil && !failing:
			failing = true
			s.log.Warn("no beacon heard in time, and the coordinator cannot be asked for it: asking again while behind", "err", err)
		case err != nil:
			s.log.Debug("ask the coordinator for its beacon", "err", err)
		case failing:
			failing = false
			s.log.Info("the coordinator answers for its beacon again")
		}
		if err != nil || !s.noteHeard(b) {
			continue // nothing newer than what the node heard: its next epoch has not begun
		}
		s.log.Info("no beacon heard in time: answering the one the coordinator gave", "epoch", b.Epoch)
		if !s.hand(ctx, heardBeacon{b: b, asked: true}) {
			return nil
		}
	}
}

// askBeacon asks the coordinator for its current beacon and verifies it
// as the gossip validator would. The topic then takes the beacon's epoch
// as current, as it does on an accepted gossiped beacon, so that the proof
// answering it is in the topic's window.
func (s *Storage) askBeacon(ctx context.Context) (*proof.Beacon, error) {
	coord := s.n.Profile().CoordinatorID()
	if coord == "" {
		return nil, errors.New("the profile names no coordinator to ask")
	}
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	data, err := standing.Beacon(ctx, s.n.Host(), coord, s.n.Profile().Protocol("standing", "1.0.0"))
	if err != nil {
		return nil, err
	}
	b, err := proof.VerifyBeacon(data, s.proofOpts())
	if err != nil {
		return nil, fmt.Errorf("the coordinator's beacon: %w", err)
	}
	s.topic.SetEpoch(b.Epoch)
	return b, nil
}

// behindAt is when the node is behind if it hears no beacon newer than h:
// a grace after h's epoch ends, or after the node started if it heard
// none (length is then the profile's epoch).
func behindAt(h *proof.Beacon, started time.Time, length time.Duration) time.Time {
	if h == nil {
		return started.Add(grace(length))
	}
	return h.End().Add(grace(h.Length))
}

// grace is how long after an epoch should begin its beacon may take on
// gossip.
func grace(length time.Duration) time.Duration { return min(length/4, graceMax) }

// retryAfter is the pause between two asks: catchUpEvery, or an epoch
// if that is shorter.
func retryAfter(h *proof.Beacon, length time.Duration) time.Duration {
	if h != nil {
		length = h.Length
	}
	if length <= 0 {
		return catchUpEvery
	}
	return min(catchUpEvery, length)
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
