// Package manifest defines a file's manifest (what a reader needs to find,
// check and decrypt the file), how it is sealed and stored as chunks, and
// the reference string that names a file.
//
// # Manifest message, version 1
//
// A manifest chunk's plaintext is a protobuf message in the standard wire
// format, written by hand (there is no .proto compiler in the build).
// manifest.proto beside this file is its schema, with every field's caps:
// a root chunk is a Manifest, a continuation chunk a StripeList, each
// stripe lists exactly k+m shards in shard order, and a shard's id is a
// binary CIDv1 raw BLAKE3-256.
//
// Writers emit fields in field-number order, singular fields always
// (including zeros) except the optional ones when empty. Readers:
//
//   - follow package internal/wire's decoding policy: unknown field
//     numbers are skipped (so fields that are safe to ignore can be
//     added) but must be well-formed; groups, a singular field given
//     twice, a known field with the wrong wire type, a missing required
//     field and a value over its cap in manifest.proto are refused;
//   - reject a version other than 1: a change old readers must not ignore
//     gets a new version;
//   - check every shard ID with store.CheckID, and that the numbers agree:
//     cipher_size = stream.SealedSize(size) unless compressed, the
//     erasure layout (k, m, shard_size, cipher_size) validates, and the
//     stripes number exactly layout.Stripes(), each with k+m shards, or,
//     when data (field 14) is present, there are no stripes and data is
//     exactly cipher_size bytes;
//   - enforce the limits below before allocating for them.
//
// All failures wrap ErrBadManifest.
//
// # Limits
//
//	sealed chunk            ≤ 4 MiB (MaxChunkSize)
//	name                    ≤ 4096 bytes, valid UTF-8
//	content type            ≤ 256 bytes, valid UTF-8
//	k+m                     ≤ 128, as package erasure
//	holders per shard       ≤ 16, each ≤ 128 bytes
//	stripes per file        ≤ 2^24
//	data (a small file)     ≤ 1 MiB (MaxData)
//
// # Small files
//
// A small file's sealed stream may be stored in the manifest itself
// (field 14, data): reading it then takes the manifest and nothing else,
// and storing it one round of uploads, not two. The layout fields still
// describe the stripes the file would have had, so a reader that does not
// know field 14 finds no stripes where the layout wants some and refuses
// the manifest rather than misreading it. The manifest's copies are its
// redundancy (the client stores each manifest chunk on m+2 nodes).
//
// # Chunks
//
// If the root message with all stripes inline seals to at most
// MaxChunkSize, the manifest is that one chunk. Otherwise the stripes go,
// in order and greedily filled, into StripeList chunks each sealing to at
// most MaxChunkSize, and the root lists their CIDs in field 11 and has no
// stripes of its own: a root has stripes inline or stripe lists, never
// both. Each list's `first` must be the number of stripes before it. A
// stripe costs about (k+m) × (40 + 41 × holders) bytes, so one chunk holds
// the stripes of a 4+2 file of roughly 10 GiB with 3 holders per shard; a
// root of 4 MiB can list about 100 000 continuation chunks.
//
// Chunk j of a manifest (j = 0 the root, j = 1.. the stripe lists in
// order) is its plaintext sealed by package stream under
//
//	blake3.DeriveKey("scatterbytes manifest chunk v1", fileKey ‖ uint64be(j))
//
// so the manifest never shares a key or nonce space with the content
// (which is sealed under the file key itself) nor one chunk with another,
// and a chunk moved to another position fails to open. A chunk's ID is
// store.Sum of its sealed bytes.
//
// # Reference, version 1
//
// A reference names a file and carries the capability to read it: the
// root manifest chunk's CID and the file key. Its printable form is
//
//	"sb1" + base32(cid ‖ key ‖ check)
//
// with base32 the RFC 4648 alphabet in lower case without padding, cid the
// binary CID (36 bytes for a chunk ID), key the 32-byte file key and check
// the first 4 bytes of BLAKE3-256("sb1" ‖ cid ‖ key), which catches typing
// and copying mistakes before anything is fetched. A chunk-ID reference
// is 119 characters. Parsing accepts upper case and surrounding white
// space. Ref.String redacts the key so references do not end up in logs;
// Ref.Encode is the full string, for the user and the catalog.
package manifest
