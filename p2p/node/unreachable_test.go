package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// syncBuffer is a bytes.Buffer that a logger and a test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// deadAddr is a loopback TCP address nothing listens on (connections are
// refused at once).
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port)
}

// A node whose bootstrap peers are all down says so, in one line naming
// them, and keeps trying.
func TestNoBootstrapPeerReachableIsReportedAndRetried(t *testing.T) {
	ca, err := cert.NewCA("lab", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := identity.Generate()
	boot, _ := identity.Generate()
	csr, err := cert.NewCSR(k, cert.RoleNode, "")
	if err != nil {
		t.Fatal(err)
	}
	pemCert, _, err := ca.Sign(csr, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cert.ParseCertPEM(pemCert)
	if err != nil {
		t.Fatal(err)
	}
	bootAddr := deadAddr(t) + "/p2p/" + boot.PeerID().String()
	prof := &profile.Profile{Name: "lab", ProtocolPrefix: "/lab", CA: string(ca.CertPEM()),
		Bootstrap: []string{bootAddr}, Epoch: profile.Duration(time.Hour), Redundancy: "1+1"}
	var logs syncBuffer
	cfg := DefaultConfig("", prof)
	cfg.Key, cfg.Cert = &k, c.Raw
	cfg.Listen = ListenAddrs("127.0.0.1", 0)
	cfg.RetryMin, cfg.RetryMax = 10*time.Millisecond, 40*time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Dialable before Run: a caller may ask the coordinator at once.
	if addrs := n.raw.Peerstore().Addrs(boot.PeerID()); len(addrs) != 1 {
		t.Fatalf("before Run the peer store has %v for the bootstrap peer, want its profile address", addrs)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(rctx) }()
	want := "cannot reach any of the 1 bootstrap peers (" + bootAddr + "); retrying in "
	err = wait.For(ctx, func() error {
		if got := strings.Count(logs.String(), want); got < 3 {
			return fmt.Errorf("%d warnings %q so far; logs:\n%s", got, want, logs.String())
		}
		return nil
	})
	stop()
	if rerr := <-done; rerr != nil && !errors.Is(rerr, context.Canceled) {
		t.Errorf("Run: %v", rerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), want+"40ms") {
		t.Errorf("the retry never backed off to RetryMax:\n%s", logs.String())
	}
}

func TestUnreachableMessage(t *testing.T) {
	got := unreachableMessage([]string{"/ip4/10.0.0.1/tcp/4001/p2p/A", "/dnsaddr/b.example"}, 2, 4*time.Second)
	want := "cannot reach any of the 2 bootstrap peers (/ip4/10.0.0.1/tcp/4001/p2p/A, /dnsaddr/b.example) or the 2 peers known from the last run; retrying in 4s"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
}
