package node

import (
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/scatterbytes/scatterbytes/p2p/gate"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/tlsbatch"
	"github.com/scatterbytes/scatterbytes/third_party/yamux/muxer"
)

// ProtocolLimit is a per-protocol stream budget; later services (the chunk
// protocol) add theirs through Node options.
type ProtocolLimit struct {
	ID                      protocol.ID
	Streams, StreamsPerPeer int
	Memory, MemoryPerPeer   int64
}

// buildHost makes the libp2p host: TLS 1.3 over TCP and QUIC only, explicit
// resource limits, a connection manager, the gate as connection gater, and
// NAT traversal only on public networks.
func buildHost(cfg *Config, key identity.Key, g *gate.Gate, denied func(peer.ID) bool, limits []ProtocolLimit) (host.Host, error) {
	rm, err := resourceManager(limits)
	if err != nil {
		return nil, err
	}
	ps, err := newPeerstore(denied)
	if err != nil {
		return nil, err
	}
	cm, err := connmgr.NewConnManager(cfg.ConnLow, cfg.ConnHigh, connmgr.WithGracePeriod(time.Minute))
	if err != nil {
		return nil, err
	}
	opts := []libp2p.Option{
		libp2p.Identity(key.LibP2P()),
		libp2p.ListenAddrStrings(cfg.Listen...),
		// libp2p TLS, writing each yamux frame's records in one system
		// call (see p2p/tlsbatch); peers with stock TLS interoperate.
		libp2p.Security(tlsbatch.ID, tlsbatch.New),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.ResourceManager(rm),
		libp2p.ConnectionManager(cm),
		libp2p.ConnectionGater(g),
		libp2p.Peerstore(ps),
		libp2p.UserAgent("scatterbytes"),
		libp2p.Muxer(muxer.ID, Muxer()),
		libp2p.DialRanker(tcpFirst),
		libp2p.DisableMetrics(),
		libp2p.AddrsFactory(addrsFactory(cfg.announce(), cfg.Profile.Public)),
	}
	if cfg.Metrics != nil {
		opts = append(opts, libp2p.BandwidthReporter(cfg.Metrics.Bandwidth()))
	}
	if cfg.Profile.Public {
		opts = append(opts,
			libp2p.NATPortMap(),
			libp2p.EnableHolePunching(),
			libp2p.EnableAutoNATv2(),
		)
	} else {
		opts = append(opts, libp2p.DisableRelay(), libp2p.ForceReachabilityPrivate())
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		ps.Close()
		return nil, fmt.Errorf("start libp2p host: %w", err)
	}
	return h, nil
}

// maxStreamWindow caps a yamux stream's receive window. No ScatterBytes
// protocol sends more than one chunk (at most 4 MiB and 64 KiB) on a
// stream, so a window that holds a whole chunk and its headers never slows
// a transfer, whatever the latency; libp2p's default of 16 MiB could only
// let the buffers of a reader that falls behind grow past a chunk, eight
// streams at a time in a download.
const maxStreamWindow = 4<<20 + 128<<10

// Muxer is yamux for libp2p, from third_party/yamux (go-yamux v5.1.0 with
// its dropped window credit fixed; see FORK.md there), with the receive
// window capped at maxStreamWindow: what ScatterBytes hosts run. It speaks
// /yamux/1.0.0 like every libp2p peer.
//
// Frames stay at yamux's 64 KiB. Frames of 256 KiB cut the CPU of one TLS
// stream by 4% and of a 1 GiB put to six in-process nodes by 6%, but in
// the six-process bench the upload got no faster (within its noise) and
// the client's peak RSS rose by 1–2 MiB, to the 128 MiB limit: each yamux
// session queues up to 64 frames.
func Muxer() *muxer.Transport {
	t := *muxer.DefaultTransport
	t.MaxStreamWindowSize = maxStreamWindow
	return &t
}

// quicDelay is how long a dial waits for TCP before trying QUIC too.
const quicDelay = 250 * time.Millisecond

// tcpFirst ranks TCP addresses before QUIC ones: TLS 1.3 over TCP moves bulk
// data faster than QUIC here (measured for the data path), and chunk
// transfers are bulk. QUIC remains the fallback when TCP does not connect.
func tcpFirst(addrs []ma.Multiaddr) []network.AddrDelay {
	out := make([]network.AddrDelay, 0, len(addrs))
	for _, a := range addrs {
		d := time.Duration(0)
		if _, err := a.ValueForProtocol(ma.P_QUIC_V1); err == nil {
			d = quicDelay
		}
		out = append(out, network.AddrDelay{Addr: a, Delay: d})
	}
	return out
}

// peerLimit is every remote peer's budget, whatever the machine (libp2p
// would scale it with memory: 256 + 128/GiB inbound streams and 64 MiB +
// 128 MiB/GiB, i.e. gigabytes for one peer on a large machine). A member
// needs at most: 16 chunk streams (two per chunk-service slot, see
// p2p/chunk.ProtocolLimit), 16 DHT streams, a few for the certificate
// exchange, identify, ping and gossip; 128 inbound leaves room and stops a
// peer opening thousands. Its memory is what yamux may reserve for receive
// windows: 64 MiB for chunk transfers (16 × 4 MiB windows) plus 32 MiB
// for everything else. Eight connections as libp2p's default: one per
// concurrent dial.
var peerLimit = rcmgr.BaseLimit{
	ConnsInbound: 8, ConnsOutbound: 8, Conns: 8, FD: 8,
	StreamsInbound: 128, StreamsOutbound: 256, Streams: 384,
	Memory: 96 << 20,
}

// resourceManager scales libp2p's default limits to the machine, fixes the
// per-peer budget (peerLimit) and adds explicit per-protocol limits for
// ScatterBytes protocols.
func resourceManager(limits []ProtocolLimit) (network.ResourceManager, error) {
	scaling := rcmgr.DefaultLimits
	libp2p.SetDefaultServiceLimits(&scaling)
	scaling.PeerBaseLimit, scaling.PeerLimitIncrease = peerLimit, rcmgr.BaseLimitIncrease{}
	for _, l := range limits {
		scaling.AddProtocolLimit(l.ID,
			rcmgr.BaseLimit{StreamsInbound: l.Streams, StreamsOutbound: l.Streams, Streams: 2 * l.Streams, Memory: l.Memory},
			rcmgr.BaseLimitIncrease{})
		scaling.AddProtocolPeerLimit(l.ID,
			rcmgr.BaseLimit{StreamsInbound: l.StreamsPerPeer, StreamsOutbound: l.StreamsPerPeer, Streams: 2 * l.StreamsPerPeer, Memory: l.MemoryPerPeer},
			rcmgr.BaseLimitIncrease{})
	}
	// libp2p.DisableMetrics does not reach a resource manager built here:
	// without this option it reports every reservation (each yamux window
	// update among them) to Prometheus, which nothing here scrapes.
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(scaling.AutoScale()), rcmgr.WithMetricsDisabled())
	if err != nil {
		return nil, fmt.Errorf("resource manager: %w", err)
	}
	return rm, nil
}
