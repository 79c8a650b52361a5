//go:build race

package chunk_test

// raceEnabled: the race detector slows the data path about tenfold, so
// the abuse test moves a smaller legitimate file under it.
const raceEnabled = true
