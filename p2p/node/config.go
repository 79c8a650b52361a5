package node

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	ma "github.com/multiformats/go-multiaddr"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/metrics"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

// Config configures a Node. Start from DefaultConfig.
type Config struct {
	// Dir is the node's directory (key, certificate, known peers).
	Dir string
	// Profile is the network to join.
	Profile *profile.Profile
	// Role is RoleNode for a storage node (DHT server) and RoleClient for a
	// client (DHT client). A coordinator is a DHT server too.
	Role cert.Role
	// Listen are the multiaddrs to listen on. Port 0 picks a free port.
	Listen []string
	// Announce, if set, are the multiaddrs the node tells other peers
	// instead of its listen addresses: for a node behind a port forward
	// or NAT whose outside address its interfaces do not show. See
	// addrs.go for what is told otherwise.
	Announce []string
	// Key and Cert override the files in Dir (the in-process harness uses
	// them). Cert is a DER certificate.
	Key  *identity.Key
	Cert []byte
	// RememberPeers admits the peers recorded in Dir's peers.json whose
	// certificates still verify as verified members at start, and puts the
	// storage nodes among them into the routing table (remember.go): what
	// a client run as a short process wants, so that its first request
	// waits for no bootstrap.
	RememberPeers bool
	// ConnLow and ConnHigh are the connection manager's watermarks.
	ConnLow, ConnHigh int
	// ExchangeTimeout bounds a certificate exchange.
	ExchangeTimeout time.Duration
	// MinPeers is the routing table size below which Run re-bootstraps.
	MinPeers int
	// RetryMin and RetryMax bound the backoff between bootstrap rounds.
	RetryMin, RetryMax time.Duration
	// CRLRefresh is how often Run asks the coordinator for a newer CRL;
	// 0 means DefaultCRLRefresh.
	CRLRefresh time.Duration
	// GossipInvalidMemory is how long an invalid gossip message weighs on
	// the peer that forwarded it (gossip.Config.InvalidMemory); 0 means
	// ten epochs.
	GossipInvalidMemory time.Duration
	// ProvidersOnDisk keeps the provider records a DHT server is given
	// in Dir/providers rather than in memory (see providers.go); on by
	// default. A short-lived peer beside a running node in its directory
	// (`node status`) turns it off: the running node holds the store.
	ProvidersOnDisk bool
	// Metrics, if set, receives the node's series (package p2p/metrics):
	// stream bytes by protocol, gate refusals, the resource manager's
	// scopes, connected peers and the routing table's size. Each party
	// has its own Set.
	Metrics *metrics.Set
	// Logger receives the node's logs; nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns a storage node's configuration listening on every
// interface on the given TCP and UDP port (0 = any).
func DefaultConfig(dir string, p *profile.Profile) Config {
	return Config{
		Dir:             dir,
		Profile:         p,
		Role:            cert.RoleNode,
		Listen:          ListenAddrs("0.0.0.0", 0),
		ConnLow:         64,
		ConnHigh:        192,
		ExchangeTimeout: 10 * time.Second,
		MinPeers:        8,
		RetryMin:        time.Second,
		RetryMax:        time.Minute,
		ProvidersOnDisk: true,
	}
}

// ListenAddrs returns TCP and QUIC listen addresses on ip and port.
func ListenAddrs(ip string, port int) []string {
	return []string{
		fmt.Sprintf("/ip4/%s/tcp/%d", ip, port),
		fmt.Sprintf("/ip4/%s/udp/%d/quic-v1", ip, port),
	}
}

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	switch {
	case c.Profile == nil:
		return errors.New("node: no network profile")
	case c.Dir == "" && (c.Key == nil || c.Cert == nil):
		return errors.New("node: no directory for the key and certificate")
	case c.Role != cert.RoleNode && c.Role != cert.RoleClient && c.Role != cert.RoleCoordinator:
		return fmt.Errorf("node: unknown role %q", c.Role)
	case len(c.Listen) == 0 && c.Role != cert.RoleClient:
		return errors.New("node: a storage node needs at least one listen address")
	case c.ConnLow <= 0 || c.ConnHigh < c.ConnLow:
		return fmt.Errorf("node: connection watermarks %d..%d", c.ConnLow, c.ConnHigh)
	case c.ExchangeTimeout <= 0 || c.RetryMin <= 0 || c.RetryMax < c.RetryMin:
		return errors.New("node: timeouts must be positive")
	}
	for _, s := range c.Listen {
		if _, err := ma.NewMultiaddr(s); err != nil {
			return fmt.Errorf("node: listen address %q: %w", s, err)
		}
	}
	for _, s := range c.Announce {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			return fmt.Errorf("node: announce address %q: %w", s, err)
		}
		if _, err := a.ValueForProtocol(ma.P_P2P); err == nil {
			return fmt.Errorf("node: announce address %q: leave out the /p2p/ part", s)
		}
	}
	return c.Profile.Validate()
}

// announce parses Announce (Validate checked it).
func (c *Config) announce() []ma.Multiaddr {
	var out []ma.Multiaddr
	for _, s := range c.Announce {
		if a, err := ma.NewMultiaddr(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}
