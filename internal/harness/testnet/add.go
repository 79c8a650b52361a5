package testnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	"github.com/scatterbytes/scatterbytes/payments"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// CoordinatorSetup is what Options.Coordinator gets to make peer 0.
type CoordinatorSetup struct {
	Dir  string      // its directory: identity key in it, as `coordinator init` leaves it
	Node node.Config // its node config: profile, loopback address, timeouts, logger
	// CA is the network CA (nil on an open network), shared with the
	// harness's Certify: a role must use this one, not load a copy.
	CA *cert.CA
	// Ledger and Payer, with Options.Bitcoin, are the ledger to credit and
	// the payer that pays from it on a schedule.
	Ledger *ledger.Ledger
	Payer  *payments.Payer
}

// caValidity is the lifetime of the harness CA, as `coordinator init` makes one.
const caValidity = 10 * 365 * 24 * time.Hour

// startCoordinator makes the coordinator's directory (an identity key and,
// on a CA network, the CA in memory), starts it as peer 0 and takes the
// network's profile from it.
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
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if _, err := identity.LoadOrCreate(filepath.Join(dir, node.KeyFile)); err != nil {
		return err
	}
	if !net.opts.Open {
		ca, err := cert.NewCA(prof.Name, caValidity)
		if err != nil {
			return err
		}
		// On disk as `coordinator init` keeps it (coordinator.CADir), so
		// that the CLI's ca and coordinator commands work on the testnet.
		if err := cert.SaveCA(filepath.Join(dir, "ca"), ca); err != nil {
			return err
		}
		net.CA = ca
		prof.CA = string(ca.CertPEM())
	}
	if net.opts.Bitcoin != nil {
		terms := ledger.Terms{PriceMsat: prof.PayRateMsat, Epoch: net.opts.Epoch, NodeShare: ledger.DefaultNodeShare}
		if err := net.startBitcoin(ctx, dir, terms); err != nil {
			return err
		}
	}
	p := &Peer{net: net, Dir: dir, Kind: cert.RoleCoordinator, cfg: node.DefaultConfig(dir, prof)}
	p.cfg.Role = cert.RoleCoordinator
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
	net.Profile = profileOf(p.Node(), prof)
	return nil
}

// profileOf is the profile a coordinator publishes: its peer ID as
// coordinator, its address as the bootstrap peer.
func profileOf(n *node.Node, prof *profile.Profile) *profile.Profile {
	out := *prof
	out.Coordinator = n.ID().String()
	out.Bootstrap = []string{node.P2PAddr(n.AddrInfo())}
	return &out
}

// newCoordinator makes peer 0's role: Options.Coordinator's, or a bare
// node with a coordinator certificate from the CA.
func (p *Peer) newCoordinator(ctx context.Context) (Role, error) {
	if f := p.net.opts.Coordinator; f != nil {
		s := CoordinatorSetup{Dir: p.Dir, Node: p.cfg, CA: p.net.CA}
		if b := p.net.btc; b != nil {
			s.Ledger, s.Payer = b.Ledger, b.Payer
		}
		return f(ctx, s)
	}
	cfg := p.cfg
	if cfg.Key == nil {
		k, err := identity.Load(filepath.Join(p.Dir, node.KeyFile))
		if err != nil {
			return nil, err
		}
		cfg.Key = &k
	}
	der, err := p.net.Certify(*cfg.Key, cert.RoleCoordinator)
	if err != nil {
		return nil, err
	}
	cfg.Cert = der
	n, err := node.New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return Bare(n), nil
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
