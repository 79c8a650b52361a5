// Package standing is how members learn the coordinator's view of the
// storage nodes: which to pass over when placing shards, one node's full
// record, a node's own earnings statement, and the beacon of the epoch
// under way for a node that did not hear it on gossip.
//
// # Protocol /scatterbytes/standing/1.0.0
//
// The coordinator serves it on its gated host: only verified members
// reach it. The client opens a stream and writes one Request; the
// coordinator answers with one Response and closes. Both are a uvarint
// length followed by protobuf (standing.proto is the schema with every
// field's caps), decoded under package internal/wire's policy; a request
// is at most MaxRequest bytes, a response at most MaxResponse (1 MiB).
//
//	message Request  { uint64 op = 1; bytes peer = 2; }
//	message Entry    { bytes peer = 1; uint64 state = 2; uint64 audit_ppm = 3; }
//	message Response {
//	  string error = 1;  uint64 epoch = 2;
//	  repeated Entry entries = 3;  bool truncated = 4;
//	  bytes node = 5;  bytes statement = 6;  uint64 credits_omitted = 7;
//	  bytes beacon = 8;
//	}
//
// The operations:
//
//   - STANDINGS (1): every node whose state is not "vetted" (vetting,
//     suspended, disqualified), with its audit score in parts per million,
//     and the coordinator's epoch. A node not listed is vetted, or not
//     known to the coordinator yet (it has never proved): both are placed
//     as today. An entry is about 48 bytes with an Ed25519 peer ID, so
//     1 MiB holds about 21,000; past that the coordinator lists
//     disqualified nodes first, then suspended, then vetting, stops at
//     the limit and sets truncated. What is lost is the least harmful to
//     miss: a vetting node left out may get more than one shard of a
//     stripe.
//   - NODE (2): one node's full record (the coordinator's NodeView) as
//     JSON in node, at most MaxNode bytes; refused when the coordinator
//     has never seen the node prove. Any member may ask: the standings are
//     public within the network.
//   - STATEMENT (3): one node's ledger statement (credits by epoch, the
//     payouts that paid them, the balance) as JSON in statement, at most
//     MaxStatement bytes. Only the node itself may ask (the stream's
//     remote peer must be the peer asked about); anyone else is refused.
//     When the statement does not fit, the oldest credits are left out and
//     credits_omitted counts them; the balance is always whole.
//   - BEACON (4): the coordinator's current beacon (package p2p/proof),
//     the very bytes it published on the gossip topic, in beacon, at
//     most MaxBeacon (4 KiB, proof.MaxBeaconSize) bytes; the request
//     names no peer. Gossip never replays a beacon: a storage node that
//     started within an epoch, or whose mesh was not formed when the
//     beacon went out, asks for it here (package p2p/storage,
//     catchup.go). The beacon is signed, so the node verifies it as it would a
//     gossiped one and trusts the stream for nothing. Refused before the
//     coordinator has made its first beacon.
//
// A refused request gets a Response with error set (and the epoch) and
// nothing else.
//
// # Placement
//
// Cache asks for the standings at most once per epoch for a client's
// placement (package p2p/shard): suspended and disqualified nodes receive
// no shard; a stripe puts at most one shard on a vetting node while other
// nodes suffice. When the coordinator cannot be asked, placement goes on
// with the last standings it had (none at first), logs once, and asks
// again in the next epoch.
package standing
