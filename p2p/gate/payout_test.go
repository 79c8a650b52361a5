package gate_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	"github.com/libp2p/go-msgio"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

const testPayout = "bc1qpayoutaddressneverforunverifiedpeers"

// payoutNode starts a storage node whose certificate carries testPayout.
func payoutNode(t *testing.T, net *testnet.Network) *node.Node {
	t.Helper()
	k := newKey(t)
	der, _, err := net.CA.Issue(k.PubKey(), cert.RoleNode, testPayout, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.DefaultConfig("", net.Profile)
	cfg.Key, cfg.Cert = &k, der
	cfg.Listen = node.ListenAddrs("127.0.0.1", 0)
	cfg.ExchangeTimeout = 5 * time.Second
	cfg.MinPeers = 1
	ctx, cancel := context.WithCancel(context.Background())
	n, err := node.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return n
}

// eavesdropper is a bare host with a fresh key and no valid certificate
// that records every byte anyone sends it on the certificate protocol.
type eavesdropper struct {
	host.Host
	mu  sync.Mutex
	got []byte
}

func newEavesdropper(t *testing.T, k identity.Key) *eavesdropper {
	t.Helper()
	h, err := libp2p.New(
		libp2p.Identity(k.LibP2P()),
		libp2p.NoListenAddrs,
		libp2p.Security(libp2ptls.ID, libp2ptls.New),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.DisableRelay(),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	e := &eavesdropper{Host: h}
	h.SetStreamHandler("/scatterbytes/cert/1.0.0", func(s network.Stream) {
		_ = s.SetDeadline(time.Now().Add(10 * time.Second))
		b, _ := io.ReadAll(s)
		e.record(b)
		s.Reset()
	})
	return e
}

func (e *eavesdropper) record(b []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, b...)
}

func (e *eavesdropper) received() []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	return bytes.Clone(e.got)
}

// An unverified peer never receives a node's certificate, which carries
// its role and payout address: the dialer opens the exchange, the node
// answers only once the dialer's certificate holds (doc.go). It fails
// against the exchange where each side sent its own certificate first.
func TestUnverifiedPeerNeverSeesPayout(t *testing.T) {
	net := nettest.New(t, 2)
	target := payoutNode(t, net)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("peer without a certificate", func(t *testing.T) {
		e := newEavesdropper(t, newKey(t))
		if err := e.Connect(ctx, target.AddrInfo()); err != nil {
			t.Fatal(err)
		}
		// The node hangs up on it (it serves no enrolment): by then
		// anything it would have sent has been sent.
		waitUntil(t, func() error {
			if target.Host().Network().Connectedness(e.ID()) == network.Connected {
				return errors.New("still connected")
			}
			return nil
		})
		if got := e.received(); len(got) > 0 {
			t.Fatalf("the node sent %d bytes on the certificate protocol to a peer without a certificate (payout shown: %v)",
				len(got), bytes.Contains(got, []byte(testPayout)))
		}
	})

	t.Run("peer showing a bad certificate", func(t *testing.T) {
		k := newKey(t)
		e := newEavesdropper(t, k)
		der, err := cert.SelfSigned(k, cert.RoleNode, "", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Connect(ctx, target.AddrInfo()); err != nil {
			t.Fatal(err)
		}
		s, err := e.NewStream(ctx, target.ID(), "/scatterbytes/cert/1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		var msg []byte
		msg = protowire.AppendTag(msg, 1, protowire.BytesType)
		msg = protowire.AppendBytes(msg, der)
		_ = s.SetDeadline(time.Now().Add(10 * time.Second))
		if err := msgio.NewVarintWriter(s).WriteMsg(msg); err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(s)
		if got := append(answer, e.received()...); len(got) > 0 {
			t.Fatalf("the node answered a bad certificate with %d bytes (payout shown: %v)",
				len(got), bytes.Contains(got, []byte(testPayout)))
		}
	})

	t.Run("a member learns it", func(t *testing.T) {
		m := net.Peer(1).Node()
		if err := m.Host().Connect(ctx, target.AddrInfo()); err != nil {
			t.Fatal(err)
		}
		got, err := m.Gate().Wait(ctx, target.ID())
		if err != nil {
			t.Fatal(err)
		}
		if got.Payout != testPayout {
			t.Fatalf("member saw payout %q, want %q", got.Payout, testPayout)
		}
	})
}
