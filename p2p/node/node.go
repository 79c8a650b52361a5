package node

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	madns "github.com/multiformats/go-multiaddr-dns"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/enroll"
	"github.com/scatterbytes/scatterbytes/p2p/gate"
	"github.com/scatterbytes/scatterbytes/p2p/gossip"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
	dht "github.com/scatterbytes/scatterbytes/third_party/kaddht"
)

// Node is a running ScatterBytes peer. Make it with New, then Run it; Run
// returns once ctx is cancelled and everything is closed.
type Node struct {
	cfg  Config
	log  *slog.Logger
	key  identity.Key
	prof *profile.Profile

	raw   host.Host // the libp2p host; only the gate's own protocols use it directly
	host  host.Host // raw, gated: what every service uses
	gate  *gate.Gate
	enrol *enroll.Server // the coordinator's, which makes the CRL; else nil
	dht   *dht.IpfsDHT
	provs io.Closer // the DHT's provider records on disk, or nil
	gsp   *gossip.Router
	psCtx context.CancelFunc

	certDER atomic.Pointer[[]byte]
	crl     atomic.Pointer[cert.CRL]
	blocked sync.Map // peer.ID -> struct{}: refused by the operator
	added   *addedPeers
	dns     *madns.Resolver
	reach   *reach
	// remembered counts the peers admitted from the last run at start.
	remembered int

	closeOnce sync.Once
	closeErr  error
}

// Option adjusts a Node at construction.
type Option func(*options)

type options struct {
	limits []ProtocolLimit
	enroll *enroll.Server
}

// WithProtocolLimit adds a resource-manager budget for a protocol.
func WithProtocolLimit(l ProtocolLimit) Option {
	return func(o *options) { o.limits = append(o.limits, l) }
}

// WithEnrollment makes the node serve enrolment with s: the coordinator's
// job. Enrolment is served to peers without a certificate.
func WithEnrollment(s *enroll.Server) Option {
	return func(o *options) { o.enroll = s }
}

// New builds the node: it loads the key and certificate, starts listening
// and sets up the gate, DHT and pubsub. Nothing is dialled until Run.
func New(ctx context.Context, cfg Config, opts ...Option) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	o.limits = append(o.limits, ProtocolLimit{
		ID: cfg.Profile.Protocol("cert", "1.0.0"), Streams: 256, StreamsPerPeer: 4,
		Memory: 8 << 20, MemoryPerPeer: 128 << 10,
	}, ProtocolLimit{
		ID: cfg.Profile.Protocol("enroll", "1.0.0"), Streams: 64, StreamsPerPeer: 2,
		Memory: 4 << 20, MemoryPerPeer: 128 << 10,
	}, ProtocolLimit{
		// kad-dht keeps one stream per peer and direction for its
		// requests; 16 covers its concurrent queries and refreshes. A
		// message is at most 4 MiB (kad-dht's cap), so 8 MiB a peer.
		ID: cfg.Profile.Protocol("kad", "1.0.0"), Streams: 1024, StreamsPerPeer: 16,
		Memory: 64 << 20, MemoryPerPeer: 8 << 20,
	})
	n := &Node{cfg: cfg, prof: cfg.Profile, log: cfg.Logger, dns: madns.DefaultResolver, added: newAddedPeers()}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if err := n.loadIdentity(); err != nil {
		return nil, err
	}
	if crl, err := loadCRL(cfg.Dir, n.caCert()); err == nil && crl != nil {
		n.crl.Store(crl)
	}
	var err error
	n.gate, err = gate.New(gate.Config{
		Protocol: cfg.Profile.Protocol("cert", "1.0.0"),
		Verifier: &cert.Verifier{CA: n.caCert(), CRL: n.crl.Load, Now: time.Now},
		Cert:     func() []byte { return *n.certDER.Load() },
		Denied:   n.denied,
		OnDrop:   n.evict,
		OnRefuse: cfg.Metrics.GateRefused,
		Timeout:  cfg.ExchangeTimeout,
		// Only a party serving enrolment keeps a peer without a
		// certificate connected; every other hangs up at once.
		Grace:  graceFor(o.enroll != nil),
		Logger: n.log,
	})
	if err != nil {
		return nil, err
	}
	n.raw, err = buildHost(&cfg, n.key, n.gate, n.denied, o.limits)
	if err != nil {
		return nil, err
	}
	if err := n.gate.Attach(n.raw); err != nil {
		n.raw.Close()
		return nil, err
	}
	n.host = n.gate.Host(n.raw)
	if n.reach, err = newReach(n.raw.EventBus(), cfg.Profile.Public); err != nil {
		n.raw.Close()
		return nil, err
	}
	if o.enroll != nil {
		o.enroll.Register(n.raw, cfg.Profile.Protocol("enroll", "1.0.0"))
		n.enrol = o.enroll
	}
	if err := n.startServices(ctx); err != nil {
		n.raw.Close()
		return nil, err
	}
	n.registerMetrics()
	// Before Run: the gate verifies no one until then, and nothing enters
	// the routing table unverified, so no add can race with this.
	n.watchRoutingTable()
	if n.remembered = n.rememberPeers(); n.remembered > 0 {
		n.log.Debug("remembered peers of the last run", "peers", n.remembered)
	}
	n.knowBootstrapAddrs()
	return n, nil
}

// knowBootstrapAddrs puts the profile's bootstrap peers' addresses (the
// coordinator's among them) in the peer store before Run starts: only the
// bootstrap round added them, on its own goroutine, so a caller that
// asked the coordinator at once (a client's standings, right after Open;
// a CLI client whose remembered peers are not the coordinator, for
// RetryMin) could find "no addresses" to dial it on.
func (n *Node) knowBootstrapAddrs() {
	for _, ai := range n.prof.BootstrapPeers() {
		if ai.ID != n.ID() && !n.denied(ai.ID) {
			n.raw.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.PermanentAddrTTL)
		}
	}
}

// graceFor is the gate's Grace: the default (3 × the exchange timeout) for
// a party that serves enrolment, none for the others.
func graceFor(servesEnrolment bool) time.Duration {
	if servesEnrolment {
		return 0
	}
	return -1
}

func (n *Node) startServices(ctx context.Context) error {
	mode := dht.ModeServer
	if n.cfg.Role == cert.RoleClient {
		mode = dht.ModeClient
	}
	dopts := []dht.Option{
		dht.ProtocolPrefix(protocol.ID(n.prof.ProtocolPrefix)),
		dht.Mode(mode),
		dht.RoutingTableFilter(n.gate.RoutingTableFilter),
		dht.DisableValues(),
		dht.BootstrapPeersFunc(n.bootstrapPeers),
	}
	dopts = append(dopts, dht.AddressFilter(dhtAddrFilter(n.prof.Public, n.raw.Network().ListenAddresses)))
	provs, err := openProviders(n.cfg)
	if err != nil {
		return err
	}
	if provs != nil {
		n.provs = provs
		dopts = append(dopts, dht.ProviderDatastore(provs))
	}
	if n.dht, err = dht.New(n.host, dopts...); err != nil {
		n.closeProviders()
		return fmt.Errorf("start DHT: %w", err)
	}
	psctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.gsp, err = gossip.NewRouter(psctx, n.host, gossip.Config{
		Profile:       n.prof,
		PeerFilter:    n.gate.PeerFilter,
		Refused:       n.denied,
		InvalidMemory: n.cfg.GossipInvalidMemory,
		Logger:        n.log.With("part", "gossip"),
	})
	if err != nil {
		cancel()
		n.dht.Close()
		n.closeProviders()
		return fmt.Errorf("start pubsub: %w", err)
	}
	n.psCtx = cancel
	return nil
}

// Run connects to the network and keeps the node in it until ctx is
// cancelled; then it saves the known peers and closes the host.
func (n *Node) Run(ctx context.Context) error {
	defer n.Close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return n.gate.Run(ctx) })
	g.Go(func() error { return n.checkRoutingTable(ctx) })
	g.Go(func() error { return n.keepConnected(ctx) })
	g.Go(func() error { return n.renew(ctx) })
	g.Go(func() error { return n.refreshCRL(ctx) })
	g.Go(func() error { return n.reach.run(ctx) })
	err := g.Wait()
	if err := n.savePeers(); err != nil {
		n.log.Warn("save known peers", "err", err)
	}
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// Close stops everything. It is safe to call more than once and after Run.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.psCtx()
		errs := []error{n.dht.Close(), n.reach.close(), n.raw.Close()}
		errs = append(errs, n.closeProviders()) // after the DHT, which writes to it
		n.closeErr = errors.Join(errs...)
	})
	return n.closeErr
}

// ID is the node's peer ID.
func (n *Node) ID() peer.ID { return n.raw.ID() }

// Host is the gated host: streams through it reach verified peers only.
func (n *Node) Host() host.Host { return n.host }

// AddrInfo is the node's ID with its listen addresses.
func (n *Node) AddrInfo() peer.AddrInfo { return peer.AddrInfo{ID: n.ID(), Addrs: n.raw.Addrs()} }

// Reachability is what the node knows of whether peers on the internet
// can dial it (see Reachability).
func (n *Node) Reachability() Reachability { return n.reach.get() }

// DHT is the node's Kademlia DHT.
func (n *Node) DHT() *dht.IpfsDHT { return n.dht }

// PubSub is the node's gossipsub router, for what package gossip does not wrap.
func (n *Node) PubSub() *pubsub.PubSub { return n.gsp.PubSub() }

// Gossip is the node's gossip router: join the network's proofs topic
// with gossip.Join(n.Gossip()).
func (n *Node) Gossip() *gossip.Router { return n.gsp }

// Gate is the node's membership gate.
func (n *Node) Gate() *gate.Gate { return n.gate }

// Profile is the network the node belongs to.
func (n *Node) Profile() *profile.Profile { return n.prof }

// Key is the node's identity key.
func (n *Node) Key() identity.Key { return n.key }

// SetCRL installs c if it is newer (a higher number) than the CRL held,
// and drops the peers it revokes: connections, routing-table entries,
// addresses. It reports whether it installed c.
func (n *Node) SetCRL(c *cert.CRL) bool {
	for {
		cur := n.crl.Load()
		if cur != nil && c.Number.Cmp(cur.Number) <= 0 {
			return false
		}
		if n.crl.CompareAndSwap(cur, c) {
			break
		}
	}
	n.dropDenied()
	return true
}

// Block refuses p from now on, whatever its certificate, and drops its
// connections. The test harness partitions nodes with it.
func (n *Node) Block(p peer.ID) {
	n.blocked.Store(p, struct{}{})
	n.dropDenied()
}

// dropDenied disconnects denied peers, evicts them from the routing table,
// where kad-dht would otherwise keep them while disconnected, and forgets
// their addresses, so that nothing offers or dials them again. A peer added
// to the table while this runs is evicted by checkRoutingTable.
func (n *Node) dropDenied() {
	n.gate.DropDenied()
	for _, p := range n.dht.RoutingTable().ListPeers() {
		if n.denied(p) {
			n.evict(p)
		}
	}
	ps := n.raw.Peerstore()
	for _, p := range ps.PeersWithAddrs() {
		if n.denied(p) {
			ps.ClearAddrs(p)
			ps.RemovePeer(p)
		}
	}
}

func (n *Node) evict(p peer.ID) {
	if n.dht != nil {
		n.dht.RoutingTable().RemovePeer(p)
	}
}

// Unblock lifts Block.
func (n *Node) Unblock(p peer.ID) { n.blocked.Delete(p) }

func (n *Node) denied(p peer.ID) bool {
	if _, ok := n.blocked.Load(p); ok {
		return true
	}
	c := n.crl.Load()
	return c != nil && c.RevokedPeer(p)
}

func (n *Node) caCert() *x509.Certificate { return caOf(n.prof) }

// caOf returns the network CA of p, or nil on an open network.
func caOf(p *profile.Profile) *x509.Certificate {
	if p.Open {
		return nil
	}
	c, _ := p.CACert() // Validate checked it
	return c
}

func (n *Node) closeProviders() error {
	if n.provs == nil {
		return nil
	}
	return n.provs.Close()
}
