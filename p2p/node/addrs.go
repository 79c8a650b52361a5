package node

import (
	"slices"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
)

// What a node tells other peers about where it listens.
//
// Identify already keeps loopback addresses off connections that are not
// on loopback, but a node's addresses travel further than its own
// connections: kad-dht answers name third peers with whatever addresses
// the answering node holds for them, and profiles and `node run` print
// them. A node listening on 0.0.0.0 has 127.0.0.1 among its addresses, and
// a peer on another machine that hears it dials its own loopback. So:
//
//   - Config.Announce, when set, replaces the host's addresses altogether
//     (a node behind a port forward, or with an address its interfaces do
//     not show);
//   - a node on the public network advertises public addresses only
//     (publicAddrs), and keeps only public ones from DHT answers;
//   - on other networks a node keeps loopback addresses from DHT answers
//     only when it listens on loopback alone (a testnet on one machine):
//     otherwise a peer's loopback address is its own machine, not the
//     peer's;
//   - addresses are ordered for people and profiles (dialOrder): public,
//     then private, then loopback, so that the first is the one most
//     peers can dial.

// addrsFactory is the host's address factory: the announced addresses
// when there are any, else the listen addresses, public ones only on the
// public network.
func addrsFactory(announce []ma.Multiaddr, public bool) func([]ma.Multiaddr) []ma.Multiaddr {
	return func(addrs []ma.Multiaddr) []ma.Multiaddr {
		if len(announce) > 0 {
			addrs = announce
		}
		if public {
			addrs = publicAddrs(addrs)
		}
		return dialOrder(addrs)
	}
}

// dhtAddrFilter filters the addresses kad-dht stores from other peers'
// answers: public ones on the public network; on others, loopback ones
// only while the node itself listens on loopback alone.
func dhtAddrFilter(public bool, listen func() []ma.Multiaddr) func([]ma.Multiaddr) []ma.Multiaddr {
	if public {
		return publicAddrs
	}
	return func(addrs []ma.Multiaddr) []ma.Multiaddr {
		if allLoopback(listen()) {
			return addrs
		}
		return slices.DeleteFunc(slices.Clone(addrs), manet.IsIPLoopback)
	}
}

func allLoopback(addrs []ma.Multiaddr) bool {
	for _, a := range addrs {
		if !manet.IsIPLoopback(a) {
			return false
		}
	}
	return true
}

// publicAddrs keeps private, loopback and link-local addresses out of what a
// node on the public network advertises.
func publicAddrs(addrs []ma.Multiaddr) []ma.Multiaddr {
	out := addrs[:0:0]
	for _, a := range addrs {
		if manet.IsPublicAddr(a) {
			out = append(out, a)
		}
	}
	return out
}

// dialOrder sorts addrs (a copy) public first, then private, then
// loopback, keeping the order within each class.
func dialOrder(addrs []ma.Multiaddr) []ma.Multiaddr {
	rank := func(a ma.Multiaddr) int {
		switch {
		case manet.IsPublicAddr(a):
			return 0
		case manet.IsIPLoopback(a):
			return 2
		}
		return 1
	}
	out := slices.Clone(addrs)
	slices.SortStableFunc(out, func(a, b ma.Multiaddr) int { return rank(a) - rank(b) })
	return out
}

// P2PAddrs returns ai's addresses with their /p2p/ part, in dial order
// (public, private, loopback): the form bootstrap lists and `id --addrs`
// use.
func P2PAddrs(ai peer.AddrInfo) []string {
	ai.Addrs = dialOrder(ai.Addrs)
	addrs, err := peer.AddrInfoToP2pAddrs(&ai)
	if err != nil {
		return nil
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out
}

// P2PAddr returns the first TCP address of ai in dial order with its
// /p2p/ part (the form used in bootstrap lists), or any address when it
// has no TCP one.
func P2PAddr(ai peer.AddrInfo) string {
	all := P2PAddrs(ai)
	for _, s := range all {
		if a, err := ma.NewMultiaddr(s); err == nil {
			if _, err := a.ValueForProtocol(ma.P_TCP); err == nil {
				return s
			}
		}
	}
	if len(all) > 0 {
		return all[0]
	}
	return ""
}
