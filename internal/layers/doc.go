// Package layers states ScatterBytes' layers as data and checks them: a
// package may import only packages of its own layer or below (see
// ../../ARCHITECTURE.md and ../shared/DESIGN.md, "Layout and layers").
//
//	0 helpers   internal/<helper>, third_party/...  know nothing of the system
//	1 store     store/...                           the chunk store
//	2 wire      p2p/... (but the roles)             peers, protocols, shards
//	3 library   client/..., payments/...            client library; ledger, payouts
//	4 roles     p2p/storage, p2p/coordinator        each Run(ctx)
//	5 harness   internal/harness/...                in-process network, bench
//	6 programs  cmd/..., examples/...               the CLI and examples
//
// Besides the order, a few arrows are forbidden outright (payments never
// imports client: the coordinator pays for ciphertext it cannot read), and
// the production binary links no testing code.
//
// Only a package's own imports are checked: tests may import the harness
// (a test of p2p/chunk runs on an in-process network of real nodes).
// The test in this package reads the real import graph from
// `go list -json ./...` and fails on any arrow that runs back up, and on a
// package that the table does not place, so the table stays complete.
package layers
