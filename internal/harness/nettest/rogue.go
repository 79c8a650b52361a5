package nettest

import (
	"context"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/libp2p/go-msgio"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/p2p/identity"
)

// Rogue starts a bare libp2p host with key k on loopback (TCP and QUIC)
// that answers the certificate exchange with der, whatever that is: the
// way tests present a peer with a bad certificate. It runs no gate of its
// own and is closed by t.Cleanup. Like a member, it opens the exchange on
// every connection it dials.
func Rogue(t testing.TB, k identity.Key, der []byte) host.Host {
	t.Helper()
	h, err := libp2p.New(
		libp2p.Identity(k.LibP2P()),
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"),
		libp2p.Security(libp2ptls.ID, libp2ptls.New),
		libp2p.Transport(tcp.NewTCPTransport), libp2p.Transport(quic.NewTransport),
		libp2p.DisableRelay(),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	var msg []byte // a CertMessage (package gate) holding der
	msg = protowire.AppendTag(msg, 1, protowire.BytesType)
	msg = protowire.AppendBytes(msg, der)
	h.SetStreamHandler(certProto, func(s network.Stream) {
		defer s.Close()
		msgio.NewVarintReaderSize(s, 1<<20).ReadMsg()
		msgio.NewVarintWriter(s).WriteMsg(msg)
	})
	// The dialer opens the exchange (package gate): on each connection it
	// dials, the rogue sends der first, as a member would.
	h.Network().Notify(&network.NotifyBundle{ConnectedF: func(_ network.Network, c network.Conn) {
		if c.Stat().Direction != network.DirOutbound {
			return
		}
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := h.NewStream(network.WithNoDial(ctx, "certificate exchange"), c.RemotePeer(), certProto)
			if err != nil {
				return
			}
			defer s.Reset()
			_ = s.SetDeadline(time.Now().Add(10 * time.Second))
			if msgio.NewVarintWriter(s).WriteMsg(msg) == nil {
				msgio.NewVarintReaderSize(s, 1<<20).ReadMsg()
			}
		}()
	}})
	return h
}

const certProto = "/scatterbytes/cert/1.0.0"
