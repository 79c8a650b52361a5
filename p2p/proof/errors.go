package proof

import "errors"

// Every refusal of Verify, VerifyBeacon and Result.Check wraps one of these
// with a sentence; decide with errors.Is.
var (
	// ErrMalformed means the bytes do not decode (also wraps wire.ErrMalformed).
	ErrMalformed = errors.New("malformed proof message")
	// ErrBadBeacon means the beacon is not signed by a coordinator of this
	// network's CA, or names another network.
	ErrBadBeacon = errors.New("bad beacon")
	// ErrBadNode means the node certificate is not a storage node's of
	// this network, or is not the key of the proof's node.
	ErrBadNode = errors.New("bad node certificate")
	// ErrBadSignature means the node's signature over the proof does not verify.
	ErrBadSignature = errors.New("proof signature does not verify")
	// ErrEpochMismatch means the proof, its beacon and its commitment do
	// not name one epoch (e.g. a proof built on an older beacon).
	ErrEpochMismatch = errors.New("epoch mismatch")
	// ErrBadCommitment means a commitment names another node, or its
	// numbers are impossible.
	ErrBadCommitment = errors.New("bad commitment")
	// ErrWrongSamples means the proof does not carry exactly the samples
	// the beacon asks for, at the indices it derives.
	ErrWrongSamples = errors.New("wrong samples")
	// ErrBadPath means a sample's inclusion path does not lead to the
	// committed root and byte total.
	ErrBadPath = errors.New("inclusion path does not match the commitment")
	// ErrBadOrder means a sampled order is not a valid order signed by its
	// client, or does not match the committed leaf.
	ErrBadOrder = errors.New("bad storage order")
	// ErrOrderExpired means a sampled order had expired at the beacon.
	ErrOrderExpired = errors.New("storage order expired")
	// ErrClientCert means a sampled order's client has no certificate from
	// this network's CA in the proof, valid when it signed the order.
	ErrClientCert = errors.New("client not certified by this network's CA")
	// ErrChunkMissing means the node admits it cannot read a sampled chunk.
	ErrChunkMissing = errors.New("sampled chunk missing")
	// ErrBadSlice means a slice proof does not verify against the chunk ID.
	ErrBadSlice = errors.New("slice proof does not verify")
	// ErrSizeMismatch means the tail proof shows a chunk size other than
	// the committed one.
	ErrSizeMismatch = errors.New("chunk size does not match the commitment")

	// ErrStale means the proof is for another epoch than the current one
	// (a replay): Result.Check; or, from Prover.Prove, a beacon of an
	// epoch the prover is already past.
	ErrStale = errors.New("proof for another epoch")
	// ErrWrongBeacon means the proof answers another beacon than the one
	// the coordinator published for its epoch: Result.Check.
	ErrWrongBeacon = errors.New("proof answers another beacon")
	// ErrCommitmentChanged means the challenged commitment is not the one
	// the node published before the beacon (inventory changed after the
	// beacon): Result.Check.
	ErrCommitmentChanged = errors.New("commitment differs from the one recorded")
	// ErrUnrecorded means the proof proves a commitment the checker never
	// recorded before the beacon: Result.Check.
	ErrUnrecorded = errors.New("commitment was not recorded before the beacon")

	// ErrNoSnapshot means Prove was given a beacon for an epoch the prover
	// has no commitment for and the prover cannot start fresh.
	ErrNoSnapshot = errors.New("no commitment for this epoch")
)
