// Package shard is the shard layer: it places, stores and fetches the
// chunks that erasure-coded stripes are made of, on ciphertext alone. The
// client library uploads and downloads files through it; repair (a storage
// node or the coordinator rebuilding lost shards) needs exactly the same
// and has neither the client nor any file key. So this package knows
// chunk IDs, holders, sizes and k+m, never manifests or keys to data.
//
// A Net works through one node (New). It keeps two opinions of the nodes
// it meets, both in memory and both only hints:
//
//   - free space (SPACE answers and every PUT's answer, trusted for a
//     minute): placement passes over a node known to be full and tries a
//     node that could not be asked last;
//   - fetch speed (time to first byte and per byte, from every fetch):
//     fetches ask the fastest holders first; a holder that failed, or was
//     raced around because it did not answer, counts as dead for a minute
//     (asked last).
//
// # Placement and upload
//
// Candidates lists storage nodes for a key, closest first: from the
// node's routing table when it holds enough, else from a DHT lookup; the
// node itself, the coordinator and peers of another role are never
// candidates. Put stores one chunk on one node under a storage order
// signed with the Net's key (today the client's identity key: the owner of
// the order). Place stores a set of chunks on distinct candidates at once;
// PutStripe and Replicate are Candidates then Place.
//
// Writes respect the coordinator's standings when Config.Standings is
// set (package p2p/standing, asked at most once per epoch): suspended and
// disqualified nodes are never candidates, and a stripe gets at most one
// vetting node while the other nodes suffice. When they do not (a new
// network is all vetting nodes, and a node is vetted only by proving data
// it holds) just enough vetting nodes make up the shortfall and the Net
// warns once; when even they are too few, ErrNotEnoughNodes says how
// many nodes the standings passed over. Reads ignore the standings: a
// suspended node may still serve what it holds.
//
// # Fetch
//
// Fetch reads one chunk from its holders, fastest first, then from the
// DHT's provider records and closest peers, checking every byte against
// the chunk's CID as it streams in. Within FetchStripe, once a shard's
// listed holders have failed, the stripe's placement record (package
// p2p/placement), asked of the stripe's other holders at once, once per
// stripe, names its holders before the DHT is asked (placement.go). After
// PutStripe places a stripe it tells every holder the record
// (TellPlacement); a repairer does the same after Rehome. FetchRange reads a slice of a chunk
// unchecked (a slice cannot be checked against a CID without a proof; the
// caller's authentication must). FetchStripe reads any k of a stripe's
// k+m shards and decodes when a data shard is missing.
//
// # The race
//
// Place and FetchStripe are both one hedged race (race.go): a set of slots
// that must each be filled by one successful attempt, spare candidates
// shared by all slots, a failed attempt replaced by a spare, and, once all
// but a few slots are filled, a straggler raced by a spare after three
// times the median time of the attempts that succeeded. The first attempt
// to succeed fills its slot; its twin is cancelled. Fetches add a stall
// rule: a slot whose holder has not answered (no response header) within
// answerWithin, four times the usual time to first byte (200 ms to 1 s),
// is raced by a spare whatever the other slots do. A holder that died
// without a reset (a killed process over QUIC, a dropped link) answers
// nothing and would fail only at a timeout: a get around up to m such
// holders of a stripe costs about answerWithin more than a healthy one,
// once, and the next ones go to live holders first. Fetch races the
// holders of one chunk (the providers of a manifest chunk) the same way.
//
// # Contracts
//
// Buffers: the caller owns every buffer it passes (the shards given to Put,
// Place, PutStripe and Replicate; dst and buf given to Fetch, FetchRange and
// FetchStripe). A method reads or writes them only until it returns: every
// attempt it started, cancelled ones included, has ended by then, so the
// caller may reuse a buffer at once. FetchStripe writes data shards into
// buf in place, so that the stripe comes back as a prefix of buf with no
// copy.
//
// Cancel: when ctx ends, a method cancels what it started, waits for it,
// and returns ctx's error. A PUT cancelled before its last byte stores
// nothing; one cancelled while awaiting its receipt may still be stored.
//
// Leftovers: a placement that fails once it has begun sending (Place,
// PutStripe, Replicate, Rehome; cancelled included) returns an error that
// unwraps to a *PlaceError naming every chunk it sent to a node, so that
// whoever placed them can delete them: any may be held now, though
// nothing refers to it.
//
// Errors: ErrNotEnoughNodes means too few storage nodes (or too few with
// room) for a placement, or a shard that failed on every node it was
// allowed to try, and wraps ErrNoSpace too when the nodes were there but
// lacked room (or the last node refused for want of it); ErrUnavailable means fewer than k shards of a stripe
// could be fetched. Both wrap the last error seen for detail. Other errors
// come from below: package chunk's (a node's refusal unwraps to its
// sentinel, such as store.ErrNoSpace or store.ErrNotFound) and package
// erasure's.
package shard
