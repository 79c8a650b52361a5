package chunk

import (
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// ProtocolLimit is the resource-manager budget a node should give the
// chunk protocol (node.WithProtocolLimit). Its per-peer stream limit is
// above DefaultMaxStreamsPerPeer so that a peer over the service's own
// limit gets an ErrBusy answer rather than a silently reset stream; the
// memory budget leaves room for yamux to grow its receive windows, which
// is what lets a 4 MiB PUT run at full speed.
func ProtocolLimit(pid protocol.ID) node.ProtocolLimit {
	return node.ProtocolLimit{
		ID:             pid,
		Streams:        512,
		StreamsPerPeer: 2 * DefaultMaxStreamsPerPeer,
		Memory:         512 << 20,
		MemoryPerPeer:  64 << 20,
	}
}

// peerLimits counts, per remote peer, the streams being served and the
// PUT bytes in flight.
type peerLimits struct {
	maxStreams int
	maxBytes   int64

	mu      sync.Mutex
	streams map[peer.ID]int
	bytes   map[peer.ID]int64
}

func newPeerLimits(maxStreams int, maxBytes int64) *peerLimits {
	return &peerLimits{
		maxStreams: maxStreams,
		maxBytes:   maxBytes,
		streams:    make(map[peer.ID]int),
		bytes:      make(map[peer.ID]int64),
	}
}

// stream takes one of p's stream slots; release gives it back.
func (l *peerLimits) stream(p peer.ID) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.streams[p] >= l.maxStreams {
		return nil, false
	}
	l.streams[p]++
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.streams[p]--; l.streams[p] == 0 {
			delete(l.streams, p)
		}
	}, true
}

// reserve takes n of p's in-flight byte budget; release gives it back.
func (l *peerLimits) reserve(p peer.ID, n int64) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bytes[p]+n > l.maxBytes {
		return nil, false
	}
	l.bytes[p] += n
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.bytes[p] -= n; l.bytes[p] == 0 {
			delete(l.bytes, p)
		}
	}, true
}

// heldBy is what p holds: streams and PUT bytes.
func (l *peerLimits) heldBy(p peer.ID) (streams int, bytes int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.streams[p], l.bytes[p]
}

// held sums the streams and bytes held by every peer.
func (l *peerLimits) held() (streams int, bytes int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range l.streams {
		streams += n
	}
	for _, n := range l.bytes {
		bytes += n
	}
	return streams, bytes
}
