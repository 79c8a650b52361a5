package coordinator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// newProfile is the profile of a network whose CA is the one Init made in dir.
func newProfile(t *testing.T, dir string) *profile.Profile {
	t.Helper()
	ca, err := coordinator.LoadCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &profile.Profile{Name: "coord-test", ProtocolPrefix: "/scatterbytes", CA: string(ca.CertPEM()),
		Epoch: profile.Duration(time.Second), Redundancy: "1+0"}
}

// start runs a coordinator from dir until the test ends or stop is called.
func start(t *testing.T, dir string, p *profile.Profile) (c *coordinator.Coordinator, stop func()) {
	t.Helper()
	cfg := coordinator.DefaultConfig(dir, p)
	cfg.Node.Listen = node.ListenAddrs("127.0.0.1", 0)
	cfg.Node.RetryMin, cfg.Node.RetryMax = 50*time.Millisecond, time.Second
	c, err := coordinator.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("coordinator run: %v", err)
		}
	}
	t.Cleanup(stop)
	return c, stop
}

// enrolAndRun enrols a fresh storage node with the network of p and runs it
// until the test ends.
func enrolAndRun(t *testing.T, ctx context.Context, p *profile.Profile) *storage.Node {
	t.Helper()
	dir := t.TempDir()
	k, err := identity.LoadOrCreate(filepath.Join(dir, node.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	m, err := node.Enroll(ctx, dir, p, k, cert.RoleNode, "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Peer != k.PeerID() || m.Role != cert.RoleNode {
		t.Fatalf("enrolled as %+v", m)
	}
	cfg := node.DefaultConfig(dir, p)
	cfg.Listen = node.ListenAddrs("127.0.0.1", 0)
	cfg.RetryMin, cfg.RetryMax = 50*time.Millisecond, time.Second
	n, err := storage.New(ctx, cfg, storage.Config{Capacity: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return n
}

// verifiedBy waits until c holds n as a verified storage node in its
// routing table.
func verifiedBy(t *testing.T, ctx context.Context, c *coordinator.Coordinator, n *storage.Node) {
	t.Helper()
	err := wait.For(ctx, func() error {
		m, ok := c.Node().Gate().Verified(n.Node().ID())
		if !ok || m.Role != cert.RoleNode {
			return fmt.Errorf("the coordinator has not verified the node")
		}
		if c.Node().DHT().RoutingTable().Find(n.Node().ID()) == "" {
			return fmt.Errorf("the node is not in the coordinator's routing table")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEnrolAndRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "coordinator")
	if err := coordinator.Init(dir, "coord-test"); err != nil {
		t.Fatal(err)
	}
	if err := coordinator.Init(dir, "coord-test"); !errors.Is(err, coordinator.ErrHasCA) {
		t.Fatalf("second Init = %v, want ErrHasCA", err)
	}
	for _, f := range []string{node.KeyFile, filepath.Join(coordinator.CADir, "ca.key")} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, mode %v; want 0600", f, err, st.Mode().Perm())
		}
	}
	prof := newProfile(t, dir)
	c, stop := start(t, dir, prof)
	published := c.Profile()
	if published.CoordinatorID() != c.ID() || len(published.BootstrapPeers()) != 1 || published.BootstrapPeers()[0].ID != c.ID() {
		t.Fatalf("published profile names coordinator %s and bootstrap %v", published.Coordinator, published.Bootstrap)
	}
	verifiedBy(t, ctx, c, enrolAndRun(t, ctx, published))

	id, caRaw := c.ID(), c.CA().Certificate().Raw
	stop()
	c2, _ := start(t, dir, prof)
	if c2.ID() != id {
		t.Fatalf("restarted as %s, want %s", c2.ID(), id)
	}
	if !bytes.Equal(c2.CA().Certificate().Raw, caRaw) {
		t.Fatal("restarted with another CA")
	}
	verifiedBy(t, ctx, c2, enrolAndRun(t, ctx, c2.Profile()))
}

func TestNewRefusesAForeignProfile(t *testing.T) {
	dir, other := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, d := range []string{dir, other} {
		if err := coordinator.Init(d, "coord-test"); err != nil {
			t.Fatal(err)
		}
	}
	foreign := newProfile(t, other)
	cfg := coordinator.DefaultConfig(dir, foreign)
	if _, err := coordinator.New(context.Background(), cfg); err == nil {
		t.Fatal("New accepted a profile of another CA")
	}
	k, _ := identity.Generate()
	mine := newProfile(t, dir)
	mine.Coordinator = k.PeerID().String()
	cfg = coordinator.DefaultConfig(dir, mine)
	if _, err := coordinator.New(context.Background(), cfg); err == nil {
		t.Fatal("New accepted a profile naming another coordinator")
	}
}

func TestOpenNetwork(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "coordinator")
	if err := coordinator.InitOpen(dir); err != nil {
		t.Fatal(err)
	}
	prof := &profile.Profile{Name: "open-test", ProtocolPrefix: "/scatterbytes", Open: true,
		Epoch: profile.Duration(time.Second), Redundancy: "1+0"}
	c, _ := start(t, dir, prof)
	if c.CA() != nil || c.Enrollment() != nil {
		t.Fatal("a coordinator of an open network holds a CA")
	}
	b, err := os.ReadFile(filepath.Join(dir, node.CertFile))
	if err != nil {
		t.Fatal(err)
	}
	own, err := cert.ParseCertPEM(b)
	if err != nil {
		t.Fatal(err)
	}
	v := cert.Verifier{} // no CA: the certificate must be self-signed
	if m, err := v.Verify(own.Raw, c.ID()); err != nil || m.Role != cert.RoleCoordinator {
		t.Fatalf("own certificate: %+v, %v", m, err)
	}
}
