package proof

import "fmt"

// Expect is what a checker with history (the coordinator) knows when a
// proof arrives; Result.Check compares the two. Verify cannot: it sees
// the message alone.
type Expect struct {
	// Epoch is the current epoch: a proof of any other is a replay or
	// too late.
	Epoch uint64
	// Beacon is the Hash of the beacon published for Epoch; zero skips
	// the check.
	Beacon [32]byte
	// Committed is the Next commitment recorded from this node's last
	// proof (of Epoch-1, or earlier if the node missed beacons), received
	// before the beacon of Epoch went out; nil if none was.
	Committed *Commitment
}

// Check refuses a verified proof that does not follow the history x
// states: ErrStale, ErrWrongBeacon, ErrCommitmentChanged (the node's
// inventory changed after it committed, or it dropped its commitment),
// ErrUnrecorded (it proves a commitment no one recorded in time). A
// first proof (no commitment) with nothing recorded passes and proves 0
// bytes. One proof per node per epoch is the caller's rule: Check has no
// memory.
func (r *Result) Check(x Expect) error {
	switch {
	case r.Epoch != x.Epoch:
		return fmt.Errorf("proof of %s: %w: epoch %d, the current one is %d", r.Node, ErrStale, r.Epoch, x.Epoch)
	case x.Beacon != [32]byte{} && r.Beacon != x.Beacon:
		return fmt.Errorf("proof of %s: %w for epoch %d", r.Node, ErrWrongBeacon, r.Epoch)
	case x.Committed == nil && r.Committed != nil:
		return fmt.Errorf("proof of %s: %w: %v", r.Node, ErrUnrecorded, r.Committed)
	case !x.Committed.Equal(r.Committed):
		return fmt.Errorf("proof of %s: %w: proves %v, recorded %v", r.Node, ErrCommitmentChanged, r.Committed, x.Committed)
	}
	return nil
}
