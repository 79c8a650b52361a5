package storage

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/p2p/metrics"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// Node is the storage node role: a node (package node) with the chunk
// protocol's resource budget and the storage service over its chunk store,
// run together. Make it with New, then Run it.
type Node struct {
	node *node.Node
	st   *Storage
}

// New makes a storage node from cfg, with its chunk store in cfg.Dir (or
// scfg.Store): the node listens and serves the chunk protocol, but nothing
// is dialled until Run. A Node that is never Run must be closed with Close.
func New(ctx context.Context, cfg node.Config, scfg Config, opts ...node.Option) (*Node, error) {
	if scfg.Metrics == nil {
		scfg.Metrics = cfg.Metrics
	}
	if scfg.Metrics == nil {
		scfg.Metrics = metrics.New()
	}
	cfg.Metrics = scfg.Metrics
	n, err := node.New(ctx, cfg, append(opts, Limit(&cfg))...)
	if err != nil {
		return nil, err
	}
	s, err := Open(ctx, n, cfg.Dir, scfg)
	if err != nil {
		n.Close()
		return nil, err
	}
	return &Node{node: n, st: s}, nil
}

// Run keeps the node in the network and serves, announces and scrubs its
// chunks until ctx ends or one of them fails; then it stops both and
// closes the store.
func (n *Node) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return n.node.Run(ctx) })
	g.Go(func() error { return n.st.Run(ctx) })
	return g.Wait()
}

// Close stops a Node that was never Run.
func (n *Node) Close() error {
	n.st.svc.Close()
	n.st.closeStore()
	return n.node.Close()
}

// Node is the storage node's peer.
func (n *Node) Node() *node.Node { return n.node }

// Storage is the storage service: its store and chunk protocol counts.
func (n *Node) Storage() *Storage { return n.st }
