// Package placement is a stripe's placement record: which nodes hold each
// shard of one stripe, kept by every holder of a member, so that a reader
// who finds a holder gone, a repairer and a leaving node find the others
// without the DHT's per-chunk provider records.
//
// # The record
//
// A Record names the stripe as its order does (package p2p/chunk,
// Order.Stripe: every shard ID, k data then m parity) and, per member, up
// to MaxHolders holders, each with the time its writer learnt of it:
//
//	Placement  1 k  2 m  3 member (repeated, ≤ MaxStripe: the stripe's shard IDs)
//	           4 holder (repeated Holder, ≤ MaxStripe × MaxHolders)
//	Holder     1 member (index into member)  2 peer (binary peer ID)
//	           3 at (milliseconds since the Unix epoch)
//
// placement.proto is the schema with every cap; decoding follows package
// internal/wire's policy and then Check: k ≥ 1, k+m members, distinct
// valid chunk IDs, every holder naming a member, no (member, peer) pair
// twice, at most MaxHolders per member. The encoding is canonical
// (holders sorted by member, then peer), so equal records have equal
// bytes. A record is at most MaxSize bytes.
//
// # Merging
//
// Records of one stripe (same members, k and m) merge by Merge: the union
// of their holder entries, one per (member, peer) with the later time,
// then per member the MaxHolders newest (ties: the lower peer ID). The
// union with the later time is a join (commutative, associative,
// idempotent), and keeping the N greatest entries of a member by a total
// order that only grows under the join gives the N greatest of everything
// ever merged, whatever the order and grouping of the merges: an entry cut
// from one merge is beaten by N others that survive into every later one.
// So every holder that has seen the same updates keeps the same record,
// however concurrent repairers' updates crossed. A holder a repair
// replaced is not removed: newer entries push it out, and a reader that
// tries it meanwhile finds it gone and tries the next.
//
// # Who writes, who reads
//
// The chunk protocol carries records (PLACE, PLACEMENT: package p2p/chunk);
// a storage node keeps them in a Book (goleveldb in DIR/placements), one
// per stripe it holds a member of. The client tells every holder of a
// stripe after placing it; a repairer or a leaving node that places a
// shard on a new holder tells every holder the record names, the new one
// included. Package p2p/storage reads its own record before any DHT
// lookup; package p2p/shard asks another holder of the stripe for its
// record when a listed holder fails.
package placement
