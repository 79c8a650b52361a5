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
// with exponential backoff.
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
package node
