package reputation

import (
	"errors"
	"fmt"
	"math"
)

// State is a node's standing.
type State uint8

// The states, in the order a node normally moves through them. Suspended
// and Disqualified carry no data: placement skips them.
const (
	Vetting State = iota
	Vetted
	Suspended
	Disqualified
)

var stateNames = [...]string{"vetting", "vetted", "suspended", "disqualified"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// ParseState is the inverse of String.
func ParseState(s string) (State, error) {
	for i, n := range stateNames {
		if n == s {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("reputation: unknown state %q", s)
}

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's name.
func (s *State) UnmarshalText(b []byte) error {
	v, err := ParseState(string(b))
	*s = v
	return err
}

// Params are the reputation parameters; the package doc derives the
// defaults.
type Params struct {
	AuditLambda     float64 // forgetting factor of the audit score
	DisqualifyBelow float64 // audit score under which a node is disqualified
	ReachLambda     float64 // forgetting factor of the reachability score
	SuspendBelow    float64 // reachability score under which a node is suspended
	ReinstateAbove  float64 // reachability score over which it is reinstated
	VetAudits       uint64  // audits passed before a node is vetted
	Samples         int     // audits per proof, for EpochsToDisqualify
}

// DefaultParams are Storj's audit parameters and a reachability score that
// suspends after about ten missed epochs in a row from a perfect record.
func DefaultParams() Params {
	return Params{
		AuditLambda: 0.999, DisqualifyBelow: 0.96,
		ReachLambda: 0.95, SuspendBelow: 0.6, ReinstateAbove: 0.8,
		VetAudits: 100, Samples: 16,
	}
}

// SuspendAfter sets ReachLambda so that a node with a perfect record is
// suspended after n missed epochs in a row (n >= 1), no sooner: from a
// perfect record the score after n misses is λ^n, so λ is chosen with
// λ^(n-1) >= SuspendBelow > λ^n. Testnets use it to repair within
// seconds; DefaultParams' λ = 0.95 is n = 10.
func (p *Params) SuspendAfter(n int) {
	p.ReachLambda = math.Pow(p.SuspendBelow, 1/(float64(n)-0.5))
}

// Validate reports the first parameter out of range.
func (p Params) Validate() error {
	switch {
	case !(p.AuditLambda > 0 && p.AuditLambda < 1), !(p.ReachLambda > 0 && p.ReachLambda < 1):
		return errors.New("reputation: forgetting factors must be in (0, 1)")
	case !(p.DisqualifyBelow > 0 && p.DisqualifyBelow < 1):
		return errors.New("reputation: the disqualification cut must be in (0, 1)")
	case !(p.SuspendBelow > 0 && p.SuspendBelow <= p.ReinstateAbove && p.ReinstateAbove < 1):
		return errors.New("reputation: want 0 < SuspendBelow <= ReinstateAbove < 1")
	case p.Samples < 1:
		return errors.New("reputation: at least one sample per proof")
	}
	return nil
}

// Node is one node's reputation record. The zero value is not ready: make
// one with New.
type Node struct {
	State        State   `json:"state"`
	AuditAlpha   float64 `json:"audit_alpha"`
	AuditBeta    float64 `json:"audit_beta"`
	ReachAlpha   float64 `json:"reach_alpha"`
	ReachBeta    float64 `json:"reach_beta"`
	Audits       uint64  `json:"audits"`
	AuditsFailed uint64  `json:"audits_failed"`
	// FirstEpoch is the epoch of the node's first proof; EpochsProven and
	// EpochsMissed count epochs since then.
	FirstEpoch   uint64 `json:"first_epoch"`
	EpochsProven uint64 `json:"epochs_proven"`
	EpochsMissed uint64 `json:"epochs_missed"`
	// DisqualifiedEpoch is when it was disqualified (State Disqualified).
	DisqualifiedEpoch uint64 `json:"disqualified_epoch,omitempty"`
}

// New returns the record of a node first seen proving in epoch.
func New(p Params, epoch uint64) Node {
	return Node{
		State:      Vetting,
		AuditAlpha: 1 / (1 - p.AuditLambda),
		ReachAlpha: 1 / (1 - p.ReachLambda),
		FirstEpoch: epoch,
	}
}

// AuditScore is α/(α+β) of the audit score, 1 for a perfect record.
func (n *Node) AuditScore() float64 { return ratio(n.AuditAlpha, n.AuditBeta) }

// ReachScore is the reachability score, 1 for a perfect record.
func (n *Node) ReachScore() float64 { return ratio(n.ReachAlpha, n.ReachBeta) }

// Uptime is the share of epochs since the first proof that were proven.
func (n *Node) Uptime() float64 {
	seen := n.EpochsProven + n.EpochsMissed
	if seen == 0 {
		return 0
	}
	return float64(n.EpochsProven) / float64(seen)
}

func ratio(a, b float64) float64 {
	if a+b == 0 {
		return 0
	}
	return a / (a + b)
}

// Audit records one audit in epoch and moves the state.
func (n *Node) Audit(p Params, epoch uint64, passed bool) {
	if n.State == Disqualified {
		return
	}
	n.Audits++
	n.AuditAlpha *= p.AuditLambda
	n.AuditBeta *= p.AuditLambda
	if passed {
		n.AuditAlpha++
	} else {
		n.AuditBeta++
		n.AuditsFailed++
	}
	if n.AuditScore() < p.DisqualifyBelow {
		n.State, n.DisqualifiedEpoch = Disqualified, epoch
		return
	}
	if n.State == Vetting && n.Audits-n.AuditsFailed >= p.VetAudits {
		n.State = Vetted
	}
}

// Reach records whether the node was reachable: an epoch proven or missed,
// a spot check answered or not. proven counts the epoch toward uptime
// (false for spot checks, which are not epochs).
func (n *Node) Reach(p Params, ok, epoch bool) {
	if n.State == Disqualified {
		return
	}
	if epoch {
		if ok {
			n.EpochsProven++
		} else {
			n.EpochsMissed++
		}
	}
	n.ReachAlpha *= p.ReachLambda
	n.ReachBeta *= p.ReachLambda
	if ok {
		n.ReachAlpha++
	} else {
		n.ReachBeta++
	}
	switch s := n.ReachScore(); {
	case n.State != Suspended && s < p.SuspendBelow:
		n.State = Suspended
	case n.State == Suspended && s > p.ReinstateAbove:
		n.State = Vetting
		if n.Audits-n.AuditsFailed >= p.VetAudits {
			n.State = Vetted
		}
	}
}

// Paid reports whether a node in this state earns for an epoch.
func (s State) Paid() bool { return s == Vetting || s == Vetted }

// EpochsToDisqualify bounds the epochs after which a node that lost
// fraction f of its chunks, from a perfect score, has its expected audit
// score under the cut: the mean score after t audits is 1−f+f·λ^t. It
// returns 0 when the mean never crosses (f too small) and divides the
// audits by p.Samples, rounding up.
func EpochsToDisqualify(p Params, f float64) int {
	if f <= 1-p.DisqualifyBelow {
		return 0
	}
	// 1−f+f·λ^t < cut  ⇔  λ^t < (cut−1+f)/f
	t := math.Log((p.DisqualifyBelow-1+f)/f) / math.Log(p.AuditLambda)
	audits := int(math.Ceil(t))
	return (audits + p.Samples - 1) / p.Samples
}
