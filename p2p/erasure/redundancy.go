package erasure

import (
	"fmt"
	"strconv"
	"strings"
)

// Bounds on redundancy.
const (
	MaxK      = 64
	MaxM      = 64
	MaxShards = 128
)

// Redundancy is a k+m setting: K data shards and M parity shards per stripe.
type Redundancy struct{ K, M int }

// ParseRedundancy parses "k+m", e.g. "4+2" or "1+2" (three mirrors).
func ParseRedundancy(s string) (Redundancy, error) {
	ks, ms, ok := strings.Cut(strings.TrimSpace(s), "+")
	if !ok {
		return Redundancy{}, fmt.Errorf("%w: %q is not of the form k+m, e.g. 4+2", ErrRedundancy, s)
	}
	k, err := strconv.Atoi(ks)
	if err != nil {
		return Redundancy{}, fmt.Errorf("%w: %q: k is not a number", ErrRedundancy, s)
	}
	m, err := strconv.Atoi(ms)
	if err != nil {
		return Redundancy{}, fmt.Errorf("%w: %q: m is not a number", ErrRedundancy, s)
	}
	r := Redundancy{K: k, M: m}
	return r, r.Validate()
}

// Validate checks the bounds 1 ≤ K ≤ 64, 0 ≤ M ≤ 64, K+M ≤ 128.
func (r Redundancy) Validate() error {
	switch {
	case r.K < 1 || r.K > MaxK:
		return fmt.Errorf("%w: %s: k must be between 1 and %d", ErrRedundancy, r, MaxK)
	case r.M < 0 || r.M > MaxM:
		return fmt.Errorf("%w: %s: m must be between 0 and %d", ErrRedundancy, r, MaxM)
	case r.K+r.M > MaxShards:
		return fmt.Errorf("%w: %s: k+m must be at most %d", ErrRedundancy, r, MaxShards)
	}
	return nil
}

// String returns "k+m".
func (r Redundancy) String() string { return fmt.Sprintf("%d+%d", r.K, r.M) }

// Shards returns K+M.
func (r Redundancy) Shards() int { return r.K + r.M }
