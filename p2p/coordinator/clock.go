package coordinator

import "time"

// clock cuts time into epochs of length from genesis: epoch n runs from
// genesis + n·length to genesis + (n+1)·length. The origin is kept in the
// state, so a restarted coordinator goes on counting where it was; epochs
// that passed while it was down had no beacon, so no node proved, missed
// or earned anything in them.
type clock struct {
	genesis time.Time
	length  time.Duration
}

// at returns the epoch under way at t (0 before genesis).
func (c clock) at(t time.Time) uint64 {
	if t.Before(c.genesis) {
		return 0
	}
	return uint64(t.Sub(c.genesis) / c.length)
}

// start returns when epoch n begins.
func (c clock) start(n uint64) time.Time {
	return c.genesis.Add(time.Duration(n) * c.length)
}
