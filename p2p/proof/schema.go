package proof

import (
	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
)

// The proof messages as package wire decodes them; proof.proto is the
// same tables for people and other implementations, and
// TestProtoMatchesSchemas keeps the two in step.

// Limits of the format. See doc.go for the arithmetic behind them.
const (
	// MaxBeaconSize bounds an encoded beacon (a canonical one with a
	// coordinator certificate of ~500 bytes is under 700).
	MaxBeaconSize = 4 << 10
	// MaxProofSize bounds an encoded proof: 16 samples of 4 MiB chunks
	// (two ~16.5 KiB slice proofs each) and 16 client certificates fit,
	// under pubsub's 1 MiB message limit.
	MaxProofSize = 768 << 10
	// MaxSamples bounds the samples a beacon may ask for.
	MaxSamples = 16
	// DefaultSamples is what a beacon asks for unless told otherwise.
	DefaultSamples = 4
	// MaxCount bounds the chunks a commitment may count.
	MaxCount = 1 << 48
)

const (
	maxID        = 128            // binary CID or peer ID
	maxSignature = 128            // Ed25519's 64 bytes, generously
	maxNetwork   = 64             // profile names are 1..64 characters
	maxCert      = 4 << 10        // a membership certificate (ours are ~500 bytes)
	maxOrder     = chunk.MaxOrder // an encoded chunk.Order, with its stripe
	maxSlice     = 32 << 10       // a one-byte slice proof: 16 KiB leaf + 8 + 64 per level
	maxSample    = 44 << 10
	maxCommit    = 256
	// maxUnixMilli is the start of year 10000, as in p2p/chunk.
	maxUnixMilli = 253402300800000
	maxLengthMs  = 1 << 40
	maxBytes     = 1<<63 - 1
)

var beaconSchema = wire.Message{Name: "Beacon", Max: MaxBeaconSize, Fields: []wire.Field{
	{Num: beaconNetwork, Name: "network", Kind: wire.String, Required: true, Min: 1, Max: maxNetwork},
	{Num: beaconEpoch, Name: "epoch", Kind: wire.Uint64, Required: true},
	{Num: beaconStart, Name: "start_unix_ms", Kind: wire.Uint64, Required: true, Max: maxUnixMilli},
	{Num: beaconLength, Name: "length_ms", Kind: wire.Uint64, Required: true, Max: maxLengthMs},
	{Num: beaconSamples, Name: "samples", Kind: wire.Uint64, Required: true, Max: MaxSamples},
	{Num: beaconRandomness, Name: "randomness", Kind: wire.Bytes, Required: true, Min: 32, Max: 32},
	{Num: beaconPrev, Name: "prev", Kind: wire.Bytes, Required: true, Min: 32, Max: 32},
	{Num: beaconCert, Name: "cert", Kind: wire.Bytes, Required: true, Min: 1, Max: maxCert},
	{Num: beaconSignature, Name: "signature", Kind: wire.Bytes, Required: true, Max: maxSignature},
}}

var commitmentSchema = wire.Message{Name: "Commitment", Max: maxCommit, Fields: []wire.Field{
	{Num: commitNode, Name: "node", Kind: wire.Bytes, Required: true, Min: 1, Max: maxID},
	{Num: commitEpoch, Name: "epoch", Kind: wire.Uint64, Required: true},
	{Num: commitRoot, Name: "root", Kind: wire.Bytes, Required: true, Min: 32, Max: 32},
	{Num: commitCount, Name: "count", Kind: wire.Uint64, Required: true, Max: MaxCount},
	{Num: commitBytes, Name: "total_bytes", Kind: wire.Uint64, Required: true, Max: maxBytes},
}}

var sampleSchema = wire.Message{Name: "Sample", Max: maxSample, Fields: []wire.Field{
	{Num: sampleIndex, Name: "index", Kind: wire.Uint64, Required: true, Max: MaxCount},
	{Num: sampleChunk, Name: "chunk", Kind: wire.Bytes, Required: true, Min: 1, Max: maxID},
	{Num: sampleSize, Name: "size", Kind: wire.Uint64, Required: true, Max: 1 << 62},
	{Num: sampleOrderHash, Name: "order_hash", Kind: wire.Bytes, Required: true, Min: 32, Max: 32},
	{Num: sampleOrder, Name: "order", Kind: wire.Bytes, Max: maxOrder},
	{Num: samplePath, Name: "path", Kind: wire.Bytes, Repeated: true, MaxCount: MaxPath, Min: PathNodeSize, Max: PathNodeSize},
	{Num: sampleSlice, Name: "slice", Kind: wire.Bytes, Max: maxSlice},
	{Num: sampleTail, Name: "tail", Kind: wire.Bytes, Max: maxSlice},
}}

var proofSchema = wire.Message{Name: "Proof", Max: MaxProofSize, Fields: []wire.Field{
	{Num: proofNetwork, Name: "network", Kind: wire.String, Required: true, Min: 1, Max: maxNetwork},
	{Num: proofEpoch, Name: "epoch", Kind: wire.Uint64, Required: true},
	{Num: proofNode, Name: "node", Kind: wire.Bytes, Required: true, Min: 1, Max: maxID},
	{Num: proofNodeCert, Name: "node_cert", Kind: wire.Bytes, Required: true, Min: 1, Max: maxCert},
	{Num: proofBeacon, Name: "beacon", Kind: wire.Embed, Msg: &beaconSchema, Required: true, Max: MaxBeaconSize},
	{Num: proofCommitted, Name: "committed", Kind: wire.Embed, Msg: &commitmentSchema, Max: maxCommit},
	{Num: proofSamples, Name: "samples", Kind: wire.Embed, Msg: &sampleSchema, Repeated: true, MaxCount: MaxSamples, Max: maxSample},
	{Num: proofNext, Name: "next", Kind: wire.Embed, Msg: &commitmentSchema, Required: true, Max: maxCommit},
	{Num: proofClientCerts, Name: "client_certs", Kind: wire.Bytes, Repeated: true, MaxCount: MaxSamples, Min: 1, Max: maxCert},
	{Num: proofSignature, Name: "signature", Kind: wire.Bytes, Required: true, Max: maxSignature},
}}
