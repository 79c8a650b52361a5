package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/scatterbytes/scatterbytes/client/catalog"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/chunk"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
)

// Client stores and retrieves files. Make one with Open and Close it.
// Its methods are safe for concurrent use.
type Client struct {
	cfg    Config
	log    *slog.Logger
	key    identity.Key
	master keys.MasterKey
	cat    *catalog.Catalog
	node   *node.Node
	chunks chunk.Client
	shards *shard.Net // placement, shard uploads and fetches
	// rootHints maps a manifest root's key (cid.KeyString) to the nodes
	// the catalog says hold it, learnt by Resolve: a get by name asks
	// them first, no guess and no lookup.
	rootHints sync.Map

	stop context.CancelFunc
	done chan error
	once sync.Once
}

// Stats counts what the client sent and skipped, for progress and tests;
// the shard layer below the client keeps them.
type Stats = shard.Stats

// Init creates a client directory: identity key and master key (both 0600),
// the master key sealed with passphrase when one is given.
func Init(dir string, passphrase []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if _, err := identity.LoadOrCreate(filepath.Join(dir, node.KeyFile)); err != nil {
		return err
	}
	err := keys.SaveMaster(filepath.Join(dir, MasterKeyFile), keys.GenerateMaster(), passphrase)
	if errors.Is(err, keys.ErrExists) {
		return nil
	}
	return err
}

// Open starts the client: it loads its keys, enrols with the coordinator if
// it has no certificate yet, opens the catalog and joins the network.
func Open(ctx context.Context, cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, log: cfg.Logger, chunks: chunk.Client{Protocol: cfg.Profile.Protocol("chunk", "1.0.0")}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if err := c.loadKeys(); err != nil {
		return nil, err
	}
	n, err := c.startNode(ctx)
	if err != nil {
		return nil, err
	}
	c.node = n
	if c.shards, err = shard.New(n, c.chunks, c.key, shard.Config{Lifetime: cfg.Lifetime, Standings: standingsOf(n, c.log), NoProviderLookups: cfg.NoProviderLookups}, c.log); err != nil {
		n.Close()
		return nil, err
	}
	// The node joins while the catalog opens: opening it syncs the disk
	// (unless read-only), which on a busy disk takes longer than joining.
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	c.stop, c.done = stop, make(chan error, 1)
	go func() { c.done <- n.Run(rctx) }()
	open := catalog.Open
	if cfg.ReadOnly {
		open = catalog.OpenReadOnly
	}
	if c.cat, err = open(filepath.Join(cfg.Dir, CatalogDir), c.master); err != nil {
		stop()
		<-c.done
		return nil, err
	}
	return c, nil
}

func (c *Client) loadKeys() error {
	if c.cfg.Key != nil {
		c.key = *c.cfg.Key
	} else {
		k, err := identity.Load(filepath.Join(c.cfg.Dir, node.KeyFile))
		if err != nil {
			return err
		}
		c.key = k
	}
	if c.cfg.Master != nil {
		c.master = *c.cfg.Master
		return nil
	}
	mk, err := keys.LoadMaster(filepath.Join(c.cfg.Dir, MasterKeyFile), c.cfg.Passphrase)
	if err != nil {
		return err
	}
	c.master = mk
	return nil
}

func (c *Client) startNode(ctx context.Context) (*node.Node, error) {
	ncfg := node.DefaultConfig(c.cfg.Dir, c.cfg.Profile)
	ncfg.Role = cert.RoleClient
	ncfg.Listen = nil // a client dials out only
	ncfg.Key, ncfg.Cert = &c.key, c.cfg.Cert
	ncfg.Logger = c.log
	ncfg.RetryMin = 100 * time.Millisecond
	ncfg.RememberPeers = true
	n, err := node.New(ctx, ncfg)
	if errors.Is(err, node.ErrNoCert) || errors.Is(err, cert.ErrExpired) {
		c.log.Info("enrolling with the network coordinator", "peer", c.key.PeerID())
		if _, eerr := node.Enroll(ctx, c.cfg.Dir, c.cfg.Profile, c.key, cert.RoleClient, ""); eerr != nil {
			return nil, fmt.Errorf("%w; %w: %w", err, ErrEnrol, eerr)
		}
		n, err = node.New(ctx, ncfg)
	}
	return n, err
}

// Close leaves the network and closes the catalog.
func (c *Client) Close() error {
	var err error
	c.once.Do(func() {
		c.stop()
		err = errors.Join(<-c.done, c.cat.Close())
	})
	return err
}

// Stats returns the client's counters.
func (c *Client) Stats() *Stats { return c.shards.Stats() }

// Catalog returns the client's catalog of named files.
func (c *Client) Catalog() *catalog.Catalog { return c.cat }

// Node returns the client's network node.
func (c *Client) Node() *node.Node { return c.node }

// connected waits until the client routes to at least one storage peer.
func (c *Client) connected(ctx context.Context) error { return c.shards.Connected(ctx) }
