// Package payments will hold the coordinator's side of compensation: the
// epoch beacon, verification of the availability proofs nodes gossip,
// per-node reputation, the goleveldb ledger and batched Bitcoin payouts
// (see ../shared/DESIGN.md, "Availability proofs and compensation").
//
// What it builds on is in place: storage orders and node receipts
// (package p2p/chunk) say who stored what for whom until when; slice proofs
// of a chunk against its CID alone (store.ProveSlice, store.VerifySlice)
// are what an availability proof is made of; the coordinator role
// (package p2p/coordinator) already runs the network CA and enrolment
// (package p2p/enroll), and the ledger will live there too.
package payments
