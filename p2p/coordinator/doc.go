// Package coordinator is the coordinator role: the peer that runs a
// network's certificate authority and is its first bootstrap peer. Make one
// with New and run it with Run, in-process (the test harness does) or as
// `scatterbytes coordinator run`.
//
// # What it does now
//
//   - It holds the network CA, kept in its directory exactly as
//     `scatterbytes ca` keeps one (ca/ca.key 0600, ca/ca.crt, ca/ca.state);
//     Init creates it. An open network has no CA: every party signs its own
//     certificate.
//   - It serves enrolment, /scatterbytes/enroll/1.0.0 (package enroll), on
//     its ungated host: a newcomer sends a CSR signed with its libp2p key and
//     gets a membership certificate under Config.Approve's policy.
//   - It publishes the CA's CRL: every enrolment answer, and every request
//     that asks only for the CRL, carries the current signed CRL, made anew
//     when half of Config.CRLValidity has passed or a peer is revoked.
//   - It issues its own membership certificate (role coordinator, valid a
//     year, never past the CA) from the CA at New, when it has none or a
//     third of its life is left. A coordinator that runs for eight months
//     without a restart would have package node's renewal try to enrol with
//     itself, which fails; renewing in Run is work that follows.
//   - It runs a DHT server node (package node), so it is the bootstrap peer
//     a network profile can start from; Profile returns the profile with its
//     peer ID as coordinator and its address in the bootstrap list.
//
// # What it will do
//
// Issue work that follows gives it the rest of its part in the design: the
// signed epoch beacon on the gossip topic, verification of availability
// proofs and direct spot checks, per-node reputation, the ledger that
// credits proven storage, repair scheduling and Bitcoin payouts (package
// payments). Each arrives as another part started and waited for by Run.
//
// # Directory
//
//	identity.key  the coordinator's Ed25519 libp2p key (0600)
//	cert.pem      its own membership certificate, issued by its CA
//	ca/           the network CA (absent on an open network)
//	peers.json    peers known when it last stopped (package node)
//
// While a coordinator runs it alone writes ca/ca.state: do not run
// `scatterbytes ca sign` or `ca revoke` on the same directory then, or one of
// the two writers loses the other's changes.
package coordinator
