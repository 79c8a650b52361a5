package storage

import (
	"context"
	"sync"
	"time"
)

// SteppedClock is a clock that moves only when the test sets it: it
// drives the expiry sweep (Config.Clock) and, having the coordinator
// Clock's methods, the epochs too.
type SteppedClock struct {
	mu    sync.Mutex
	now   time.Time
	moved chan struct{} // closed, and replaced, whenever now moves
}

// NewSteppedClock returns a clock standing at t.
func NewSteppedClock(t time.Time) *SteppedClock {
	return &SteppedClock{now: t, moved: make(chan struct{})}
}

// Now implements Clock.
func (c *SteppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// SleepUntil implements Clock.
func (c *SteppedClock) SleepUntil(ctx context.Context, t time.Time) bool {
	for {
		c.mu.Lock()
		now, moved := c.now, c.moved
		c.mu.Unlock()
		if !now.Before(t) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-moved:
		}
	}
}

// Set moves the clock forward to t; an earlier t changes nothing.
func (c *SteppedClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
		close(c.moved)
		c.moved = make(chan struct{})
	}
}

// Add moves the clock forward by d.
func (c *SteppedClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }
