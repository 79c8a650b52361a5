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
//     when half of Config.CRLValidity has passed or a peer is revoked (here,
//     or by `scatterbytes ca revoke` on the same CA directory: the CA
//     rereads its state when another process changed it). Every running
//     member asks for it each node.Config.CRLRefresh (a minute), and the
//     coordinator's own node takes it too: a revoked peer is refused
//     network-wide within about a minute.
//   - It issues its own membership certificate (role coordinator, valid a
//     year, never past the CA) from the CA at New, when it has none or a
//     third of its life is left. A coordinator that runs for eight months
//     without a restart would have package node's renewal try to enrol with
//     itself, which fails; renewing in Run is work that follows.
//   - It runs a DHT server node (package node), so it is the bootstrap peer
//     a network profile can start from; Profile returns the profile with its
//     peer ID as coordinator and its address in the bootstrap list.
//
// # Epochs, proofs and standing
//
// Time is cut into epochs of the profile's length from an origin kept in
// the state (clock.go). At the start of each epoch Run publishes a signed
// beacon (package proof) on the gossip topic (package gossip), and hands
// the current one to any member that asks over the standings protocol
// (BEACON, package standing: gossip never replays, so a node that was not
// in the mesh when it went out asks); storage nodes answer with proofs,
// which every peer verifies against the CA before relaying. The coordinator then checks each proof against the
// commitment it recorded from the node's previous one (proofs.go):
//
//   - a proof over the recorded commitment: each sample is an audit for
//     the node's reputation (package reputation), the epoch counts as
//     proven, and the committed bytes are credited in proportion to the
//     samples that passed;
//   - a proof over another inventory than the one recorded for this
//     epoch: every sample counts as failed, nothing is credited;
//   - a proof with nothing recorded to answer (the node's first, or its
//     previous proof never arrived, or it restarted and lost the
//     inventory it committed to): it proves nothing, costs nothing and
//     earns nothing; its next commitment is recorded;
//   - a second proof of an epoch, or one of an older epoch: dropped.
//
// A proof may arrive until the end of the epoch after its own; then the
// epoch is settled and a node that did not prove it missed it, which moves
// its reachability score (suspension), never its audit score. Halfway
// through each epoch a few nodes are dialled to fetch a slice they proved
// again directly (spot.go): wrong bytes are an audit failure, no answer a
// reachability failure.
//
// Each accepted proof is recorded with its audits, its next commitment and
// its credit in one goleveldb batch; credits wait in an outbox until they
// are in the ledger (package payments/ledger, DIR/ledger), which books
// each (node, epoch) once, so a crash between the two writes neither loses
// nor doubles a credit. With Config.Payer, Run also pays nodes in Bitcoin
// on the payer's schedule (package payments).
//
// Cost, measured with BenchmarkEpoch (20 chunks of 64 KiB per node, 16
// samples, 2 cores): 4.7–5.8 ms of CPU per proof on a quiet machine, flat
// from 30 to 300 proofs (7–26 ms at load average 12): verification (about
// 35 Ed25519 signatures) and one synced write each. An epoch at 10,000
// nodes costs about 50 s of one core, 1.3% of an hour.
// Batching the writes of proofs that arrive together is the next saving.
//
// # Views
//
// A read-only JSON API on loopback (api.go; Config.API, its address in
// DIR/api.addr while Run runs) serves the status (epoch, beacon, nodes by
// state, credits pending) and each node's standing; `scatterbytes
// coordinator nodes` prints it.
//
// # Directory
//
//	identity.key  the coordinator's Ed25519 libp2p key (0600)
//	cert.pem      its own membership certificate, issued by its CA
//	ca/           the network CA (absent on an open network)
//	peers.json    peers known when it last stopped (package node)
//	state/        epochs, beacons, node records, the credit outbox (goleveldb)
//	ledger/       credits, balances and payouts (package payments/ledger)
//	api.addr      the JSON API's address, while it runs
//
// `scatterbytes ca sign` and `ca revoke` may run on ca/ while the
// coordinator runs: every change of ca/ca.state rereads it under a lock
// (ca/ca.lock), and the coordinator serves a new CRL at once for a peer
// revoked that way. After restoring ca/ca.state from a backup, raise its
// crl_number above the last CRL published: members take only a CRL
// numbered above the one they hold.
package coordinator
