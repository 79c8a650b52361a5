package reputation

import (
	"math/rand/v2"
	"testing"
)

// simulate audits a node that fails each audit with probability f until it
// is disqualified or audits run out; it returns the audit count at
// disqualification, or 0.
func simulate(p Params, f float64, audits int, r *rand.Rand) int {
	n := New(p, 0)
	for i := 1; i <= audits; i++ {
		n.Audit(p, uint64(i), r.Float64() >= f)
		if n.State == Disqualified {
			return i
		}
	}
	return 0
}

func TestLossTwoPercentNeverDisqualified(t *testing.T) {
	p := DefaultParams()
	r := rand.New(rand.NewPCG(1, 2))
	for run := range 1000 {
		if at := simulate(p, 0.02, 10_000, r); at != 0 {
			t.Fatalf("run %d: a node losing 2%% was disqualified after %d audits", run, at)
		}
	}
}

func TestLossTenPercentDisqualified(t *testing.T) {
	p := DefaultParams()
	r := rand.New(rand.NewPCG(3, 4))
	mean := EpochsToDisqualify(p, 0.10) * p.Samples
	lo, hi := 1<<30, 0
	for run := range 1000 {
		at := simulate(p, 0.10, 10_000, r)
		if at == 0 {
			t.Fatalf("run %d: a node losing 10%% was not disqualified in 10,000 audits", run)
		}
		lo, hi = min(lo, at), max(hi, at)
	}
	// The mean crossing (≈510 audits) sits inside the spread, and the spread
	// stays within twice it: the bound the network test uses.
	if lo > mean || hi < mean-p.Samples || hi > 2*mean {
		t.Fatalf("10%% loss disqualified after %d..%d audits; mean crossing %d", lo, hi, mean)
	}
	t.Logf("10%% loss: disqualified after %d..%d audits (mean crossing %d, %d epochs of %d samples)",
		lo, hi, mean, EpochsToDisqualify(p, 0.10), p.Samples)
}

func TestEpochsToDisqualify(t *testing.T) {
	p := DefaultParams()
	for _, tc := range []struct {
		f    float64
		want int
	}{
		{0.02, 0}, {0.04, 0}, {0.10, 32}, {1, 3},
	} {
		if got := EpochsToDisqualify(p, tc.f); got != tc.want {
			t.Errorf("EpochsToDisqualify(%v) = %d, want %d", tc.f, got, tc.want)
		}
	}
}

func TestVettingAndFinalDisqualification(t *testing.T) {
	p := DefaultParams()
	p.VetAudits = 3
	n := New(p, 7)
	for i := range 2 {
		n.Audit(p, uint64(i), true)
	}
	if n.State != Vetting {
		t.Fatalf("after 2 passed audits: %v, want vetting", n.State)
	}
	n.Audit(p, 3, true)
	if n.State != Vetted {
		t.Fatalf("after 3 passed audits: %v, want vetted", n.State)
	}
	for i := 0; n.State != Disqualified; i++ {
		if i > 100 {
			t.Fatalf("100 failed audits in a row left the node %v (score %.3f)", n.State, n.AuditScore())
		}
		n.Audit(p, 10, false)
	}
	if n.AuditsFailed != 41 {
		t.Errorf("disqualified after %d failures from a perfect score, want 41 (Storj's figure)", n.AuditsFailed)
	}
	for range 1000 {
		n.Audit(p, 11, true)
		n.Reach(p, true, true)
	}
	if n.State != Disqualified || n.DisqualifiedEpoch != 10 {
		t.Fatalf("disqualification must be final: %v since %d", n.State, n.DisqualifiedEpoch)
	}
}

func TestSuspensionIsNotLoss(t *testing.T) {
	p := DefaultParams()
	p.VetAudits = 1
	n := New(p, 0)
	n.Audit(p, 0, true)
	missed := 0
	for n.State != Suspended {
		n.Reach(p, false, true)
		missed++
		if missed > 100 {
			t.Fatal("100 missed epochs did not suspend the node")
		}
	}
	if missed < 5 || n.AuditScore() != 1 {
		t.Fatalf("suspended after %d missed epochs with audit score %v; want several and an untouched audit score", missed, n.AuditScore())
	}
	if n.State.Paid() {
		t.Fatal("a suspended node is paid")
	}
	for n.State == Suspended {
		n.Reach(p, true, true)
	}
	if n.State != Vetted {
		t.Fatalf("reinstated as %v, want vetted (it had passed its vetting audits)", n.State)
	}
	if up := n.Uptime(); up <= 0 || up >= 1 {
		t.Fatalf("uptime %v after missed and proven epochs", up)
	}
}

func TestStateText(t *testing.T) {
	for s := Vetting; s <= Disqualified; s++ {
		b, _ := s.MarshalText()
		var back State
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Fatalf("%v round-trips to %v, %v", s, back, err)
		}
	}
	if _, err := ParseState("happy"); err == nil {
		t.Fatal("an unknown state parsed")
	}
}

// TestSuspendAfter: a node with a perfect record is suspended after
// exactly n missed epochs.
func TestSuspendAfter(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10} {
		p := DefaultParams()
		p.SuspendAfter(n)
		if err := p.Validate(); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		r := New(p, 1)
		for i := 1; i <= n; i++ {
			if r.State == Suspended {
				t.Fatalf("n=%d: suspended after %d misses", n, i-1)
			}
			r.Reach(p, false, true)
		}
		if r.State != Suspended {
			t.Fatalf("n=%d: not suspended after %d misses (score %.3f)", n, n, r.ReachScore())
		}
	}
}
