package gossip

import (
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"google.golang.org/protobuf/proto"
)

// Traffic counts a router's pubsub RPCs: what gossip costs a node. Bytes
// are protobuf frame bytes, before the stream muxer and TLS add theirs.
type Traffic struct {
	SentRPCs, SentBytes         int64 // RPCs handed to the transport
	SentMessages, SentDataBytes int64 // the messages among them, and their data
	RecvRPCs, RecvBytes         int64
	DroppedRPCs                 int64 // outbound RPCs dropped, the peer's queue full
}

// traffic is a pubsub.RawTracer that counts, and follows the mesh. Its
// methods run on pubsub's goroutines, some concurrently.
type traffic struct {
	sentRPCs, sentBytes, sentMsgs, sentData, recvRPCs, recvBytes, dropped atomic.Int64

	mu   sync.Mutex
	mesh map[string]map[peer.ID]struct{} // topic -> mesh peers
}

func (t *traffic) Graft(p peer.ID, topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mesh == nil {
		t.mesh = map[string]map[peer.ID]struct{}{}
	}
	if t.mesh[topic] == nil {
		t.mesh[topic] = map[peer.ID]struct{}{}
	}
	t.mesh[topic][p] = struct{}{}
}

func (t *traffic) Prune(p peer.ID, topic string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.mesh[topic], p)
}

// OnClosedOutboundStream is a peer gone: gossipsub drops it from every
// mesh without a Prune.
func (t *traffic) OnClosedOutboundStream(p peer.ID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.mesh {
		delete(m, p)
	}
}

func (t *traffic) meshOf(topic string) []peer.ID {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]peer.ID, 0, len(t.mesh[topic]))
	for p := range t.mesh[topic] {
		out = append(out, p)
	}
	return out
}

var _ pubsub.RawTracer = (*traffic)(nil)

func (t *traffic) snapshot() Traffic {
	return Traffic{
		SentRPCs: t.sentRPCs.Load(), SentBytes: t.sentBytes.Load(),
		SentMessages: t.sentMsgs.Load(), SentDataBytes: t.sentData.Load(),
		RecvRPCs: t.recvRPCs.Load(), RecvBytes: t.recvBytes.Load(),
		DroppedRPCs: t.dropped.Load(),
	}
}

func (t *traffic) SendRPCCompleted(rpc *pubsub.RPC, _ peer.ID, _ time.Duration) {
	t.sentRPCs.Add(1)
	t.sentBytes.Add(int64(proto.Size(&rpc.RPC)))
	for _, m := range rpc.GetPublish() {
		t.sentMsgs.Add(1)
		t.sentData.Add(int64(len(m.GetData())))
	}
}

func (t *traffic) RecvRPC(rpc *pubsub.RPC) {
	t.recvRPCs.Add(1)
	t.recvBytes.Add(int64(proto.Size(&rpc.RPC)))
}

func (t *traffic) DropRPC(*pubsub.RPC, peer.ID) { t.dropped.Add(1) }

func (*traffic) OnNewOutboundStream(peer.ID, protocol.ID) {}
func (*traffic) Join(string)                              {}
func (*traffic) Leave(string)                             {}
func (*traffic) ValidateMessage(*pubsub.Message)          {}
func (*traffic) DeliverMessage(*pubsub.Message)           {}
func (*traffic) RejectMessage(*pubsub.Message, string)    {}
func (*traffic) DuplicateMessage(*pubsub.Message)         {}
func (*traffic) ThrottlePeer(peer.ID)                     {}
func (*traffic) SendRPC(*pubsub.RPC, peer.ID)             {}
func (*traffic) UndeliverableMessage(*pubsub.Message)     {}
