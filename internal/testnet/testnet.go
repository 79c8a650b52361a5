// Package testnet starts a whole ScatterBytes network in one process for
// tests: a CA and N storage nodes on loopback, each with its own directory,
// torn down by t.Cleanup. Later layers (the coordinator, clients) hang off
// the same Network.
package testnet

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// Network is an in-process ScatterBytes network.
type Network struct {
	dir     string
	opts    Options
	CA      *cert.CA
	Enroll  *enroll.Server   // the coordinator's enrolment service; nil on an open network
	Profile *profile.Profile // bootstrap: the coordinator

	mu    sync.Mutex
	peers []*Peer
}

// Options shape a Network. The zero value is a CA network with fast epochs.
type Options struct {
	// Dir holds every node's directory and the profile; it must exist.
	Dir string
	// Nodes is how many storage nodes to start besides the coordinator.
	Nodes int
	// Open makes an open network: no CA, self-signed certificates.
	Open bool
	// Epoch is the profile's epoch length (default 2s).
	Epoch time.Duration
	// Storage, if set, starts each storage node together with the service
	// that stores its chunks (p2p/storage.StartNode fits); nil starts bare
	// nodes. The harness cannot import the storage service itself: the
	// chunk protocol's own tests run on this harness.
	Storage func(ctx context.Context, cfg node.Config, capacity int64) (*node.Node, Service, error)
	// Capacity is each storage node's chunk store limit (default 1 GiB).
	Capacity int64
	// Logger, if set, receives every node's logs with a node attribute.
	Logger *slog.Logger
	// Configure, if set, adjusts each node's config before it starts.
	Configure func(i int, c *node.Config)
}

// redundancyFor is the default erasure coding of a testnet of n storage
// nodes: 4+2, or what fits when there are fewer than six (every shard of a
// stripe needs its own node). With no nodes yet, 4+2: nodes will come.
func redundancyFor(n int) string {
	if n == 0 || n >= 6 {
		return "4+2"
	}
	m := min(2, n-1)
	return fmt.Sprintf("%d+%d", n-m, m)
}

// Service is what runs beside a storage node until its context ends.
type Service interface {
	Run(ctx context.Context) error
}

// ProfileFile is the profile's file name in Options.Dir.
const ProfileFile = "network.json"

// Start starts a network and waits until it is ready (see Ready) or ctx ends.
// Close stops it.
func Start(ctx context.Context, o Options) (*Network, error) {
	if o.Epoch == 0 {
		o.Epoch = 2 * time.Second
	}
	if o.Capacity == 0 {
		o.Capacity = 1 << 30
	}
	net := &Network{dir: o.Dir, opts: o}
	net.Profile = &profile.Profile{
		Name: "testnet", ProtocolPrefix: "/scatterbytes", Open: o.Open,
		Epoch: profile.Duration(o.Epoch), Redundancy: redundancyFor(o.Nodes), PayRateMsat: 1000,
	}
	if !o.Open {
		ca, err := cert.NewCA("testnet", 365*24*time.Hour)
		if err != nil {
			return nil, err
		}
		net.CA = ca
		net.Profile.CA = string(ca.CertPEM())
		net.Enroll = &enroll.Server{CA: ca, Approve: enroll.ApproveMembers,
			Validity: 24 * time.Hour, CRLValidity: time.Hour, Logger: o.Logger}
	}
	coord, err := net.add(cert.RoleCoordinator)
	if err != nil {
		return nil, err
	}
	net.Profile.Bootstrap = []string{node.P2PAddr(coord.Node().AddrInfo())}
	net.Profile.Coordinator = coord.ID.String()
	if err := net.Profile.Save(filepath.Join(o.Dir, ProfileFile)); err != nil {
		net.Close()
		return nil, err
	}
	var g errgroup.Group
	for range o.Nodes {
		g.Go(func() error { _, err := net.add(cert.RoleNode); return err })
	}
	if err := g.Wait(); err != nil {
		net.Close()
		return nil, err
	}
	if err := net.Ready(ctx); err != nil {
		net.Close()
		return nil, err
	}
	return net, nil
}

// New starts a coordinator (peer 0: CA, enrolment, bootstrap) and n storage
// nodes (peers 1..n) in a temporary directory for a test, waits until it is ready and stops it in t.Cleanup.
func New(t testing.TB, n int) *Network {
	t.Helper()
	return NewWith(t, Options{Nodes: n})
}

// NewWith is New with options; o.Dir defaults to a temporary directory.
func NewWith(t testing.TB, o Options) *Network {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.Logger == nil && os.Getenv("SB_TEST_LOG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	net, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(net.Close)
	return net
}

// Logger is the network's logger (nil: none).
func (net *Network) Logger() *slog.Logger { return net.opts.Logger }

// Dir is the directory holding the network's profile and peers.
func (net *Network) Dir() string { return net.dir }

// Coordinator returns the coordinator, peer 0.
func (net *Network) Coordinator() *Peer { return net.Peer(0) }

// Nodes returns the storage nodes, peers 1..n.
func (net *Network) Nodes() []*Peer { return net.Peers()[1:] }

// Peers returns every peer in start order: the coordinator, then the nodes.
func (net *Network) Peers() []*Peer {
	net.mu.Lock()
	defer net.mu.Unlock()
	return append([]*Peer(nil), net.peers...)
}

// Peer returns the i-th peer.
func (net *Network) Peer(i int) *Peer { return net.Peers()[i] }

// AddNode starts one more storage node joined through the bootstrap node.
func (net *Network) AddNode() (*Peer, error) { return net.add(cert.RoleNode) }

// NewMember makes a key and a certificate for a party without starting it.
func (net *Network) NewMember(role cert.Role) (identity.Key, []byte, error) {
	k, err := identity.Generate()
	if err != nil {
		return identity.Key{}, nil, err
	}
	der, err := net.Certify(k, role)
	return k, der, err
}

// Certify returns a DER certificate for k: signed by the CA, or self-signed
// on an open network.
func (net *Network) Certify(k identity.Key, role cert.Role) ([]byte, error) {
	if net.CA == nil {
		return cert.SelfSigned(k, role, "", 24*time.Hour)
	}
	der, _, err := net.CA.Issue(k.PubKey(), role, "", 24*time.Hour)
	return der, err
}

func (net *Network) add(role cert.Role) (*Peer, error) {
	net.mu.Lock()
	i := len(net.peers)
	name := fmt.Sprintf("node%02d", i)
	if role == cert.RoleCoordinator {
		name = "coordinator"
	}
	p := &Peer{net: net, Index: i, Dir: filepath.Join(net.dir, name), Role: role}
	if role == cert.RoleCoordinator && net.Enroll != nil {
		p.opts = append(p.opts, node.WithEnrollment(net.Enroll))
	}
	net.peers = append(net.peers, p)
	prof := *net.Profile // each node its own copy: the bootstrap list changes after node 0
	net.mu.Unlock()
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return nil, err
	}
	k, der, err := net.NewMember(role)
	if err != nil {
		return nil, err
	}
	if err := identity.Save(filepath.Join(p.Dir, node.KeyFile), k); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(p.Dir, node.CertFile), cert.EncodeCertPEM(der), 0o644); err != nil {
		return nil, err
	}
	p.cfg = node.DefaultConfig(p.Dir, &prof)
	p.cfg.Role = role
	p.cfg.Listen = node.ListenAddrs("127.0.0.1", 0)
	p.cfg.ExchangeTimeout = 5 * time.Second
	p.cfg.RetryMin = 50 * time.Millisecond
	p.cfg.RetryMax = time.Second
	if net.opts.Logger != nil {
		p.cfg.Logger = net.opts.Logger.With("node", i)
	}
	if net.opts.Configure != nil {
		net.opts.Configure(i, &p.cfg)
	}
	return p, p.Start()
}

// Ready waits until every running node's routing table holds every other
// running node (or at least 20 of them on bigger networks).
func (net *Network) Ready(ctx context.Context) error {
	return WaitFor(ctx, func() error {
		running := net.Running()
		want := min(len(running)-1, 20)
		for _, p := range running {
			if got := p.Node().DHT().RoutingTable().Size(); got < want {
				return fmt.Errorf("node %d has %d peers in its routing table, want %d", p.Index, got, want)
			}
		}
		return nil
	})
}

// Running returns the peers that are running now.
func (net *Network) Running() []*Peer {
	var out []*Peer
	for _, p := range net.Peers() {
		if p.Node() != nil {
			out = append(out, p)
		}
	}
	return out
}

// Close stops every node; New arranges for t.Cleanup to call it.
func (net *Network) Close() {
	var wg sync.WaitGroup
	for _, p := range net.Peers() {
		wg.Add(1)
		go func() { defer wg.Done(); p.Stop() }()
	}
	wg.Wait()
}

// Partition cuts peer i off from every other peer (both directions).
func (net *Network) Partition(i int) {
	a := net.Peer(i)
	for _, b := range net.Running() {
		if b != a && a.Node() != nil {
			a.Node().Block(b.ID)
			b.Node().Block(a.ID)
		}
	}
}

// Heal undoes Partition(i).
func (net *Network) Heal(i int) {
	a := net.Peer(i)
	for _, b := range net.Running() {
		if b != a && a.Node() != nil {
			a.Node().Unblock(b.ID)
			b.Node().Unblock(a.ID)
		}
	}
}

// WaitFor polls cond until it returns nil or ctx ends (see package wait).
func WaitFor(ctx context.Context, cond func() error) error { return wait.For(ctx, cond) }
