package storage

import (
	"context"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/proof"
)

// CatchUpNow asks the coordinator for its beacon and hands it to the
// answering loop as the catch-up does when the node is behind, but
// whatever the node heard already: how a test makes one beacon arrive by
// both paths. It returns once the loop has taken the beacon.
func (s *Storage) CatchUpNow(ctx context.Context) error {
	b, err := s.askBeacon(ctx)
	if err != nil {
		return err
	}
	s.noteHeard(b)
	if !s.hand(ctx, heardBeacon{b: b, asked: true}) {
		return ctx.Err()
	}
	return nil
}

// HandBeacon verifies data as a beacon and hands it to the answering loop
// as the catch-up would.
func (s *Storage) HandBeacon(ctx context.Context, data []byte) error {
	b, err := proof.VerifyBeacon(data, s.proofOpts())
	if err != nil {
		return err
	}
	if !s.hand(ctx, heardBeacon{b: b, asked: true}) {
		return ctx.Err()
	}
	return nil
}

// SetExitPatienceMin sets the least time an exit gives a new holder to
// prove, until the returned func restores it.
func SetExitPatienceMin(d time.Duration) (restore func()) {
	old := exitPatienceMin
	exitPatienceMin = d
	return func() { exitPatienceMin = old }
}
