// Package store defines the local chunk store every storage node runs on:
// chunk IDs, the store interfaces and slice proofs. Implementations live in
// store/disk (the real one) and store/memstore (in memory); store/storetest
// is the conformance suite both pass.
//
// # Chunk IDs
//
// A chunk's ID is a CIDv1 with codec raw (0x55) over the BLAKE3-256
// multihash (0x1e, 32 bytes) of its bytes. CheckID refuses anything else
// with ErrBadID; every method taking an ID checks it first.
//
// # Store contracts
//
// The Store is a set of small interfaces (Putter, Getter, Haser, Statter,
// Deleter, Iterator, Usager) so that consumers ask for what they use. The
// promises, whichever the implementation:
//
//   - A Put that returned nil is durable; a Put that failed left nothing
//     behind (no bytes, no entry, no usage). Bytes that do not hash to the
//     ID are refused with ErrMismatch.
//   - Capacity is hard: a Put that does not fit, counting the puts in
//     flight, is refused with ErrNoSpace before a byte is read.
//   - Metadata (the storage order) is opaque, at most MaxMetaSize bytes
//     (ErrMetaTooLarge).
//   - Get serves bytes without re-hashing them; the reader (the client, the
//     proof code) checks them against the ID. Rot at rest is caught by the
//     disk store's scrub, after which the chunk is quarantined and Get,
//     Stat return ErrCorrupt, Has false, Iterate skips it.
//   - Iterate walks chunks in CID byte order, so a node's inventory is
//     listed the same way everywhere.
//   - Errors wrap the sentinels of errors.go with the chunk ID:
//     "get chunk <cid>: chunk not found". Decide with errors.Is.
//
// # Slice proofs
//
// BLAKE3 is a Merkle tree, so a slice of a chunk can be proven against its
// ID alone (bao verified streaming, lukechampine.com/blake3/bao).
// ProveSlice builds the tree with chunk groups of 16 KiB (ProofGroup = 4:
// 1 KiB BLAKE3 chunks << 4) and extracts the slice; VerifySlice checks it
// against the ID and returns the bytes. Grouping changes only which tree
// nodes are kept, not the root, which stays the plain BLAKE3 hash (a test
// proves it), so proofs verify against the CID.
//
// Why 16 KiB: it matches the widest SIMD batch of the BLAKE3 code (16
// chunks), so building the tree costs about one hash of the chunk; the
// outboard tree of a 4 MiB chunk is 16 KiB; and a proof of a small slice
// is about 16.5 KiB (the leaf plus 8 levels of 64-byte parent nodes), small
// enough to send many per epoch. Smaller groups would shrink proofs
// (1 KiB groups: about 1.8 KiB) at the cost of hashing four to eight
// times slower; the constant is part of the proof format, so changing it
// is a protocol change.
//
// Proof format (bao "slice" encoding with 16 KiB groups), in order:
//
//	8 bytes   chunk size, little-endian
//	64 bytes  per parent node on the path to each leaf the slice touches,
//	          in pre-order: left child hash, right child hash
//	the leaves the slice touches, whole (up to 16 KiB each; the last leaf
//	of the chunk may be shorter), in order
//
// A proof covers whole leaves, so it also verifies (yielding the true bytes)
// for any sub-range of them. The size prefix is bound to the ID only
// through the tree shape on the path to the slice: do not trust it as the
// chunk size unless the slice includes the last byte. An empty slice proves
// nothing and is refused (ErrRange).
package store
