// Package wait polls a condition until it holds or a context ends: the
// one way tests and start-up code wait for state instead of sleeping. Its
// Sleep is the pause of a retry loop that a context can cut short.
package wait

import (
	"context"
	"fmt"
	"time"
)

// For polls cond every 10 ms until it returns nil or ctx ends; then it
// returns the last error together with the context's.
func For(ctx context.Context, cond func() error) error {
	return Every(ctx, 10*time.Millisecond, cond)
}

// Every is For polling every d: for a condition that costs a round trip
// (a status query to another process) rather than a memory read.
func Every(ctx context.Context, d time.Duration, cond func() error) error {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%v)", err, ctx.Err())
		case <-tick.C:
		}
	}
}

// Sleep waits for d or until ctx ends, and reports whether the whole of d
// passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
