package gate

import (
	"context"
	"log/slog"

	"github.com/libp2p/go-libp2p/core/connmgr"
	"github.com/libp2p/go-libp2p/core/control"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
)

var _ connmgr.ConnectionGater = (*Gate)(nil)

// InterceptPeerDial refuses to dial a denied peer or one inside its
// back-off.
func (g *Gate) InterceptPeerDial(p peer.ID) bool {
	return !g.cfg.Denied(p) && !g.backoff.blocked(p)
}

// InterceptAddrDial allows every address of a peer that may be dialled.
func (g *Gate) InterceptAddrDial(peer.ID, ma.Multiaddr) bool { return true }

// InterceptAccept allows every inbound connection until it is authenticated.
func (g *Gate) InterceptAccept(network.ConnMultiaddrs) bool { return true }

// InterceptSecured refuses, as soon as its key is known, in both
// directions and on every transport: a denied peer; a peer inside its
// back-off; and a new inbound peer without a verdict while MaxPending
// peers are already waiting for theirs.
func (g *Gate) InterceptSecured(dir network.Direction, p peer.ID, _ network.ConnMultiaddrs) bool {
	switch {
	case g.cfg.Denied(p):
		g.refused("denied")
		return false
	case g.backoff.blocked(p):
		g.rlog.Log(context.Background(), slog.LevelInfo, "backoff refusal", "connection refused: peer in back-off", "peer", p)
		g.refused("backoff")
		return false
	case dir != network.DirInbound:
		return true
	}
	g.mu.Lock()
	v := g.peers[p]
	full := (v == nil || !v.finished || v.err != nil) && g.pendingLocked() >= g.cfg.MaxPending
	g.mu.Unlock()
	if full {
		g.rlog.Log(context.Background(), slog.LevelWarn, "pending full", "connection refused: too many peers waiting for a verdict", "peer", p, "max", g.cfg.MaxPending)
		g.refused("pending_full")
	}
	return !full
}

// InterceptUpgraded allows the connection; membership is judged by the
// certificate exchange that follows identify.
func (g *Gate) InterceptUpgraded(network.Conn) (bool, control.DisconnectReason) { return true, 0 }
