//go:build !race

package coordinator_test

import "time"

// testEpoch is the epoch of the proving tests (see epoch_race_test.go).
const testEpoch = time.Second
