package shard

import "time"

// NeverHedge makes t's races never hedge: their timer never fires. A test
// that asserts which shards a fetch used (not how fast) needs it, since on
// a loaded machine any fetch can outlast three times the median.
func NeverHedge(t *Net) { t.clock = stillClock{} }

type stillClock struct{ realClock }

func (stillClock) After(time.Duration) <-chan time.Time { return nil }
