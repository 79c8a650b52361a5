// Package testnet starts a whole ScatterBytes network in one process, out
// of the real roles: a coordinator (package coordinator: the CA on disk in
// its directory, enrolment, bootstrap) as peer 0 and N storage nodes on
// loopback, each with its own directory. The bench and the examples run
// it (`scatterbytes testnet up` and `demo` run real processes instead:
// package procnet); tests reach it through package nettest,
// which adds the testing.TB conveniences. This package never imports
// testing, so that the production binary can use it.
//
// # Bitcoin
//
// With Options.Bitcoin the network pays its nodes on Bitcoin regtest.
// Decisions:
//   - btcd runs as a child process (package btcnode) in DIR/btcd with its
//     transaction and address indexes, so a person can look up what an
//     address received without a wallet (searchrawtransactions); it dies
//     with the process that started it, however that process ends.
//   - The harness, not the coordinator, opens the ledger and makes the
//     payer (coordinator.Config.Ledger and Payer): the coordinator restarts
//     (Peer.Restart) and each run's scheduler reuses them, and the caller
//     reads payouts and balances from Network.Bitcoin().Ledger while it
//     runs (the ledger is safe for concurrent use; the payer is not, and
//     only the coordinator's scheduler calls it).
//   - The coordinator's key is DIR/coordinator/bitcoin.key, as `coordinator
//     payout` uses; FundingBlocks (500) are mined to it before it starts:
//     segwit activates at 432 and 400 coinbases are mature.
//   - Each storage node's payout address is that of its own key,
//     DIR/nodeNN/payout.key (0600), written into the certificate the
//     harness issues; renewals keep it.
//   - Regtest has no miner: a block every BlockEvery (5 s) confirms
//     payouts and adds coinbases to the coordinator.
//   - The pay rate (TestnetPayRateMsat) and schedule (TestnetPayments) are
//     chosen so that a node is paid within two minutes of the start.
package testnet

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// Network is an in-process ScatterBytes network.
type Network struct {
	dir     string
	opts    Options
	CA      *cert.CA         // the coordinator's CA, shared with it; nil on an open network
	Profile *profile.Profile // as the coordinator publishes it: it is the bootstrap peer

	mu    sync.Mutex
	peers []*Peer
	btc   *Bitcoin // nil without Options.Bitcoin
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
	// Storage, if set, makes each storage node's role: a node together
	// with the service that stores its chunks (package testclient's
	// WithStorage makes p2p/storage nodes); nil starts bare nodes. The
	// harness cannot import the storage role itself: the chunk protocol's
	// own tests run on this harness.
	Storage func(ctx context.Context, cfg node.Config, capacity int64) (Role, error)
	// Capacity is each storage node's chunk store limit (default 1 GiB).
	Capacity int64
	// Logger, if set, receives every node's logs with a node attribute.
	Logger *slog.Logger
	// Configure, if set, adjusts each peer's node config (the
	// coordinator's too, as peer 0) before it starts.
	Configure func(i int, c *node.Config)
	// Coordinator, if set, makes peer 0's role, the coordinator (package
	// testclient's WithStorage makes a p2p/coordinator one, with its CA,
	// enrolment and epochs); nil starts a bare node with a coordinator
	// certificate: no enrolment, no beacons. The harness cannot import the
	// coordinator itself, for the same reason as Storage: the coordinator
	// imports the chunk protocol (through proofs), whose own tests run on
	// this harness.
	Coordinator func(ctx context.Context, c CoordinatorSetup) (Role, error)
	// Bitcoin, if set, runs btcd on regtest beside the network, funds the
	// coordinator, enrols every storage node with a regtest payout
	// address of its own and pays them on a schedule (see BitcoinOptions
	// and Network.Bitcoin). It needs Coordinator (the payer runs in it).
	Bitcoin *BitcoinOptions
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
	if err := net.startCoordinator(ctx); err != nil {
		net.Close()
		return nil, err
	}
	if err := net.Profile.Save(filepath.Join(o.Dir, ProfileFile)); err != nil {
		net.Close()
		return nil, err
	}
	var g errgroup.Group
	for range o.Nodes {
		g.Go(func() error { _, err := net.AddNode(); return err })
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
	return net.certify(k, role, "")
}

// certify is Certify with a payout address in the certificate.
func (net *Network) certify(k identity.Key, role cert.Role, payout string) ([]byte, error) {
	if net.CA == nil {
		return cert.SelfSigned(k, role, payout, 24*time.Hour)
	}
	der, _, err := net.CA.Issue(k.PubKey(), role, payout, 24*time.Hour)
	return der, err
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

// Close stops every peer, then btcd if the network runs one.
func (net *Network) Close() {
	var wg sync.WaitGroup
	for _, p := range net.Peers() {
		wg.Add(1)
		go func() { defer wg.Done(); p.Stop() }()
	}
	wg.Wait()
	if net.btc != nil {
		net.btc.close()
	}
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

// Revoke revokes p's certificate at the network CA and hands the new CRL
// to every other running peer at once, as their CRL refresh would within
// node.Config.CRLRefresh (TestRevocationReachesRunningMembers shows it).
func (net *Network) Revoke(p *Peer) error {
	if err := net.CA.Revoke(p.ID); err != nil {
		return err
	}
	der, err := net.CA.CRL(time.Hour)
	if err != nil {
		return err
	}
	crl, err := cert.ParseCRL(der, net.CA.Certificate())
	if err != nil {
		return err
	}
	for _, q := range net.Running() {
		if q != p {
			q.Node().SetCRL(crl)
		}
	}
	return nil
}

// WaitFor polls cond until it returns nil or ctx ends (see package wait).
func WaitFor(ctx context.Context, cond func() error) error { return wait.For(ctx, cond) }
