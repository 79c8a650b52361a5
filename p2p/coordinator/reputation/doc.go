// Package reputation keeps a storage node's standing with the coordinator:
// an audit score that only proven loss moves, a reachability score that
// missed epochs and failed dials move, vetting for newcomers, suspension
// and disqualification. It is arithmetic only: the coordinator feeds it the
// outcome of every audit and keeps the state in its database.
//
// # Audits and the audit score
//
// One audit is one sample of an availability proof (package p2p/proof), or
// one slice fetched by a direct spot check, whose bytes were checked
// against the chunk's ID. The audit score is a beta reputation with a
// forgetting factor λ (Storj's audit score, see ../shared/DESIGN.md):
//
//	success: α ← λα + 1, β ← λβ
//	failure: α ← λα,     β ← λβ + 1
//	score = α / (α + β)
//
// starting from α = 1/(1−λ), β = 0 (a perfect score with the weight of a
// full window). A node is disqualified when the score falls below
// DisqualifyBelow; disqualification is final.
//
// # The detection math behind the defaults
//
// A node that lost a fraction f of its chunks fails each audit with
// probability f (a sample is a uniformly chosen committed chunk, and the
// slice within it is uniform too, so losing part of a chunk counts in
// proportion). Its score then wanders around 1−f with variance about
// f(1−f)(1−λ)/(1+λ), and from a perfect score its mean decays as
// 1−f+f·λ^t after t audits. With λ = 0.999 and a cut at 0.96 (Storj's
// values):
//
//   - f = 2%: the mean sits at 0.98, σ ≈ 0.0031, so the cut is 6.4σ away;
//     in 1,000 simulated runs of 10,000 audits none was disqualified
//     (TestLossTwoPercentNeverDisqualified repeats it on this code);
//   - f = 3%: 23% of runs are disqualified within 10,000 audits: the grey
//     zone, and the reason the cut is not higher;
//   - f = 10%: the mean crosses the cut when λ^t = 0.6, t ≈ 510 audits;
//     simulated (1,000 runs, TestLossTenPercentDisqualified), every run was
//     disqualified, after 285 to 837 audits.
//
// A faster λ detects sooner but wrongs honest nodes that lose a little:
// with λ = 0.995 and a cut at 0.95, 10% loss is caught after 37–376
// audits but 10% of the 2% nodes are disqualified too. Detection time is
// therefore bought with audits, not with a faster λ: the epochs needed are
// the audits above divided by the samples per proof (Params.Samples), so
// with 16 samples per epoch a 10% loss is disqualified after 18 to 53
// epochs, 32 on average. EpochsToDisqualify states that bound for the tests.
//
// # Reachability, suspension and uptime
//
// Failures that are not proven loss (no proof for an epoch, a spot check
// that timed out or found the node unreachable) move a second beta score
// with a short memory (λ = 0.95) and never disqualify: below SuspendBelow
// the node is suspended (it receives no new data and earns nothing) until
// the score climbs back above ReinstateAbove. Uptime is the share of the
// epochs since the node's first proof for which it proved.
//
// # Vetting
//
// A new node is vetting until it has passed VetAudits audits (Storj: 100);
// placement gives vetting nodes a small share of new data (at most one
// shard of a stripe), so an unproven node can lose little.
package reputation
