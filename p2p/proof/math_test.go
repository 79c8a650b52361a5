package proof

import (
	"math"
	"testing"
)

func TestCatchProbability(t *testing.T) {
	for _, tc := range []struct {
		f         float64
		c, epochs int
		want      float64
	}{
		{0, 4, 10, 0},
		{1, 4, 1, 1},
		{0.5, 1, 1, 0.5},
		{0.5, 2, 1, 0.75},
		{0.01, 4, 1, 1 - math.Pow(0.99, 4)},
		{0.01, 4, 100, 1 - math.Pow(0.99, 400)},
		{0.001, 4, 24 * 30, 1 - math.Pow(0.999, 4*24*30)},
	} {
		if got := CatchProbability(tc.f, tc.c, tc.epochs); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("CatchProbability(%g, %d, %d) = %g, want %g", tc.f, tc.c, tc.epochs, got, tc.want)
		}
	}
	// One chunk lost of 10,000, 4 samples an hour: how long to be 99% sure.
	n := EpochsToCatch(1e-4, 4, 0.99)
	if CatchProbability(1e-4, 4, n) < 0.99 || CatchProbability(1e-4, 4, n-1) >= 0.99 {
		t.Fatalf("EpochsToCatch = %d is not the least", n)
	}
	t.Logf("1 chunk in 10,000 lost, 4 samples an epoch: 99%% caught within %d epochs", n)
}
