//go:build race

package coordinator_test

import "time"

// testEpoch is 2 s under the race detector: a coordinator and six nodes
// proving 16 samples each take more than a 1 s epoch of two cores there,
// and a test of detection must not measure a starved machine.
const testEpoch = 2 * time.Second
