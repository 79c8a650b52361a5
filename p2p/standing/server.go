package standing

import (
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"
)

// Answer answers one decoded request from remote (the stream's verified
// peer). It must not return a response over MaxResponse: Fit and the body
// limits say what fits.
type Answer func(remote peer.ID, req *Request) *Response

// Serve registers the protocol on h, which must be the gated host: only
// verified members reach it.
func Serve(h host.Host, pid protocol.ID, answer Answer) {
	h.SetStreamHandler(pid, func(st network.Stream) {
		defer st.Close()
		_ = st.SetDeadline(time.Now().Add(10 * time.Second))
		b, err := msgio.NewVarintReaderSize(st, MaxRequest).ReadMsg()
		if err != nil {
			st.Reset()
			return
		}
		var req Request
		if err := req.unmarshal(b); err != nil {
			st.Reset()
			return
		}
		resp := answer(st.Conn().RemotePeer(), &req)
		if err := msgio.NewVarintWriter(st).WriteMsg(resp.marshal()); err != nil {
			st.Reset()
		}
	})
}
