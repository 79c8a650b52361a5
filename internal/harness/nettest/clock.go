package nettest

import (
	"context"
	"sync"
	"time"
)

// SteppedClock is a clock that moves only when the test sets it: give it
// to a coordinator (coordinator.Config.Clock, which it satisfies without
// this package importing the coordinator) to step its epochs once what a
// test waits for has happened, so that a verdict never hangs on how fast
// the machine is. Safe for concurrent use.
type SteppedClock struct {
	mu      sync.Mutex
	now     time.Time
	moved   chan struct{}     // closed, and replaced, whenever now moves
	waiting map[int]time.Time // the deadline of each SleepUntil under way
	next    int
}

// NewSteppedClock returns a clock standing at start.
func NewSteppedClock(start time.Time) *SteppedClock {
	return &SteppedClock{now: start, moved: make(chan struct{}), waiting: map[int]time.Time{}}
}

// Now is the time the clock was last set to.
func (c *SteppedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// SleepUntil waits until the clock is set to t or later, or until ctx
// ends, and reports whether t came.
func (c *SteppedClock) SleepUntil(ctx context.Context, t time.Time) bool {
	c.mu.Lock()
	id := c.next
	c.next++
	c.waiting[id] = t
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
	}()
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

// Waiting counts the SleepUntil calls waiting for a time the clock has
// not reached. Right after Set it leaves out the sleepers Set woke, even
// before they run, so a test that waits for it to come back to the number
// of loops that sleep on the clock knows that each has done its step and
// is parked again.
func (c *SteppedClock) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.waiting {
		if c.now.Before(t) {
			n++
		}
	}
	return n
}
