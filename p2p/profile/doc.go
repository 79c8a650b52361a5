// Package profile defines the network profile: the small document that says
// which ScatterBytes network a party belongs to. Nothing about a network is
// hard-coded anywhere else; every role reads it.
//
// # Format
//
// A profile is a JSON object (at most 64 KiB) with these fields:
//
//	name             network name: 1-64 of [a-z0-9-]; names the gossip topic
//	protocol_prefix  libp2p protocol prefix, e.g. "/scatterbytes"; the DHT
//	                 speaks <prefix>/kad/1.0.0
//	open             true for a network without a CA: certificates are
//	                 self-signed by each party's key
//	ca               PEM certificate of the network CA (required unless open)
//	bootstrap        multiaddrs of bootstrap peers (at most 64); each names its
//	                 peer with /p2p/<id>, except /dnsaddr entries, which
//	                 resolve to such addresses
//	coordinator      peer ID of the coordinator (CA, beacon, ledger); optional
//	epoch            epoch length as a Go duration ("1h", "5s"); at least 1s
//	redundancy       default erasure coding "k+m", 1 <= k <= 64, 0 <= m <= 64
//	pay_rate_msat    price of storage: millisatoshi per GiB-hour stored and
//	                 proven (what the network charges; a node is credited
//	                 its share of it, see package payments/ledger)
//	bitcoin          the Bitcoin chain payouts are made on: "mainnet",
//	                 "testnet3", "signet" or "regtest"; optional, default
//	                 mainnet on a public network and regtest otherwise.
//	                 Payout addresses are checked against it at enrolment.
//	public           true on the public internet: NAT traversal on, private
//	                 addresses never advertised. False on a testnet.
//
// Unknown fields are refused so that a typo does not silently change a network.
package profile
