package node

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
)

// Files in a node directory.
const (
	KeyFile   = "identity.key"
	CertFile  = "cert.pem"
	CRLFile   = "crl.der"
	PeersFile = "peers.json"
)

// maxKnownPeers bounds peers.json.
const maxKnownPeers = 256

// ErrNoCert means the node directory holds no membership certificate.
var ErrNoCert = errors.New("no membership certificate")

func (n *Node) loadIdentity() error {
	if n.cfg.Key != nil {
		n.key = *n.cfg.Key
	} else {
		k, err := identity.Load(filepath.Join(n.cfg.Dir, KeyFile))
		if err != nil {
			return err
		}
		n.key = k
	}
	der := n.cfg.Cert
	if der == nil {
		b, err := os.ReadFile(filepath.Join(n.cfg.Dir, CertFile))
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w in %s: get one signed by the network CA (scatterbytes ca sign) or join a testnet started by `scatterbytes testnet up`", ErrNoCert, n.cfg.Dir)
		}
		if err != nil {
			return err
		}
		c, err := cert.ParseCertPEM(b)
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(n.cfg.Dir, CertFile), err)
		}
		der = c.Raw
	}
	// Judge our own certificate as a peer would, so that an expired or
	// foreign certificate is reported here and not as silence later.
	v := cert.Verifier{CA: n.caCert()}
	if _, err := v.Verify(der, n.key.PeerID()); err != nil {
		return fmt.Errorf("own certificate: %w", err)
	}
	n.certDER.Store(&der)
	return nil
}

func loadCRL(dir string, ca *x509.Certificate) (*cert.CRL, error) {
	if dir == "" || ca == nil {
		return nil, nil
	}
	b, err := os.ReadFile(filepath.Join(dir, CRLFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return cert.ParseCRL(b, ca)
}

// knownPeer is one entry of peers.json. Cert is the peer's membership
// certificate as the gate last verified it: a client that remembers its
// peers (Config.RememberPeers) admits them again from it (remember.go).
type knownPeer struct {
	ID    string   `json:"id"`
	Addrs []string `json:"addrs"`
	Cert  []byte   `json:"cert,omitempty"`
}

// maxPeersFile bounds the peers.json read: maxKnownPeers entries with a
// certificate (at most cert.MaxCertSize, base64) and a few addresses each.
const maxPeersFile = 4 << 20

// savePeers records the routing table's peers with their addresses and
// certificates, sorted so that an unchanged table writes the same bytes:
// then the file is only touched, not rewritten and synced again (a
// client's every run ends here).
func (n *Node) savePeers() error {
	if n.cfg.Dir == "" {
		return nil
	}
	var out []knownPeer
	for _, p := range n.dht.RoutingTable().ListPeers() {
		kp := knownPeer{ID: p.String()}
		for _, a := range n.raw.Peerstore().Addrs(p) {
			kp.Addrs = append(kp.Addrs, a.String())
		}
		if len(kp.Addrs) == 0 {
			continue
		}
		slices.Sort(kp.Addrs)
		if m, ok := n.gate.Verified(p); ok {
			kp.Cert = m.Raw
		}
		out = append(out, kp)
	}
	if len(out) == 0 {
		return nil // keep the last good list rather than forget every peer
	}
	slices.SortFunc(out, func(a, b knownPeer) int { return strings.Compare(a.ID, b.ID) })
	out = out[:min(len(out), maxKnownPeers)]
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	path := filepath.Join(n.cfg.Dir, PeersFile)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		now := time.Now()
		return os.Chtimes(path, now, now) // `scatterbytes peers` says when it was recorded
	}
	// 0600: the certificates name each peer's role and payout address,
	// which the gate shows to verified members only.
	return atomicfile.Write(path, b, 0o600)
}

// knownPeers reads peers.json; a missing or damaged file yields none.
func (n *Node) knownPeers() []peer.AddrInfo {
	var out []peer.AddrInfo
	for _, kp := range n.knownPeerRecords() {
		out = append(out, kp.AddrInfo)
	}
	return out
}

// knownPeerRecord is a parsed entry of peers.json.
type knownPeerRecord struct {
	peer.AddrInfo
	Cert []byte
}

// knownPeerRecords reads peers.json: the entries whose peer ID parses,
// without this node; a missing or damaged file yields none.
func (n *Node) knownPeerRecords() []knownPeerRecord {
	if n.cfg.Dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(n.cfg.Dir, PeersFile))
	if err != nil || len(b) > maxPeersFile {
		return nil
	}
	var kps []knownPeer
	if err := json.Unmarshal(b, &kps); err != nil {
		n.log.Warn("ignoring damaged known-peers file", "err", err)
		return nil
	}
	var out []knownPeerRecord
	for _, kp := range kps[:min(len(kps), maxKnownPeers)] {
		id, err := peer.Decode(kp.ID)
		if err != nil || id == n.ID() {
			continue
		}
		r := knownPeerRecord{AddrInfo: peer.AddrInfo{ID: id}, Cert: kp.Cert}
		for _, s := range kp.Addrs {
			if a, err := ma.NewMultiaddr(s); err == nil {
				r.Addrs = append(r.Addrs, a)
			}
		}
		out = append(out, r)
	}
	return out
}
