// Package gate admits a peer to a ScatterBytes network only once it has shown
// a membership certificate for its libp2p key.
//
// # Protocol /scatterbytes/cert/1.0.0
//
// The side that dialled a connection opens a stream on the certificate
// protocol as soon as the connection is up and writes one CertMessage; the
// listener reads it, verifies it and, only if it holds, answers with its
// own; the dialer verifies the answer. The listener never opens the
// exchange: it waits Config.Timeout for the dialer to (a dialer whose
// identify does not list the protocol is refused at once). So a node shows
// its certificate, which names its role and any Bitcoin payout address,
// only to a peer that has proven its own membership, and the two sides
// never wait for each other: the dialer always goes first. When both
// sides dial at once, each exchange runs on its own and the first verdict
// wins. Each message is a uvarint length followed by that many bytes of
// protobuf:
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
// does not speak the protocol at all is refused too; where enrolment is
// served (package enroll, the only protocol served to peers without a
// certificate: the coordinator) it is left connected for Config.Grace so
// that it can enrol, elsewhere it is disconnected at once.
//
// # What an unverified peer sees
//
// A peer that has not shown a valid certificate gets: the TLS handshake
// (which shows the node's peer ID, i.e. its public key), libp2p's
// identify (listen addresses, protocol list, agent "scatterbytes") and
// ping, and, on the coordinator only, enrolment. It never gets a
// certificate (so no role and no payout address), a data stream, a DHT
// answer or gossip. The one exposure left is the dialer's: a node shows its
// certificate to the peer it dialled before that peer has proven itself.
// The dialled peer's key is the one the node asked for (TLS proves it), and
// a node dials only peers it learned from members or the profile; closing
// that too needs certificates that commit to the payout address instead
// of carrying it (package cert), since a signed certificate cannot be
// stripped.
//
// # Abuse by unverified peers
//
// Refused peers are kept away by the connection gater with an exponential
// back-off: none after the first refusal (a newcomer is refused once while
// it enrols), then 1 s, doubling to at most 10 min; a peer's record is
// forgotten an hour after its last refusal and a verified peer's at once;
// at most 4096 records are kept (the oldest makes room), under half a MiB.
// A peer inside its back-off is refused as soon as its key is known,
// before identify or any stream, in both directions. At most
// Config.MaxPending peers (256) may be connected without a verdict that
// admits them; over that, new inbound peers without one are refused at the
// same point, so a flood of fresh identities holds at most that many
// connections (tens of KiB each) whatever its rate. Refusals are logged at
// most once per kind per 10 s (package internal/ratelog) with the count
// held back. Measured (TestFloodOfUnverifiedPeers, both sides in one
// process, so an upper bound): a refused attempt from a fresh identity
// costs a TLS handshake and identify; a redialling identity inside its
// back-off costs the handshake alone.
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
//
// A verdict can also outlive the process: a client started afresh for each
// command (the CLI) records its peers' certificates (package node,
// peers.json) and Remember admits them at its next start once the caller
// has verified each again against the CA, its CRL and the clock. Such a
// verdict is the one a disconnected verified peer keeps, and is treated
// alike: the next connection runs the exchange (our certificate first, as
// the dialer; the peer still verifies us before serving anything) and its
// failure refuses the peer. What it saves is the wait for the peer's
// answer before our first stream; that stream goes to the key TLS has just
// authenticated, which the remembered certificate binds to membership as
// the fresh one would, and carries nothing the peer's own checks do not
// guard. A peer revoked since is refused as soon as the CRL we hold says
// so, as it would be in an exchange.
//
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
//   - Gate is a connmgr.ConnectionGater that refuses revoked and blocked
//     peers and peers inside their back-off, on dial and once the remote is
//     authenticated, over every transport, and new inbound peers over the
//     MaxPending budget.
package gate
