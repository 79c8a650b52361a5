package gate

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// Host wraps h so that everything done through it is gated: handlers serve
// only verified peers and streams are opened only to verified peers. Give it,
// not the raw host, to the DHT, pubsub and the chunk service.
func (g *Gate) Host(h host.Host) host.Host { return &gatedHost{Host: h, g: g} }

type gatedHost struct {
	host.Host
	g *Gate
}

func (h *gatedHost) SetStreamHandler(pid protocol.ID, handler network.StreamHandler) {
	h.Host.SetStreamHandler(pid, h.g.Guard(handler))
}

func (h *gatedHost) SetStreamHandlerMatch(pid protocol.ID, m func(protocol.ID) bool, handler network.StreamHandler) {
	h.Host.SetStreamHandlerMatch(pid, m, h.g.Guard(handler))
}

// NewStream connects to p if needed, waits for p's verdict and only then
// opens the stream, so nothing is sent to an unverified peer.
func (h *gatedHost) NewStream(ctx context.Context, p peer.ID, pids ...protocol.ID) (network.Stream, error) {
	if h.Network().Connectedness(p) != network.Connected {
		if err := h.Connect(ctx, peer.AddrInfo{ID: p}); err != nil {
			return nil, err
		}
	}
	if _, err := h.g.Wait(ctx, p); err != nil {
		return nil, fmt.Errorf("open stream to %s: %w", p, err)
	}
	return h.Host.NewStream(ctx, p, pids...)
}

// Guard wraps a stream handler so that it runs only for verified peers; the
// stream of any other peer is reset before a byte is read.
func (g *Gate) Guard(handler network.StreamHandler) network.StreamHandler {
	return func(s network.Stream) {
		if _, err := g.Wait(g.ctxOrBackground(), s.Conn().RemotePeer()); err != nil {
			s.Reset()
			return
		}
		handler(s)
	}
}

// RoutingTableFilter is a kad-dht RoutingTableFilter admitting only verified peers.
func (g *Gate) RoutingTableFilter(_ any, p peer.ID) bool {
	_, ok := g.Verified(p)
	return ok
}

// PeerFilter is a pubsub peer filter admitting only verified peers.
func (g *Gate) PeerFilter(p peer.ID, _ string) bool {
	_, ok := g.Verified(p)
	return ok
}

func (g *Gate) ctxOrBackground() context.Context {
	select {
	case <-g.ready:
		return g.ctx
	default:
		return context.Background()
	}
}
