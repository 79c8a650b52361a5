package testnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// startCoordinator makes the coordinator's directory as `scatterbytes
// coordinator init` does, starts it as peer 0 and takes the network's CA
// and profile from it.
func (net *Network) startCoordinator(ctx context.Context) error {
	dir := filepath.Join(net.dir, "coordinator")
	prof := &profile.Profile{
		Name: "testnet", ProtocolPrefix: "/scatterbytes", Open: net.opts.Open,
		Epoch: profile.Duration(net.opts.Epoch), Redundancy: redundancyFor(net.opts.Nodes), PayRateMsat: 1000,
	}
	if b := net.opts.Bitcoin; b != nil {
		prof.Bitcoin, prof.PayRateMsat = "regtest", b.PayRateMsat
		if prof.PayRateMsat == 0 {
			prof.PayRateMsat = TestnetPayRateMsat
		}
	}
	if net.opts.Open {
		if err := coordinator.InitOpen(dir); err != nil {
			return err
		}
	} else {
		if err := coordinator.Init(dir, prof.Name); err != nil {
			return err
		}
		ca, err := coordinator.LoadCA(dir)
		if err != nil {
			return err
		}
		net.CA = ca
		prof.CA = string(ca.CertPEM())
	}
	cfg := coordinator.DefaultConfig(dir, prof)
	// One CA object for the coordinator, its restarts and Certify: two
	// loaded from the same directory would overwrite each other's state.
	cfg.CA = net.CA
	cfg.Validity, cfg.CRLValidity = 24*time.Hour, time.Hour
	if net.opts.Bitcoin != nil {
		terms := ledger.Terms{PriceMsat: prof.PayRateMsat, Epoch: net.opts.Epoch, NodeShare: ledger.DefaultNodeShare}
		if err := net.startBitcoin(ctx, dir, terms); err != nil {
			return err
		}
		cfg.Ledger, cfg.Payer = net.btc.Ledger, net.btc.Payer
	}
	if net.opts.Coordinator != nil {
		net.opts.Coordinator(&cfg)
	}
	p := &Peer{net: net, Dir: dir, Kind: cert.RoleCoordinator, coord: &cfg, cfg: cfg.Node}
	net.tune(p)
	net.mu.Lock()
	net.peers = append(net.peers, p)
	net.mu.Unlock()
	if err := p.Start(); err != nil {
		return err
	}
	if net.btc != nil {
		net.btc.mine(net.opts.Logger)
	}
	// The profile lists the coordinator's address: a restart comes back on it.
	var listen []string
	for _, a := range p.Node().AddrInfo().Addrs {
		listen = append(listen, a.String())
	}
	p.cfg.Listen = listen
	net.Profile = p.Role().(*coordinator.Coordinator).Profile()
	return nil
}

// AddNode starts one more storage node joined through the bootstrap node.
func (net *Network) AddNode() (*Peer, error) {
	net.mu.Lock()
	i := len(net.peers)
	p := &Peer{net: net, Index: i, Dir: filepath.Join(net.dir, fmt.Sprintf("node%02d", i)), Kind: cert.RoleNode}
	net.peers = append(net.peers, p)
	prof := *net.Profile // each node its own copy
	net.mu.Unlock()
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return nil, err
	}
	k, err := identity.Generate()
	if err != nil {
		return nil, err
	}
	var payout string
	if net.opts.Bitcoin != nil {
		if payout, err = newPayoutAddress(p.Dir); err != nil {
			return nil, err
		}
		p.Payout = payout
	}
	der, err := net.certify(k, cert.RoleNode, payout)
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
	net.tune(p)
	return p, p.Start()
}

// tune gives p's node config the harness's loopback address, short
// timeouts and logger, then Options.Configure's changes.
func (net *Network) tune(p *Peer) {
	c := &p.cfg
	c.Listen = node.ListenAddrs("127.0.0.1", 0)
	c.ExchangeTimeout = 5 * time.Second
	c.RetryMin = 50 * time.Millisecond
	c.RetryMax = time.Second
	if net.opts.Logger != nil {
		c.Logger = net.opts.Logger.With("node", p.Index)
	}
	if net.opts.Configure != nil {
		net.opts.Configure(p.Index, c)
	}
}
