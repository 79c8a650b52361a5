// Package erasure cuts a sealed stream into stripes of k data shards and
// adds m Reed-Solomon parity shards (klauspost/reedsolomon, GF(2^8),
// Vandermonde-derived systematic matrix), so any k of a stripe's k+m shards
// rebuild it. Each shard is one chunk.
//
// # Redundancy
//
// Written "k+m", e.g. "4+2", with 1 ≤ k ≤ 64, 0 ≤ m ≤ 64 and k+m ≤ 128.
// k = 1 is plain mirroring: each parity shard is a byte-identical copy of
// the data shard (the encoding matrix row for k = 1 is [1]; tests hold the
// library to it).
//
// # Layout, version 1
//
// A layout is fixed by four numbers recorded in the manifest: K, M,
// ShardSize and Size (the sealed stream's length). Everything else follows:
//
//	Align      = 64 bytes (SIMD-friendly; all shard sizes are multiples)
//	ShardSize  = min(maxShard, roundUp(ceil(Size / K), Align)), at least Align
//	StripeData = K × ShardSize
//	Stripes    = max(1, ceil(Size / StripeData))
//
// maxShard is the writer's choice (DefaultMaxShard = 4 MiB, a multiple of
// Align). Stripe i holds stream bytes [i × StripeData, min((i+1) ×
// StripeData, Size)). Every stripe but the last has shards of ShardSize;
// the last stripe, holding the remaining L bytes, has shards of
// max(Align, roundUp(ceil(L / K), Align)) bytes, so neither a small file
// nor the tail of a large one pays for a full 4 MiB stripe: a 1 KiB file
// under 4+2 stores 6 shards of 320 bytes (its sealed 1040 bytes over 4,
// rounded up), not 6 × 4 MiB.
//
// Within a stripe, data shard j holds the stripe's bytes
// [j × shardSize, (j+1) × shardSize), padded past the stripe's end with
// zeros or with bytes the writer chooses (Coder.PadWith); shards K..K+M-1
// are parity over those padded data shards. A reader drops the padding
// using the stripe length from the layout and never looks at it.
//
// # Range reads
//
// Because data shards are stored systematically, a byte range of the
// stream lies in known data shards at known offsets (Layout.Locate). A
// reader fetches just those slices (BLAKE3 lets a slice be verified against
// the shard's CID) and falls back to any K whole shards of a stripe only
// when a data shard it needs is unavailable.
package erasure
