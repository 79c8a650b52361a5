// Package soak runs a seeded soak of the whole data path on an in-process
// network (package testnet with real storage nodes and clients): clients
// put, get and delete files of mixed sizes while storage nodes are stopped
// and restarted, bytes of chunk files are flipped on disk and a node's
// store is filled to capacity. It checks, continuously and at the end,
// that nothing acknowledged is lost and nothing corrupt is returned.
// `go test -run Soak ./internal/harness/soak -soak=5m -seed=N` (or
// .ci/soak) runs it; without -soak the test runs a few seconds of it.
// SOAK and SOAK_SEED stand for the flags; SOAK_LOG=regexp shows the
// network's log records whose message matches.
//
// # What it checks
//
//   - Every get (whole file or a range) is compared byte for byte with the
//     file's expected bytes, which are regenerated from the file's seed; a
//     difference is a failure ("corrupt bytes returned").
//   - Every acknowledged file that was not deleted reads back identical at
//     each checkpoint and at the end.
//   - A file removed while every node was running no longer opens at the
//     end. One removed while a node was down may: the shards and manifest
//     on a node that could not be reached expire with their orders (see
//     client.Remove); those are counted, not failed.
//   - A node's store after a restart holds every chunk file it held when
//     it stopped (except those whose bytes the soak flipped).
//   - At each checkpoint (clients paused) every running node's usage
//     counters equal what is on its disk: bytes of chunk and quarantine
//     files, the number of each, and no file left in tmp/.
//
// # What it does not promise
//
// The random choices (operation kinds, sizes, contents, which node to
// stop, which chunk to flip, when) come from the seed, so a seed replays
// the same plan; the network's timing does not replay, so the interleaving
// of operations and faults varies from run to run. A stop is the role's
// context being cancelled (the store closes cleanly), not a crash: the
// disk store's crash tests cover torn writes. Faults stay within what the
// redundancy can bear, since nothing repairs yet: at most one node down at
// a time, at most one node filled, and a chunk's bytes are flipped only
// where its stripe (or the manifest's copies) keeps enough intact shards
// with one more node down; a flipped shard is lost for good once the node
// quarantines it.
package soak
