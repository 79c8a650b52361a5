package testnet

import (
	"context"
	"fmt"
	"sync"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"golang.org/x/sync/errgroup"
)

// Peer is one party of a Network: its directory survives Stop, so Start
// brings back the same identity.
type Peer struct {
	net   *Network
	Index int
	Dir   string
	Role  cert.Role
	ID    peer.ID

	cfg    node.Config
	opts   []node.Option
	mu     sync.Mutex
	node   *node.Node
	svc    Service
	cancel context.CancelFunc
	done   chan error
}

// Node returns the running node, or nil when stopped.
func (p *Peer) Node() *node.Node {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.node
}

// Config returns a copy of the peer's node config, to adjust before Start.
func (p *Peer) Config() *node.Config { return &p.cfg }

// Start starts the node from its directory.
func (p *Peer) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.node != nil {
		return fmt.Errorf("node %d already running", p.Index)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var (
		n   *node.Node
		svc Service
		err error
	)
	if p.Role == cert.RoleNode && p.net.opts.Storage != nil {
		n, svc, err = p.net.opts.Storage(ctx, p.cfg, p.net.opts.Capacity)
	} else {
		n, err = node.New(ctx, p.cfg, p.opts...)
	}
	if err != nil {
		cancel()
		return fmt.Errorf("start node %d: %w", p.Index, err)
	}
	done := make(chan error, 1)
	go func() {
		var g errgroup.Group
		g.Go(func() error { return n.Run(ctx) })
		if svc != nil {
			g.Go(func() error { return svc.Run(ctx) })
		}
		done <- g.Wait()
	}()
	p.node, p.svc, p.cancel, p.done, p.ID = n, svc, cancel, done, n.ID()
	return nil
}

// Service returns the storage service running beside the node (see
// Options.Storage), or nil when stopped or when there is none.
func (p *Peer) Service() Service {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.svc
}

// Stop stops the node and waits until it has closed. It is a no-op on a
// stopped node.
func (p *Peer) Stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.node == nil {
		return nil
	}
	p.cancel()
	err := <-p.done
	p.node, p.svc = nil, nil
	return err
}

// Restart stops and starts the node again with the same directory.
func (p *Peer) Restart() error {
	if err := p.Stop(); err != nil {
		return err
	}
	return p.Start()
}
