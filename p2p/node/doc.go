// Package node runs a ScatterBytes peer: a libp2p host that speaks only TLS
// 1.3 over TCP and QUIC, admits peers through the membership gate (package
// gate), and finds the rest of the network through a private Kademlia DHT
// (protocol <prefix>/kad/1.0.0).
//
// Storage nodes run the DHT in server mode, clients in client mode. A node's
// directory holds:
//
//	identity.key  the Ed25519 libp2p key (0600; package identity)
//	cert.pem      the membership certificate signed by the network CA
//	crl.der       the newest CRL seen (optional)
//	peers.json    peers known when the node last stopped, tried on start so a
//	              node rejoins without the bootstrap peers
//
// Run keeps the routing table filled: whenever it holds fewer than
// Config.MinPeers verified peers it dials the bootstrap and known peers again,
// with exponential backoff. While it reaches none of them it logs one
// warning a round naming them and the wait before the next ("cannot reach
// any of the 2 bootstrap peers (...); retrying in 4s"). What it tells
// other peers about its own addresses is in addrs.go; whether peers on
// the internet can dial it, in reach.go.
//
// # Revocation
//
// Every way a peer enters the node's state is closed to a revoked or
// blocked peer (Node.SetCRL, Node.Block):
//   - connections: the gate, as connection gater, refuses to dial it and
//     refuses it once its key is known; SetCRL closes open connections.
//   - the routing table: the gate's filter refuses it (asked by kad-dht
//     before every add, see third_party/kaddht/FORK.md); SetCRL evicts it;
//     and every add is checked again after it happened (checkRoutingTable),
//     for a revocation that lands between the filter's answer and the add.
//     A peer whose certificate expires is evicted by the same loop's
//     periodic sweep.
//   - gossip: the gate's pubsub peer filter refuses it.
//   - the peer store: SetCRL forgets its addresses, the store refuses new
//     ones (peers without the CRL yet still name it in DHT answers), and it
//     is never dialled as a bootstrap or known peer.
//
// # Resource limits
//
// The libp2p resource manager keeps libp2p's machine-scaled system and
// transient limits but fixes every peer's budget whatever the machine
// (peerLimit): 8 connections, 128 inbound and 256 outbound streams, 96
// MiB of stream memory. A member needs far less (16 chunk streams, 16 DHT
// streams, a few for the certificate exchange, identify, ping and gossip),
// and scaled with memory the default grows to gigabytes for one peer.
// Each protocol has its own per-peer budget beside it: the chunk protocol
// (p2p/chunk.ProtocolLimit: 16 streams, 64 MiB), the DHT (16 streams, 8
// MiB: kad-dht's messages are at most 4 MiB), the certificate exchange (4
// streams, 128 KiB) and enrolment (2 streams, 128 KiB). So a verified
// peer that turns hostile holds at most 96 MiB of a node's buffers and a
// few hundred streams before it is refused, and the node stays within the
// 256 MiB it is sized for. Peers without a certificate are bounded by the
// gate (package gate: a back-off and at most 256 waiting for a verdict).
package node
