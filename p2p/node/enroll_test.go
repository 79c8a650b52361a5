package node_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

func TestNewcomerEnrolsAndJoins(t *testing.T) {
	net := nettest.NewWith(t, testclient.WithCoordinator(testnet.Options{Nodes: 3}, nil))
	dir := t.TempDir()
	k, err := identity.LoadOrCreate(filepath.Join(dir, node.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	if _, err := node.Enroll(ctx, dir, net.Profile, k, cert.RoleCoordinator, ""); !errors.Is(err, enroll.ErrRefused) {
		t.Fatalf("enrolling as coordinator = %v, want refused", err)
	}
	m, err := node.Enroll(ctx, dir, net.Profile, k, cert.RoleNode, "bcrt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqdku202")
	if err != nil {
		t.Fatal(err)
	}
	if m.Peer != k.PeerID() || m.Role != cert.RoleNode || m.Payout != "bcrt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqdku202" {
		t.Fatalf("enrolled as %+v", m)
	}
	cfg := node.DefaultConfig(dir, net.Profile)
	cfg.Listen = node.ListenAddrs("127.0.0.1", 0)
	n, err := node.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(rctx) }()
	t.Cleanup(func() { stop(); <-done })
	err = testnet.WaitFor(ctx, func() error {
		for _, p := range net.Nodes() {
			if p.Node().DHT().RoutingTable().Find(n.ID()) == "" {
				return fmt.Errorf("node %d does not route to the newcomer", p.Index)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCertificateRenewsBeforeExpiry(t *testing.T) {
	net := nettest.NewWith(t, testclient.WithCoordinator(testnet.Options{Nodes: 1}, nil))
	p := net.Peer(1)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	k, err := identity.Load(filepath.Join(p.Dir, node.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	// A certificate with under a third of its life left is renewed at once.
	der, short, err := net.CA.Issue(k.PubKey(), cert.RoleNode, "", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !cert.NeedsRenewal(short, time.Now()) {
		t.Fatalf("test certificate does not need renewal: %+v", short)
	}
	if err := os.WriteFile(filepath.Join(p.Dir, node.CertFile), cert.EncodeCertPEM(der), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = testnet.WaitFor(ctx, func() error {
		b, err := os.ReadFile(filepath.Join(p.Dir, node.CertFile))
		if err != nil {
			return err
		}
		c, err := cert.ParseCertPEM(b)
		if err != nil {
			return err
		}
		if !c.NotAfter.After(short.NotAfter.Add(time.Hour)) {
			return fmt.Errorf("certificate still expires at %v", c.NotAfter)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
