package testnet

import (
	"context"
	"fmt"
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// Role is a party the harness runs: its node and whatever runs beside it,
// all stopped when Run's context ends. *coordinator.Coordinator and
// *storage.Node are roles; Bare makes one of a node alone.
type Role interface {
	Node() *node.Node
	Run(ctx context.Context) error
}

// Bare is n as a Role that runs nothing beside the node.
func Bare(n *node.Node) Role { return bare{n} }

type bare struct{ n *node.Node }

func (b bare) Node() *node.Node              { return b.n }
func (b bare) Run(ctx context.Context) error { return b.n.Run(ctx) }

// Peer is one party of a Network: its directory survives Stop, so Start
// brings back the same identity.
type Peer struct {
	net   *Network
	Index int
	Dir   string
	Kind  cert.Role // RoleCoordinator for peer 0, RoleNode for the rest
	ID    peer.ID
	// Payout is the regtest address a storage node enrolled with (the
	// key in PayoutKeyFile); "" without Options.Bitcoin.
	Payout string

	cfg    node.Config
	mu     sync.Mutex
	role   Role
	cancel context.CancelFunc
	done   chan error
}

// Node returns the running node, or nil when stopped.
func (p *Peer) Node() *node.Node {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.role == nil {
		return nil
	}
	return p.role.Node()
}

// Role returns the running role, or nil when stopped: the coordinator for
// peer 0, what Options.Storage made for the others.
func (p *Peer) Role() Role {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.role
}

// Config returns the peer's node config, to adjust before Start.
func (p *Peer) Config() *node.Config { return &p.cfg }

// Start starts the peer's role from its directory.
func (p *Peer) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.role != nil {
		return fmt.Errorf("node %d already running", p.Index)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, err := p.newRole(ctx)
	if err != nil {
		cancel()
		return fmt.Errorf("start node %d: %w", p.Index, err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	p.role, p.cancel, p.done, p.ID = r, cancel, done, r.Node().ID()
	return nil
}

func (p *Peer) newRole(ctx context.Context) (Role, error) {
	switch {
	case p.Kind == cert.RoleCoordinator:
		return p.newCoordinator(ctx)
	case p.net.opts.Storage != nil:
		return p.net.opts.Storage(ctx, p.cfg, p.net.opts.Capacity)
	default:
		n, err := node.New(ctx, p.cfg)
		if err != nil {
			return nil, err
		}
		return Bare(n), nil
	}
}

// Stop stops the peer and waits until it has closed. It is a no-op on a
// stopped peer.
func (p *Peer) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.role == nil {
		return nil
	}
	p.cancel()
	err := <-p.done
	p.role = nil
	return err
}

// Restart stops and starts the peer again with the same directory.
func (p *Peer) Restart() error {
	if err := p.Stop(); err != nil {
		return err
	}
	return p.Start()
}
