package dash_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/dash"
)

func TestHistoryEpochsFillsTheMissed(t *testing.T) {
	h, err := dash.OpenHistory(filepath.Join(t.TempDir(), "h"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, e := range []dash.Epoch{{Epoch: 3, Passed: 1}, {Epoch: 4, Missed: 1, Result: "prove_failed"}, {Epoch: 6, Passed: 1}} {
		if err := h.NoteEpoch(e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := h.Epochs(10)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range got {
		mark := "ok"
		if e.Missed > 0 {
			mark = "x"
		}
		fmt.Fprintf(&b, "%d%s ", e.Epoch, mark)
	}
	// Nothing before epoch 3 (the node's first), epoch 5 unheard: missed.
	if b.String() != "3ok 4x 5x 6ok " {
		t.Fatalf("epochs %q", b.String())
	}
	if got, _ := h.Epochs(2); len(got) != 2 || got[0].Epoch != 5 {
		t.Fatalf("last two: %+v", got)
	}
}

func TestHistorySamplesThinAndPrune(t *testing.T) {
	h, err := dash.OpenHistory(filepath.Join(t.TempDir(), "h"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	start := time.Now().Add(-40 * 24 * time.Hour)
	for i := range 100 {
		if err := h.Add(dash.Sample{At: start.Add(time.Duration(i) * 10 * time.Hour), Used: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := h.Samples(time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 100 samples 10 h apart span 41 days; only the last 30 are kept.
	if n := len(all); n < 70 || n > 74 || all[len(all)-1].Used != 99 {
		t.Fatalf("%d samples kept, last %+v", n, all[len(all)-1])
	}
	few, _ := h.Samples(time.Time{}, 5)
	if len(few) != 5 || few[0].Used != all[0].Used || few[4].Used != 99 {
		t.Fatalf("thinned: %+v", few)
	}
}
