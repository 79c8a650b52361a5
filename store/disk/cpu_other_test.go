//go:build !unix

package disk

import "time"

// cpuTime is zero where getrusage does not exist; the benchmarks then
// report no CPU figures.
func cpuTime() time.Duration { return 0 }
