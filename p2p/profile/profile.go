package profile

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"
)

// MaxSize bounds a profile document.
const MaxSize = 64 << 10

// MaxBootstrap bounds the bootstrap list.
const MaxBootstrap = 64

// Profile describes one ScatterBytes network.
type Profile struct {
	Name           string   `json:"name"`
	ProtocolPrefix string   `json:"protocol_prefix"`
	Open           bool     `json:"open,omitempty"`
	CA             string   `json:"ca,omitempty"`
	Bootstrap      []string `json:"bootstrap"`
	Coordinator    string   `json:"coordinator,omitempty"`
	Epoch          Duration `json:"epoch"`
	Redundancy     string   `json:"redundancy"`
	PayRateMsat    uint64   `json:"pay_rate_msat"`
	Bitcoin        string   `json:"bitcoin,omitempty"`
	Public         bool     `json:"public,omitempty"`
	// RepairMargin, if set, is how many shards above k a stripe keeps
	// healthy before it is repaired (see RepairAt); unset is the default
	// from the durability math.
	RepairMargin *int `json:"repair_margin,omitempty"`
}

// RepairAt is the healthy shard count at or below which a stripe of k+m
// is repaired: k + the profile's RepairMargin (at most m-1), by default
// k + min(m-1, ceil(m/2)).
//
// The durability math behind the default. A stripe's lost shards are
// found lost after the grace period (package coordinator's suspension:
// ceil(ln(SuspendBelow)/ln(ReachLambda)) missed epochs, 10 by default)
// and rebuilt within about one epoch more; call that window W and the
// chance that one healthy holder fails for good within it p. Repairing
// at t healthy shards, data is lost only if t-k+1 of the t holders fail
// within W: about C(t, t-k+1)·p^(t-k+1). For 4+2, repairing at 5 (after
// the first loss) that is 10p², at 4 (after the second) 4p: with p = 1%
// a loss once in 10,000 repairs against once in 25. Waiting saves
// bandwidth (one k-shard fetch rebuilds two shards instead of one) but
// costs two orders of magnitude of durability, so the default keeps
// ceil(m/2) shards of margin: every loss is repaired for m ≤ 2, and
// wider codes (10+6: repaired at 13) batch a few losses per fetch.
func (p *Profile) RepairAt(k, m int) int {
	margin := min(m-1, (m+1)/2)
	if p != nil && p.RepairMargin != nil {
		margin = min(m-1, *p.RepairMargin)
	}
	return k + max(margin, 0)
}

// Duration is a time.Duration written as a Go duration string in JSON.
type Duration time.Duration

// MarshalJSON writes d as "1h30m".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string like \"1h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

var nameRE = regexp.MustCompile(`^[a-z0-9-]{1,64}$`)

// Parse decodes and validates a profile.
func Parse(b []byte) (*Profile, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrBadProfile, len(b), MaxSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Profile
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProfile, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after the profile object", ErrBadProfile)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Load reads and validates the profile in file.
func Load(file string) (*Profile, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("network profile: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("network profile %s: %w", file, err)
	}
	p, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("network profile %s: %w", file, err)
	}
	return p, nil
}

// Save writes the profile to file, readable by everyone: it holds no secret.
func (p *Profile) Save(file string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

// Validate checks every field; the error wraps ErrBadProfile and names the field.
func (p *Profile) Validate() error {
	bad := func(field, format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadProfile, field, fmt.Sprintf(format, a...))
	}
	if !nameRE.MatchString(p.Name) {
		return bad("name", "%q is not 1-64 of a-z, 0-9 and -", p.Name)
	}
	if !strings.HasPrefix(p.ProtocolPrefix, "/") || len(p.ProtocolPrefix) > 64 || strings.ContainsAny(p.ProtocolPrefix, " \n\t") {
		return bad("protocol_prefix", "%q must start with / and be at most 64 characters", p.ProtocolPrefix)
	}
	if p.Open == (p.CA != "") {
		return bad("ca", "exactly one of open or ca must be set")
	}
	if p.CA != "" {
		if _, err := p.CACert(); err != nil {
			return bad("ca", "%v", err)
		}
	}
	if len(p.Bootstrap) > MaxBootstrap {
		return bad("bootstrap", "%d entries, at most %d", len(p.Bootstrap), MaxBootstrap)
	}
	for _, s := range p.Bootstrap {
		if err := checkBootstrap(s); err != nil {
			return bad("bootstrap", "%q: %v", s, err)
		}
	}
	if p.Coordinator != "" {
		if _, err := peer.Decode(p.Coordinator); err != nil {
			return bad("coordinator", "%q is not a peer ID", p.Coordinator)
		}
	}
	if time.Duration(p.Epoch) < time.Second || time.Duration(p.Epoch) > 7*24*time.Hour {
		return bad("epoch", "%s is outside 1s..168h", time.Duration(p.Epoch))
	}
	if _, _, err := ParseRedundancy(p.Redundancy); err != nil {
		return bad("redundancy", "%v", err)
	}
	if p.RepairMargin != nil && (*p.RepairMargin < 0 || *p.RepairMargin > 255) {
		return bad("repair_margin", "%d is outside 0..255", *p.RepairMargin)
	}
	if p.Bitcoin != "" {
		if _, ok := bitcoinNets[p.Bitcoin]; !ok {
			return bad("bitcoin", "%q is not one of mainnet, testnet3, signet, regtest", p.Bitcoin)
		}
	}
	return nil
}

func checkBootstrap(s string) error {
	a, err := ma.NewMultiaddr(s)
	if err != nil {
		return err
	}
	if _, err := a.ValueForProtocol(ma.P_DNSADDR); err == nil {
		return nil
	}
	_, err = peer.AddrInfoFromP2pAddr(a)
	return err
}

// CACert parses the network CA certificate. It fails on an open network.
func (p *Profile) CACert() (*x509.Certificate, error) {
	block, _ := pem.Decode([]byte(p.CA))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("not a PEM CERTIFICATE")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, err
	}
	if !c.IsCA {
		return nil, fmt.Errorf("certificate %q is not a CA", c.Subject.CommonName)
	}
	return c, nil
}

// BootstrapPeers returns the bootstrap peers with literal addresses.
// /dnsaddr entries are resolved by the host when dialled, so they are
// returned by BootstrapAddrs instead.
func (p *Profile) BootstrapPeers() []peer.AddrInfo {
	var addrs []ma.Multiaddr
	for _, s := range p.Bootstrap {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			continue // Validate refused it already
		}
		if _, err := a.ValueForProtocol(ma.P_DNSADDR); err == nil {
			continue
		}
		addrs = append(addrs, a)
	}
	infos, _ := peer.AddrInfosFromP2pAddrs(addrs...)
	return infos
}

// BootstrapAddrs returns the /dnsaddr bootstrap entries.
func (p *Profile) BootstrapAddrs() []ma.Multiaddr {
	var out []ma.Multiaddr
	for _, s := range p.Bootstrap {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			continue
		}
		if _, err := a.ValueForProtocol(ma.P_DNSADDR); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// CoordinatorID returns the coordinator's peer ID, or "" when there is none.
func (p *Profile) CoordinatorID() peer.ID {
	id, _ := peer.Decode(p.Coordinator)
	return id
}

// Protocol returns the protocol ID <prefix>/<name>/<version>.
func (p *Profile) Protocol(name, version string) protocol.ID {
	return protocol.ID(p.ProtocolPrefix + "/" + name + "/" + version)
}

// Topic returns the name of the network's gossip topic for kind (e.g. "proofs").
func (p *Profile) Topic(kind string) string {
	return "scatterbytes/" + p.Name + "/" + kind
}

// ParseRedundancy parses "k+m". k = 1 means mirroring to 1+m holders.
func ParseRedundancy(s string) (k, m int, err error) {
	ks, ms, ok := strings.Cut(s, "+")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not of the form k+m, e.g. 4+2", s)
	}
	k, err1 := strconv.Atoi(ks)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%q is not of the form k+m, e.g. 4+2", s)
	}
	if k < 1 || k > 64 || m < 0 || m > 64 {
		return 0, 0, fmt.Errorf("%q: need 1 <= k <= 64 and 0 <= m <= 64", s)
	}
	return k, m, nil
}
