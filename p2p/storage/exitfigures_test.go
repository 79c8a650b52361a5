package storage_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// TestExitFigures measures an exit at scale for the figures: 10
// nodes, a file of SB_EXIT_MIB MiB (64 by default) at 4+2, so a node
// holds about a tenth of 1.5 times that; the node with the most chunks
// exits while the file is read again and again. It reports the chunks
// and bytes handed over, the time and the epochs it took. Set
// SB_EXIT_FIGURES=1 to run it; it is not a test of correctness (the
// others are).
func TestExitFigures(t *testing.T) {
	if os.Getenv("SB_EXIT_FIGURES") == "" {
		t.Skip("set SB_EXIT_FIGURES=1 to measure an exit")
	}
	mib := 64
	if v := os.Getenv("SB_EXIT_MIB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		mib = n
	}
	r := newRepairNet(t, 10, 0.75)
	t0 := time.Now()
	data, ref, c := r.put(mib << 20)
	t.Logf("put %d MiB in %v", mib, time.Since(t0).Round(time.Millisecond))
	r.step()
	before, _ := r.held()
	var leaver *testnet.Peer
	for _, p := range r.net.Running()[1:] {
		if leaver == nil || countHeld(before, p) > countHeld(before, leaver) {
			leaver = p
		}
	}
	stop := readContinuously(t, c, ref, data)
	t0 = time.Now()
	rep, steps, err := exitStepping(t, r, leaver, nil)
	took := time.Since(t0)
	if err != nil {
		t.Fatal(err)
	}
	reads, failed := stop()
	if failed != nil {
		t.Fatalf("a read during the exit failed: %v", failed)
	}
	t.Logf("exit of %d chunks (%.1f MiB): %d sent (%.1f MiB) in %v, %d stepped epochs, %d rounds; %.1f MiB/s; %d whole reads of the file meanwhile",
		rep.Held, float64(rep.HeldBytes)/(1<<20), rep.Sent, float64(rep.SentBytes)/(1<<20), took.Round(time.Millisecond),
		steps, rep.Rounds, float64(rep.SentBytes)/(1<<20)/took.Seconds(), reads)
}
