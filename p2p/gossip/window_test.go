package gossip

import (
	"strconv"
	"testing"
	"time"
)

// fakeNow is a clock a test moves by hand.
type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time { return f.t }

func TestClockWindow(t *testing.T) {
	f := &fakeNow{t: time.Unix(1e9, 0)}
	c := &clock{length: time.Hour, now: f.now}
	if v := c.judge(KindProof, 5); v != Ignore {
		t.Fatalf("proof before any epoch is known: %s, want ignore", v)
	}
	if v := c.judge(KindBeacon, 5000); v != Accept {
		t.Fatalf("beacon before any epoch is known: %s, want accept", v)
	}
	c.advance(10)
	for _, tc := range []struct {
		name  string
		kind  Kind
		epoch uint64
		want  Verdict
	}{
		{"current", KindProof, 10, Accept},
		{"previous", KindProof, 9, Accept},
		{"stale", KindProof, 8, Ignore},
		{"ancient", KindProof, 0, Ignore},
		{"next", KindProof, 11, Accept},
		{"two ahead", KindProof, 12, Reject},
		{"beacon two ahead (its validator judges it)", KindBeacon, 12, Accept},
		{"far future", KindCRL, 1<<64 - 1, Reject},
	} {
		if got := c.judge(tc.kind, tc.epoch); got != tc.want {
			t.Errorf("%s: epoch %d at 10 = %s, want %s", tc.name, tc.epoch, got, tc.want)
		}
	}
	// A node that missed beacons: two epochs' time later, epoch 12 is on time.
	f.t = f.t.Add(2 * time.Hour)
	if v := c.judge(KindProof, 13); v != Accept {
		t.Errorf("epoch 13 two hours after 10 began: %s, want accept", v)
	}
	if v := c.judge(KindProof, 14); v != Reject {
		t.Errorf("epoch 14 two hours after 10 began: %s, want reject", v)
	}
	if c.advance(9) {
		t.Error("the epoch moved back")
	}
	if e, ok := c.current(); !ok || e != 10 {
		t.Errorf("current = %d, %v", e, ok)
	}
}

func TestRecords(t *testing.T) {
	var r records
	if got := r.claim("a", KindProof, 5, "m1"); got != claimed {
		t.Fatalf("first claim = %d", got)
	}
	if got := r.claim("a", KindProof, 5, "m1"); got != duplicate {
		t.Errorf("same message = %d, want duplicate", got)
	}
	if got := r.claim("a", KindProof, 5, "m2"); got != equivocates {
		t.Errorf("other message = %d, want equivocates", got)
	}
	for _, tc := range []struct {
		author string
		kind   Kind
		epoch  uint64
	}{{"b", KindProof, 5}, {"a", KindBeacon, 5}, {"a", KindProof, 6}} {
		if got := r.claim(tc.author, tc.kind, tc.epoch, "m3"); got != claimed {
			t.Errorf("claim %+v = %d, want claimed", tc, got)
		}
	}
	r.release("a", KindProof, 5, "m2") // not the holder: no effect
	if got := r.claim("a", KindProof, 5, "m2"); got != equivocates {
		t.Errorf("after a stranger's release = %d, want equivocates", got)
	}
	r.release("a", KindProof, 5, "m1")
	if got := r.claim("a", KindProof, 5, "m2"); got != claimed {
		t.Errorf("after release = %d, want claimed", got)
	}
	r.forget(8) // keeps 6 and later
	if n := r.len(); n != 1 {
		t.Errorf("after forget(8): %d records, want 1 (epoch 6)", n)
	}
}

func TestRecordsBounded(t *testing.T) {
	var r records
	for i := range maxRecords {
		if got := r.claim(strconv.Itoa(i), KindProof, uint64(i%3), "m"); got != claimed {
			t.Fatalf("claim %d = %d", i, got)
		}
	}
	if got := r.claim("one more", KindProof, 1, "m"); got != full {
		t.Fatalf("claim past the bound = %d, want full", got)
	}
	r.forget(3) // drops epoch 0
	if got := r.claim("one more", KindProof, 1, "m"); got != claimed {
		t.Fatalf("claim after forget = %d, want claimed", got)
	}
}
