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
package node
