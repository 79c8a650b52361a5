package gate

import (
	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

var _ connmgr.ConnectionGater = (*Gate)(nil)

// InterceptPeerDial refuses to dial a denied peer.
func (g *Gate) InterceptPeerDial(p peer.ID) bool { return !g.cfg.Denied(p) }

// InterceptAddrDial allows every address of a peer that may be dialled.
func (g *Gate) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return true }

// InterceptAccept allows every inbound connection until it is authenticated.
func (g *Gate) InterceptAccept(network.ConnMultiaddrs) bool { return true }

// InterceptSecured refuses a denied peer as soon as its key is known, in
// both directions and on every transport.
func (g *Gate) InterceptSecured(_ network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	return !g.cfg.Denied(p)
}

// InterceptUpgraded allows the connection; membership is judged by the
// certificate exchange that follows identify.
func (g *Gate) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
