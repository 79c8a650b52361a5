// Package client is the ScatterBytes client library: it stores a file on
// the network so that no node can read it, and reads it back fast even when
// some nodes are gone.
//
// # Upload
//
// Put seals the plaintext with a fresh file key (package client/stream,
// AES-256-GCM in 64 KiB segments), cuts the sealed stream into stripes of K
// data shards and adds M parity shards (package p2p/erasure). Each shard
// is a chunk named by its BLAKE3 CID. The K+M shards of a stripe go to K+M
// distinct storage nodes: the DHT's closest peers to the stripe's first
// shard CID, the coordinator excluded, that have room for a shard. The
// client keeps what each node last said of its free space for a minute:
// every PUT's answer says it (a refusal for want of room too), and a node
// it has no fresh word from is asked (the chunk protocol's SPACE) before
// it is chosen; a node that cannot be asked is tried last rather than
// dropped. So a full node gets no PUT, and a fresh cache costs the upload
// no round trip. All shards of a stripe upload in parallel under a storage
// order signed by the client; a failed upload moves to the next candidate,
// and once most shards of a stripe are stored, the stragglers are hedged on
// spare nodes and whichever copy lands first wins.
// Two stripes are in flight at once, which bounds memory to a few stripes;
// their buffers are recycled and live outside the Go heap, so they cost
// the garbage collector nothing.
//
// The manifest (package client/manifest), sealed with a key derived from the
// file key, is stored last, each of its chunks on M+2 nodes closest to its
// CID. The result is a reference: manifest CID plus file key.
//
// # Resume
//
// While a PutFile runs, the client journals the file key and every finished
// stripe in its catalog. Running the same PutFile again (same path, size and
// modification time) reuses the file key, so the ciphertext and the shard
// CIDs come out the same: finished stripes are skipped and shards a node
// already holds are answered "already stored" before their bytes are sent.
//
// The journal is saved before the first shard is sent and names every
// chunk the upload sent to a node, a failed stripe's and manifest's
// included (shard.PlaceError). Until the upload is filed it is an
// unfinished upload: Unfinished lists it, with where it was to be filed
// and how much of it is stored, and RemoveUnfinished deletes its chunks
// from their nodes and forgets it. A failed upload that sent nothing
// leaves no journal. A filed upload deletes the chunks it sent that its
// manifest does not name.
//
// # Download
//
// Open fetches and opens the manifest (from the DHT's closest peers to its
// CID, then provider records). Each stripe needs any K of its shards, from
// the fastest holders first: the client keeps a running estimate of every
// node's time to first byte and bandwidth, fed by each fetch, and a node
// that failed counts as very slow for a while. Data shards go first (no
// decoding) unless a parity shard's holder is expected in under half the
// time. Shards come from the holders in the manifest, then from the DHT's
// provider records; every shard is checked against its CID while it
// streams in, and a missing, corrupt or slow shard is replaced by the
// fastest unused one. ReadAt fetches only the data-shard slices under the
// segments it needs. Memory stays bounded by a few stripes whatever the
// file size.
//
// # Layers
//
// Placement, the free-space cache, speed estimates, shard uploads and
// fetches are the shard layer's (package p2p/shard), which repair uses
// too; this package maps its manifests to the shard layer's plain types
// (chunk IDs, holders, k+m) and keeps the file key to itself.
package client
