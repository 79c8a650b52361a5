package coordinator

import (
	"context"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/wait"
)

// Clock is what a coordinator tells the time by: when epochs begin, when
// they are settled, and when the spot checks run. Nil in Config is the
// wall clock. A test that asserts what happens in every epoch drives the
// epochs with a clock of its own, stepping it once every node has proved,
// so that its verdict never hangs on how fast the machine is.
type Clock interface {
	Now() time.Time
	// SleepUntil waits until t or until ctx ends, and reports whether t
	// came.
	SleepUntil(ctx context.Context, t time.Time) bool
}

// wallClock is the real time.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) SleepUntil(ctx context.Context, t time.Time) bool {
	return wait.Sleep(ctx, time.Until(t))
}

// clock cuts time into epochs of length from genesis: epoch n runs from
// genesis + n·length to genesis + (n+1)·length. The origin is kept in the
// state, so a restarted coordinator goes on counting where it was; epochs
// that passed while it was down had no beacon, so no node proved, missed
// or earned anything in them.
type clock struct {
	Clock
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

// now returns the epoch under way.
func (c clock) now() uint64 { return c.at(c.Now()) }

// start returns when epoch n begins.
func (c clock) start(n uint64) time.Time {
	return c.genesis.Add(time.Duration(n) * c.length)
}
