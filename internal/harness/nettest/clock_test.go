package nettest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/wait"
)

func TestSteppedClock(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewSteppedClock(t0)
	if !c.SleepUntil(t.Context(), t0) {
		t.Fatal("SleepUntil(now) did not return at once")
	}
	woke := make(chan bool, 1)
	go func() { woke <- c.SleepUntil(t.Context(), t0.Add(time.Minute)) }()
	waitWaiting(t, c, 1)
	c.Set(t0.Add(-time.Hour)) // back: nothing moves
	c.Set(t0.Add(30 * time.Second))
	if got := c.Now(); !got.Equal(t0.Add(30 * time.Second)) {
		t.Fatalf("Now = %v after Set", got)
	}
	waitWaiting(t, c, 1) // still short of its deadline: still waiting
	select {
	case <-woke:
		t.Fatal("woke before its time")
	default:
	}
	c.Set(t0.Add(time.Minute))
	if n := c.Waiting(); n != 0 {
		t.Fatalf("Waiting = %d right after the Set that woke the sleeper", n)
	}
	if !<-woke {
		t.Fatal("SleepUntil reported that its time did not come")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if c.SleepUntil(ctx, t0.Add(time.Hour)) {
		t.Fatal("SleepUntil with a cancelled context reported its time came")
	}
}

func waitWaiting(t *testing.T, c *SteppedClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := wait.For(ctx, func() error {
		if got := c.Waiting(); got != n {
			return fmt.Errorf("%d waiting, want %d", got, n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
