// Package disk is the chunk store of a storage node: chunk bytes in files
// under a sharded directory, a goleveldb index of per-chunk records and
// exact usage counters. This file is the specification of the on-disk
// format.
//
// # Directory
//
//	LOCK                     flock'd while a process has the store open
//	chunks/<xx>/<cid>        one file per chunk; xx = first digest byte in hex
//	                         (256 shards), <cid> = the CID's base32 string
//	tmp/                     empty (puts of older versions went through it);
//	                         anything in it is removed on open
//	quarantine/<cid>         chunks found corrupt, until the next scrub pass
//	index/                   the goleveldb index
//	index.new/               an index being rebuilt; removed on open
//
// # Chunk files
//
//	"SBch"                   4 bytes magic
//	uint16 big-endian n      length of the record
//	record                   n bytes, version 1 below, LastScrub = 0
//	chunk bytes              exactly Size bytes
//
// The header makes every file self-describing: the index can be rebuilt
// from the files with its metadata intact. A chunk's charge against
// capacity is the size of its file. Usage.Bytes is the sum of all chunk
// and quarantine files.
//
// # Records (version 1)
//
//	byte      version = 1
//	uvarint   Size (≤ 2^63-1), minimal encoding
//	uint64    StoredAt, Unix nanoseconds, big-endian two's complement
//	uint64    LastScrub, same, 0 = never
//	uvarint   len(Meta) (≤ store.MaxMetaSize), minimal encoding
//	bytes     Meta
//
// Nothing may follow. The decoder accepts exactly the encodings the
// encoder produces (FuzzDecodeRecord checks it); testdata/record-v1.hex and
// testdata/header-v1.hex are the golden examples. A new field means a new
// version byte.
//
// # Index keys
//
//	"v"               1 byte, index format version = 1
//	"u"               usage counters: Bytes, Chunks, Quarantined as three
//	                  big-endian int64
//	"c" + CID bytes   record of a readable chunk
//	"q" + CID bytes   record of a quarantined chunk
//
// Every change of entries writes "u" in the same batch, so counters and
// entries never disagree. All chunk IDs share the 4-byte prefix 01 55 1e 20,
// so "c"+CID order is digest order and each shard is one key range.
//
// # Write path
//
// Put reserves the file's size against capacity (refusing with
// store.ErrNoSpace before reading), writes header and bytes to the chunk's
// final path while hashing them (BLAKE3), checks the hash and fsyncs the
// file: that fsync is the put's commit point. Then it writes the index
// entry and counters in a batch that is not synced, and returns. The
// ordering is what makes the other steps unnecessary:
//
//   - No temp file and rename: until the fsync nothing refers to the file,
//     and recovery re-hashes every file that has no index entry, removing
//     it if torn and indexing it if whole. A torn file is never served.
//   - No directory fsync: ext4, XFS and btrfs make a new file's name
//     durable with the file's own fsync (the create is in the journal
//     transaction or log the fsync forces). On other file systems the put
//     syncs the shard directory after the file.
//   - No index sync: the entry is written only after the file is durable,
//     so an entry never names missing bytes; an entry lost in a power cut
//     is re-made from the file's header on open, and the counters are
//     always recomputed from the files on open.
//
// So an acknowledged put survives a power cut, and one cut short leaves
// either nothing or the whole chunk, indexed and counted: never bytes the
// counters do not describe. TestPowerLoss crashes a put between each pair
// of steps under that power-loss model. Changes that must be durable when
// they return (deletes, quarantine) are synced, and a synced batch makes
// every earlier unsynced one durable too. Concurrent changes share index
// writes: whoever finds no commit in progress writes every queued change
// in one batch (group commit). Delete removes the file and syncs its
// directory first, then the entry, so a crash never brings a deleted
// chunk back.
//
// Chunk bytes bypass the page cache where the file system has O_DIRECT
// (internal/directio): a node writes each chunk once, syncs it at once
// and rarely reads it back, so caching would only copy every byte into
// freshly allocated pages. Put reads the bytes from the network straight
// into a pooled 2 MiB aligned buffer, hashes them there and writes each
// 1 MiB half directly while the other fills; only the file's last partial
// block goes through the page cache. Get, the scrub and the repair read
// whole aligned blocks directly into a pooled 2 MiB buffer; Get's WriteTo
// reads one 1 MiB half ahead while it sends the other. The file
// format does not depend on any of this: headers and chunk bytes are not
// aligned. Where O_DIRECT is missing the same code reads and writes
// through the page cache, and the Writer starts the writeback of each
// 1 MiB half as soon as it is written, so the final fsync finds most of
// it on disk.
//
// # Recovery
//
// Open empties tmp/ and removes index.new/, then reconciles shard by shard:
// an entry without a file is dropped; a file without an entry is re-hashed
// and indexed from its header (or removed if corrupt); a file whose size
// disagrees with its record is removed; the counters are recomputed from
// what remains. A missing, corrupt or unversioned index is rebuilt from the
// files into index.new and swapped in when complete. The rebuild trusts
// the files' headers and sizes without re-hashing (that would make opening
// a large node take hours); LastScrub starts at zero so the scrub revisits
// everything. Check reports disagreements without fixing them.
//
// # Scrub
//
// Scrub (one pass) and Run (a pass every ScrubInterval) re-hash every
// chunk in CID order within ScrubRate bytes per second. A corrupt chunk
// (bytes or header) moves to quarantine/ and its entry to "q" (the
// counter Quarantined goes up, Chunks down, Bytes stays). Config.OnCorrupt
// reports each one. Quarantine (store.Quarantiner) does the same for a
// chunk a reader found corrupt: the chunk service when it sends one.
//
// The free rule: each scrub pass begins by deleting every quarantined
// chunk, file and entry, in one synced change per chunk like Delete, so
// its bytes leave Usage.Bytes with the file. A corrupt file is thus kept
// for at most one ScrubInterval, for an operator to look at, and never
// counts against capacity for good; until then Get answers
// store.ErrCorrupt rather than store.ErrNotFound. Delete or a fresh Put
// of the chunk removes it sooner. The counters stay equal to the files
// throughout, so recovery needs no special case.
package disk
