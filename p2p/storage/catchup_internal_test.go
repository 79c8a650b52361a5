package storage

import (
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/proof"
)

// TestCatchUpTimes: when a node counts itself behind, and how often it
// asks while it is.
func TestCatchUpTimes(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	beacon := func(length time.Duration) *proof.Beacon { return &proof.Beacon{Start: t0, Length: length} }
	for _, tc := range []struct {
		name   string
		heard  *proof.Beacon
		length time.Duration // the profile's epoch
		behind time.Time
		retry  time.Duration
	}{
		{"none heard, 2 s epochs", nil, 2 * time.Second, t0.Add(500 * time.Millisecond), 2 * time.Second},
		{"none heard, hour epochs", nil, time.Hour, t0.Add(graceMax), catchUpEvery},
		{"heard, 1 s epochs", beacon(time.Second), time.Hour, t0.Add(time.Second + 250*time.Millisecond), time.Second},
		{"heard, hour epochs", beacon(time.Hour), time.Second, t0.Add(time.Hour + graceMax), catchUpEvery},
		{"no epoch length", nil, 0, t0, catchUpEvery},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Started at t0 when nothing was heard.
			if got := behindAt(tc.heard, t0, tc.length); !got.Equal(tc.behind) {
				t.Errorf("behind at %v, want %v", got.Sub(t0), tc.behind.Sub(t0))
			}
			if got := retryAfter(tc.heard, tc.length); got != tc.retry {
				t.Errorf("asks every %v, want %v", got, tc.retry)
			}
		})
	}
}
