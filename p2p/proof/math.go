package proof

import "math"

// CatchProbability is the chance that a node which lost a fraction f of
// its committed chunks fails at least one sample within epochs epochs of
// c samples each: 1 − (1 − f)^(c·epochs). Samples are drawn with
// replacement, independently per epoch (see doc.go, "Sampling").
func CatchProbability(f float64, c, epochs int) float64 {
	switch {
	case f <= 0 || c <= 0 || epochs <= 0:
		return 0
	case f >= 1:
		return 1
	}
	return -math.Expm1(float64(c) * float64(epochs) * math.Log1p(-f))
}

// EpochsToCatch is how many epochs of c samples catch a node that lost a
// fraction f with probability at least p (0 < p < 1); -1 if never.
func EpochsToCatch(f float64, c int, p float64) int {
	if f <= 0 || c <= 0 || p <= 0 || p >= 1 {
		return -1
	}
	if f >= 1 {
		return 1
	}
	return int(math.Ceil(math.Log1p(-p) / (float64(c) * math.Log1p(-f))))
}
