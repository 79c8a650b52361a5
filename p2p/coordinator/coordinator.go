package coordinator

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
	"github.com/scatterbytes/scatterbytes/internal/logring"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/dash"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
	"github.com/scatterbytes/scatterbytes/p2p/gossip"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/metrics"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	"github.com/scatterbytes/scatterbytes/p2p/proof"
	"github.com/scatterbytes/scatterbytes/payments"
	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// ownValidity is the lifetime of the coordinator's own certificate.
const ownValidity = 365 * 24 * time.Hour

// Coordinator is a running coordinator. Make it with New, then Run it.
type Coordinator struct {
	cfg    Config
	ca     *cert.CA       // nil on an open network
	enroll *enroll.Server // nil on an open network
	node   *node.Node
	state  *state
	clock  clock
	api    net.Listener // nil when Config.API is empty
	key    identity.Key
	log    *slog.Logger
	topic  *gossip.Topic
	proofs *gossip.Subscription
	// results holds verified proofs from the validator to runProofs,
	// by the SHA-256 of the message.
	results sync.Map

	mu         sync.Mutex    // serialises state updates
	beacon     *proof.Beacon // of the epoch under way
	prevBeacon *proof.Beacon // of the epoch before, if it had one

	ledger    *ledger.Ledger
	ownLedger bool // opened by New, closed by Close

	metrics *coordMetrics
	dash    *dash.Server  // nil when Config.Dashboard is empty
	recent  *logring.Ring // the last warnings and errors, for the dashboard

	closeOnce sync.Once
}

// New loads the coordinator's key and CA from its directory, issues its own
// certificate if it needs one, and starts listening; nothing is dialled
// until Run. A Coordinator that is never Run must be closed with Close.
func New(ctx context.Context, cfg Config) (*Coordinator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Node.Metrics == nil {
		cfg.Node.Metrics = metrics.New()
	}
	c := &Coordinator{cfg: cfg, ca: cfg.CA}
	key, err := c.loadKey()
	if err != nil {
		return nil, err
	}
	if id := cfg.Node.Profile.CoordinatorID(); id != "" && id != key.PeerID() {
		return nil, fmt.Errorf("coordinator: the profile names coordinator %s, this one is %s", id, key.PeerID())
	}
	var opts []node.Option
	if !cfg.Node.Profile.Open {
		if err := c.loadCA(); err != nil {
			return nil, err
		}
		c.enroll = &enroll.Server{CA: c.ca, Approve: cfg.Approve, Validity: cfg.Validity,
			CRLValidity: cfg.CRLValidity, Logger: cfg.Node.Logger}
		opts = append(opts, node.WithEnrollment(c.enroll))
	}
	if cfg.Node.Cert == nil {
		if err := c.ensureCert(key); err != nil {
			return nil, err
		}
	}
	if c.state, err = openState(filepath.Join(cfg.Node.Dir, StateDir)); err != nil {
		return nil, err
	}
	clk := cfg.Clock
	if clk == nil {
		clk = wallClock{}
	}
	genesis, err := c.state.genesis(clk.Now())
	if err != nil {
		c.state.Close()
		return nil, fmt.Errorf("coordinator: %w", err)
	}
	c.clock = clock{Clock: clk, genesis: genesis, length: time.Duration(cfg.Node.Profile.Epoch)}
	if c.ledger = cfg.Ledger; c.ledger == nil {
		terms := ledger.Terms{PriceMsat: cfg.Node.Profile.PayRateMsat, Epoch: time.Duration(cfg.Node.Profile.Epoch), NodeShare: ledger.DefaultNodeShare}
		if c.ledger, err = ledger.Open(filepath.Join(cfg.Node.Dir, LedgerDir), terms); err != nil {
			c.state.Close()
			return nil, fmt.Errorf("coordinator: %w", err)
		}
		c.ownLedger = true
	}
	if cfg.API != "" {
		if c.api, err = listenAPI(cfg.API); err != nil {
			c.closeOwn()
			return nil, err
		}
	}
	if c.node, err = node.New(ctx, cfg.Node, opts...); err != nil {
		c.closeOwn()
		return nil, err
	}
	c.key = key
	c.log = cfg.Node.Logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.recent = logring.New(20, slog.LevelWarn)
	c.log = slog.New(c.recent.Handler(c.log.Handler())).With("part", "coordinator")
	c.metrics = newCoordMetrics(c, cfg.Node.Metrics)
	if err := c.joinTopic(); err != nil {
		c.Close()
		return nil, err
	}
	c.serveStanding()
	if err := c.openDashboard(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Coordinator) loadKey() (identity.Key, error) {
	if c.cfg.Node.Key != nil {
		return *c.cfg.Node.Key, nil
	}
	k, err := identity.Load(filepath.Join(c.cfg.Node.Dir, node.KeyFile))
	if errors.Is(err, identity.ErrNoKey) {
		return identity.Key{}, fmt.Errorf("coordinator: %w; run `scatterbytes coordinator init` first", err)
	}
	return k, err
}

// loadCA loads the CA unless the config gave one, and checks it is the
// profile's.
func (c *Coordinator) loadCA() error {
	if c.ca == nil {
		ca, err := cert.LoadCA(c.cfg.CADir)
		if err != nil {
			return fmt.Errorf("coordinator: %w", err)
		}
		c.ca = ca
	}
	want, err := c.cfg.Node.Profile.CACert()
	if err != nil {
		return fmt.Errorf("coordinator: profile: %w", err)
	}
	if !bytes.Equal(want.Raw, c.ca.Certificate().Raw) {
		return fmt.Errorf("coordinator: the profile's CA %q is not this coordinator's CA %q",
			want.Subject.CommonName, c.ca.Certificate().Subject.CommonName)
	}
	return nil
}

// ensureCert keeps Dir/cert.pem when it is a coordinator certificate of
// this network with over a third of its life left, and issues a new one
// otherwise: from the CA, or self-signed on an open network.
func (c *Coordinator) ensureCert(key identity.Key) error {
	path := filepath.Join(c.cfg.Node.Dir, node.CertFile)
	caCert := c.caCert()
	if b, err := os.ReadFile(path); err == nil {
		if old, err := cert.ParseCertPEM(b); err == nil {
			v := cert.Verifier{CA: caCert}
			m, err := v.Verify(old.Raw, key.PeerID())
			if err == nil && m.Role == cert.RoleCoordinator && !cert.NeedsRenewal(m, time.Now()) {
				return nil
			}
		}
	}
	var der []byte
	var err error
	if c.ca == nil {
		der, err = cert.SelfSigned(key, cert.RoleCoordinator, "", ownValidity)
	} else {
		der, _, err = c.ca.Issue(key.PubKey(), cert.RoleCoordinator, "", ownValidity)
	}
	if err != nil {
		return fmt.Errorf("coordinator: own certificate: %w", err)
	}
	if err := atomicfile.Write(path, cert.EncodeCertPEM(der), 0o644); err != nil {
		return fmt.Errorf("coordinator: own certificate: %w", err)
	}
	return nil
}

// Run keeps the coordinator in the network and serves enrolment until ctx
// ends; then it stops everything New started and returns.
func (c *Coordinator) Run(ctx context.Context) error {
	defer c.Close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return c.node.Run(ctx) })
	g.Go(func() error { return c.runEpochs(ctx) })
	g.Go(func() error { return c.runChecks(ctx) })
	if c.cfg.Payer != nil {
		g.Go(func() error { return (&payments.Scheduler{Payer: c.cfg.Payer, Log: c.log}).Run(ctx) })
	}
	g.Go(func() error { return c.runProofs(ctx, c.proofs) })
	if c.api != nil {
		l := c.api
		c.api = nil
		g.Go(func() error { return c.serveAPI(ctx, l) })
	}
	if c.dash != nil {
		g.Go(func() error { return c.dash.Run(ctx) })
	}
	return g.Wait()
}

// Close stops the node and closes the state; Run calls it on the way out.
// It is safe to call more than once.
func (c *Coordinator) Close() error {
	err := c.node.Close()
	c.closeOwn()
	return err
}

func (c *Coordinator) closeOwn() {
	c.closeOnce.Do(func() {
		if c.topic != nil {
			c.topic.Close()
		}
		if c.api != nil {
			c.api.Close()
		}
		if c.dash != nil {
			_ = c.dash.Close() // closed already after Run
		}
		if c.ownLedger {
			c.ledger.Close()
		}
		c.state.Close()
	})
}

// ID is the coordinator's peer ID.
func (c *Coordinator) ID() peer.ID { return c.node.ID() }

// Node is the coordinator's own peer.
func (c *Coordinator) Node() *node.Node { return c.node }

// Metrics is the coordinator's metrics: its node's series and its own.
func (c *Coordinator) Metrics() *metrics.Set { return c.cfg.Node.Metrics }

// Ledger is the ledger the coordinator credits.
func (c *Coordinator) Ledger() *ledger.Ledger { return c.ledger }

// CA is the network CA, or nil on an open network.
func (c *Coordinator) CA() *cert.CA { return c.ca }

// Enrollment is the enrolment service, or nil on an open network.
func (c *Coordinator) Enrollment() *enroll.Server { return c.enroll }

// Profile returns the network profile as this coordinator publishes it:
// the configured one with the coordinator's peer ID and, first in the
// bootstrap list, its own address (replacing any older address of its).
func (c *Coordinator) Profile() *profile.Profile {
	p := *c.cfg.Node.Profile
	p.Coordinator = c.ID().String()
	p.Bootstrap = []string{node.P2PAddr(c.node.AddrInfo())}
	for _, s := range c.cfg.Node.Profile.Bootstrap {
		if a, err := ma.NewMultiaddr(s); err == nil {
			if ai, err := peer.AddrInfoFromP2pAddr(a); err == nil && ai.ID == c.ID() {
				continue
			}
		}
		p.Bootstrap = append(p.Bootstrap, s)
	}
	return &p
}

func (c *Coordinator) caCert() *x509.Certificate {
	if c.ca == nil {
		return nil
	}
	return c.ca.Certificate()
}
