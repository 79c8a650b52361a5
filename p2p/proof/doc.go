// Package proof is ScatterBytes' availability proofs: the coordinator's
// signed beacon, a storage node's commitment to its inventory, the proof
// a node gossips each epoch on scatterbytes/<network>/proofs, building
// proofs (Prover) and verifying them (Verify) from the message and the
// network CA certificate alone. proof.proto is the wire format.
//
// # Epochs
//
// Each epoch (the profile's Epoch) the coordinator publishes a Beacon:
// network, epoch number, start, length, the number of samples a proof
// carries, 32 bytes from crypto/rand, the hash of the previous beacon
// (a chain) and its own membership certificate, signed with its libp2p key
// over "scatterbytes beacon v1\x00" ‖ fields 1-8. VerifyBeacon checks the
// certificate chains to the CA with role coordinator (valid at the
// beacon's start), the signature and the network. The number of samples
// is in the beacon rather than a constant so that the coordinator can
// raise it without a new format and every verifier agrees on it; it is
// 1..MaxSamples (16), DefaultSamples (4) unless chosen.
//
// Each node answers beacon e with one Proof, signed with its libp2p key
// over "scatterbytes proof v1\x00" ‖ fields 1-9:
//
//	network, epoch e, node peer ID, node certificate (DER)
//	the beacon of e, as the coordinator signed it
//	Committed: the commitment for e, published in the node's proof of e-1
//	Samples: c = min(beacon samples, Committed.Count) of them
//	Next: the commitment for e+1
//	the certificates of the sampled orders' clients, once each
//
// A node's first proof (after a start, or after it missed a beacon) has
// no Committed and no samples: it proves nothing, is credited 0, and only
// publishes Next, so the proof of the following epoch can prove it.
//
// # Commitments
//
// A Commitment {node, epoch, root, count, bytes} binds the node's
// inventory before the beacon that challenges it is known. The root is a
// Merkle sum tree, SHA-256, in the shape of RFC 6962 (a tree of n > 1
// leaves splits at the largest power of two below n), over the node's
// chunks in CID byte order (store.Iterate's order):
//
//	leaf   = SHA-256(0x00 ‖ CID bytes ‖ size u64 ‖ order hash)   sum = size
//	parent = SHA-256(0x01 ‖ left ‖ right ‖ sum u64)              sum = left sum + right sum
//	empty  = SHA-256("")                                           count 0, bytes 0
//
// integers big-endian; the order hash is chunk.Order.Hash. Every parent
// carries the bytes below it, so Bytes is bound to the root: a node cannot
// claim more bytes than its leaves sum to, and a leaf's size is the one
// its inclusion path adds up. SHA-256 because the order hash already is,
// it is in the standard library with hardware support, and the tree is
// tiny next to the chunk hashing (BLAKE3 would do as well).
//
// The Prover commits only chunks whose order decodes, names the stored
// chunk and size, and runs past the end of the epoch the commitment earns
// for (the next beacon's start plus one epoch): an order ending sooner
// earns nothing and would fail the expiry check.
//
// # Samples
//
// Sample j (j < c) challenges leaf
//
//	index_j  = SHA-256("scatterbytes sample v1\x00" ‖ randomness ‖ node ‖ j u64) mod count
//
// (the first 8 bytes of the hash, big-endian; drawn with replacement) and
// within it the byte
//
//	offset_j = SHA-256("scatterbytes slice v1\x00" ‖ randomness ‖ node ‖ j u64 ‖ CID) mod size.
//
// It carries the leaf (CID, size, order hash), the encoded order, the
// inclusion path (the siblings' hashes and sums, root first), a slice
// proof of [offset, offset+1) and one of the last byte [size-1, size),
// both store.ProveSlice proofs against the CID. A one-byte slice proof
// carries its whole 16 KiB leaf, so each sample shows 16 to 32 KiB of
// the chunk. The last byte's proof is what binds the size: a slice
// proof's 8-byte size prefix is only partly bound to the ID unless the
// slice includes the last byte (store/doc.go), so both proofs must carry
// exactly the committed size. A zero-byte chunk has no slice proofs; its
// CID must be the empty chunk's.
//
// A node that cannot read a sampled chunk (deleted, or its bytes no longer
// hash to the ID) says so: the sample keeps its leaf and path and leaves
// out the order and proofs. Verify then reports ErrChunkMissing for that
// sample: an audit failure, not a forged message.
//
// # Verifying
//
// Verify(message, Options{Network, CA, [CRL], [Coordinator]}) checks, in
// order, failing with the sentinel named:
//
//  1. the encoding (ErrMalformed) and the network (ErrBadBeacon);
//  2. the beacon (ErrBadBeacon), and that it is of the proof's epoch
//     (ErrEpochMismatch);
//  3. the node certificate: chains to the CA, role node, valid at the
//     beacon's start (or, renewed during the epoch, at its end), not
//     revoked, and its key is the proof's node (ErrBadNode);
//  4. the node's signature (ErrBadSignature);
//  5. Next and Committed: the node's, for e+1 and for e or an earlier
//     epoch (ErrBadCommitment, ErrEpochMismatch): a node that missed
//     beacons answers the next one it gets with its last commitment;
//  6. exactly c samples at the derived indices (ErrWrongSamples), each
//     leaf's path leading to the committed root and byte total (ErrBadPath);
//  7. per sample: the order decodes and its client's signature verifies,
//     it names the leaf's CID, size and order hash (ErrBadOrder), it had
//     not expired at the beacon's start (ErrOrderExpired), the proof holds
//     a certificate of its client from the CA, role client, valid when the
//     order was created (ErrClientCert); both slice proofs carry the
//     committed size (ErrSizeMismatch) and verify (ErrBadSlice); or the
//     node reported the chunk lost (ErrChunkMissing).
//
// Failures in 1-6 make the message worthless: Verify returns no result.
// Failures in 7 are the node's audit failures: Verify returns the result,
// each sample's outcome in it, Bytes 0, and an error wrapping the first
// failure. With every sample passing, Result.Bytes is the committed
// total: what the coordinator credits for the epoch.
//
// Verify sees one message. The coordinator also holds history, and
// Result.Check(Expect{Epoch, Beacon, Committed}) refuses a proof of
// another epoch (ErrStale, a replay), of another beacon (ErrWrongBeacon),
// one whose Committed is not the Next it recorded from the node's proof
// of e-1 before it published beacon e (ErrCommitmentChanged: the
// inventory changed after the commitment, or the node dropped it), and
// one proving a commitment it never recorded (ErrUnrecorded). One proof
// per node per epoch is the ledger's rule. A Next only counts if it
// arrived before the beacon that challenges it went out.
//
// # Client certificates
//
// An order carries only its client's peer ID. So that a node cannot pay
// itself for chunks of a client it made up, the proof carries a
// certificate of each sampled order's client and Verify checks it chains
// to the CA. Client certificates live days, orders months, so the
// certificate is judged as it stood when the order was created (the
// order's Created), not at the beacon: the one the client presented when
// it stored the chunk is the natural one. The Prover asks
// ProverConfig.ClientCert for it; the storage node should keep the
// verified certificate each client presented (p2p/gate holds it for a
// connected peer) beside its chunks, keyed by client, when a PUT is
// accepted. A client's revocation is not held against the node that keeps
// its chunks (Options.CRL judges coordinators and nodes only): whether
// such chunks are paid for is the coordinator's policy.
//
// # Deletes
//
// A chunk its owner deletes after the node committed to it must not look
// lost when the beacon samples it. Prover.Guard(store) is the store the
// chunk service should use: a delete of a chunk the outstanding
// commitment holds (or one being built) is deferred. The chunk vanishes
// at once for every reader of the guarded store, but its bytes stay until
// no commitment the coordinator may still check holds it: the next
// commitment leaves it out, and the one the last proof answered does not
// hold it either (the coordinator spot-checks a proof's samples by
// fetching them during the epoch that follows it, before the node's next
// proof): at most about two epochs. The
// storage node serves the coordinator's GETs from the store behind the
// guard (chunk.Config.Auditor), so such a spot check finds the bytes. Its owner putting it back meanwhile
// cancels the delete; another client putting the same bytes deletes the
// old chunk at once (a sample of it may then fail; identical ciphertext
// from two clients does not happen in practice).
//
// Deferred deletes live in the prover's memory: a node restarted inside
// the window finds the chunk in its store again and keeps it until its
// order expires (the storage node should record pending deletes on disk
// if that matters).
//
// # Restarts
//
// The committed inventory is kept in memory. A node that restarts
// without it answers the next beacon with a first proof, which the
// coordinator refuses against its record (ErrCommitmentChanged): one
// epoch unpaid. To avoid that, a node saves the Next of each proof with
// KeepUntil(beacon) and, after a restart, calls Commit with that epoch
// and time: an unchanged inventory gives the same commitment, and the
// next proof proves it.
//
// # Sampling
//
// With count N chunks committed and c samples an epoch, a node that lost
// a fraction f of its chunks (or of its committed leaves) passes an epoch
// with probability (1-f)^c and is caught within r epochs with
// 1-(1-f)^(c·r) (CatchProbability; samples are independent, drawn with
// replacement). One chunk lost of N: 1-(1-1/N)^(c·r); at N = 10,000 and
// c = 4 that is 99% after EpochsToCatch = 11,513 epochs: sampling catches
// bulk loss fast (f = 10%: 34% an epoch, 99% within 11 epochs) and a
// single chunk slowly, which repair's own checks and the coordinator's
// spot checks cover. A chunk partly lost is caught by a sample of it with
// the probability that the sampled 16 KiB leaf or the last leaf is
// missing: a chunk of L leaves missing m of them is caught with about
// 1-(1-m/L)·(1-[last missing]) per sample that picks it; whole chunks
// are sampled (the leaf binds the chunk's CID, size and order), so the
// interleaving attack on sub-block sampling does not apply.
//
// # Sizes
//
// A beacon is ~575 bytes (its certificate ~500 of them). A proof of 4
// samples of 4 MiB chunks is ~138 KB (two ~16.5 KiB slice proofs a
// sample), of 1 KiB chunks ~11.5 KB; a first proof under 1 KB.
// MaxProofSize (768 KiB) fits 16 samples of 4 MiB chunks and 16 client
// certificates under pubsub's 1 MiB limit; MaxBeaconSize is 4 KiB. The
// Prover keeps 72 bytes a committed chunk in memory (digest, size, order
// hash), and builds a proof by reading each sampled chunk twice
// (store.ProveSlice builds the chunk's tree each time).
package proof
