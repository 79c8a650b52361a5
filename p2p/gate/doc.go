// Package gate admits a peer to a ScatterBytes network only once it has shown
// a membership certificate for its libp2p key.
//
// # Protocol /scatterbytes/cert/1.0.0
//
// As soon as identify completes on a connection, each side opens a stream on
// the certificate protocol (both may; the first verdict wins). The opener
// writes one CertMessage, the handler reads it, verifies it and answers with
// its own; the opener verifies the answer. Each message is a uvarint length
// followed by that many bytes of protobuf:
//
//	message CertMessage {
//	  repeated bytes chain = 1; // DER certificates, leaf first (today: just the leaf)
//	}
//
// A message is at most MaxMessage bytes and holds at most MaxChain
// certificates; cert.proto is the schema, decoded under package
// internal/wire's policy (unknown fields skipped; groups and wrong wire
// types refused). The exchange has a deadline (Config.Timeout). Verification
// (package cert) checks the chain against the network CA, the validity window,
// the CRL, and that the certificate's key is the remote peer's key.
// A bad certificate closes every connection to the peer at once. A peer that
// does not speak the protocol at all is refused too, but is left connected
// for Config.Grace so that it can enrol (package enroll, the only protocol
// served to peers without a certificate); then it is disconnected.
//
// # Enforcement
//
// A verdict outlives the connection: a verified peer stays verified until
// its certificate expires or it is revoked or blocked, so that the routing
// table can hold peers without live connections. Each new connection is
// checked again (the verdict holds meanwhile); a failed check refuses the
// peer. A verdict is read through the deny list (Config.Denied) and the
// clock every time it is read and when it is settled: a peer revoked or
// blocked, even while its exchange was under way, or whose certificate has
// expired, is not verified from that moment, connected or not. A connected
// peer whose verdict expired is asked again (it has probably renewed) on the
// next Wait; a disconnected one is forgotten within a minute.
// Enforcement is in four places:
//   - Host wraps a libp2p host so that every stream handler registered
//     through it (the DHT, pubsub, the chunk protocol) first waits for the
//     remote's verdict and resets the stream of an unverified peer, and every
//     stream opened through it waits for the verdict before a byte is sent.
//   - RoutingTableFilter admits only verified peers to the DHT routing table;
//     when a peer is verified later, the gate re-offers it to the DHT by
//     emitting EvtPeerProtocolsUpdated. When the gate forgets a peer
//     (refused, revoked, blocked, expired) Config.OnDrop lets the node
//     evict it, since kad-dht keeps a peer it cannot reach for a while.
//   - PeerFilter is the pubsub peer filter.
//   - Gate is a connmgr.ConnectionGater that refuses revoked and blocked peers, on dial
//     and once the remote is authenticated, over every transport.
package gate
