package node

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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

type knownPeer struct {
	ID    string   `json:"id"`
	Addrs []string `json:"addrs"`
}

// savePeers records the routing table's peers with their addresses.
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
		if len(kp.Addrs) > 0 {
			out = append(out, kp)
		}
		if len(out) == maxKnownPeers {
			break
		}
	}
	if len(out) == 0 {
		return nil // keep the last good list rather than forget every peer
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(n.cfg.Dir, PeersFile), b, 0o644)
}

// knownPeers reads peers.json; a missing or damaged file yields none.
func (n *Node) knownPeers() []peer.AddrInfo {
	if n.cfg.Dir == "" {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(n.cfg.Dir, PeersFile))
	if err != nil || len(b) > 1<<20 {
		return nil
	}
	var kps []knownPeer
	if err := json.Unmarshal(b, &kps); err != nil {
		n.log.Warn("ignoring damaged known-peers file", "err", err)
		return nil
	}
	var out []peer.AddrInfo
	for _, kp := range kps[:min(len(kps), maxKnownPeers)] {
		id, err := peer.Decode(kp.ID)
		if err != nil || id == n.ID() {
			continue
		}
		ai := peer.AddrInfo{ID: id}
		for _, s := range kp.Addrs {
			if a, err := ma.NewMultiaddr(s); err == nil {
				ai.Addrs = append(ai.Addrs, a)
			}
		}
		out = append(out, ai)
	}
	return out
}
