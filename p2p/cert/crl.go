package cert

import (
	"bytes"
	"cmp"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// MaxCRLSize bounds the DER CRL ParseCRL accepts.
const MaxCRLSize = 4 << 20

// CRL returns a DER X.509 CRL, signed by the CA, revoking every peer
// revoked so far: their unexpired serials as ordinary entries and their
// peer IDs in the revoked-peers extension (see doc.go). Each call uses the
// next CRL number. nextUpdate of 0 means DefaultCRLUpdate.
func (ca *CA) CRL(nextUpdate time.Duration) ([]byte, error) {
	if nextUpdate < 0 {
		return nil, fmt.Errorf("CRL: next update %s is negative", nextUpdate)
	}
	if nextUpdate == 0 {
		nextUpdate = DefaultCRLUpdate
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	now := time.Now()
	var next caState
	// Persist the number first: a number must never sign two different lists.
	err := ca.modify(func(s *caState) error {
		s.prune(now)
		s.CRLNumber++
		next = *s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("CRL: %w", err)
	}

	peers := slices.SortedFunc(maps.Keys(next.Revoked), func(a, b peer.ID) int { return cmp.Compare(a, b) })
	var entries []x509.RevocationListEntry
	for _, p := range peers {
		for _, c := range next.Issued[p] {
			entries = append(entries, x509.RevocationListEntry{SerialNumber: c.Serial, RevocationTime: next.Revoked[p]})
		}
	}
	ext, err := revokedPeersExtension(peers)
	if err != nil {
		return nil, fmt.Errorf("CRL: %w", err)
	}
	tmpl := &x509.RevocationList{
		Number:                    new(big.Int).SetUint64(next.CRLNumber),
		ThisUpdate:                now,
		NextUpdate:                now.Add(nextUpdate),
		RevokedCertificateEntries: entries,
		ExtraExtensions:           []pkix.Extension{ext},
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, ca.cert, ca.key.Ed25519())
	if err != nil {
		return nil, fmt.Errorf("CRL: %w", err)
	}
	return der, nil
}

// revokedPeersExtension encodes SEQUENCE OF UTF8String (peer IDs).
func revokedPeersExtension(peers []peer.ID) (pkix.Extension, error) {
	vals := make([]asn1.RawValue, len(peers))
	for i, p := range peers {
		vals[i] = asn1.RawValue{FullBytes: utf8String(p.String())}
	}
	b, err := asn1.Marshal(vals)
	if err != nil {
		return pkix.Extension{}, err
	}
	return pkix.Extension{Id: OIDRevokedPeers, Value: b}, nil
}

// CRL is a parsed, signature-checked revocation list. A nil *CRL revokes
// nothing. It is immutable and safe for concurrent use.
type CRL struct {
	Number     *big.Int // larger is newer; gossip keeps the largest
	ThisUpdate time.Time
	NextUpdate time.Time // the CA promises a new list by then

	issuerKey ed25519.PublicKey
	serials   map[string]bool // big.Int.Text(16)
	peers     map[peer.ID]bool
}

// Extensions of a CRL and of its entries that ParseCRL understands; any
// other critical one (delta CRLs, indirect CRLs, partitioned CRLs) is
// refused rather than misread.
var (
	oidAuthorityKeyID = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidCRLNumber      = asn1.ObjectIdentifier{2, 5, 29, 20}
)

// ParseCRL parses a DER CRL and checks it is signed by ca.
func ParseCRL(der []byte, ca *x509.Certificate) (*CRL, error) {
	if ca == nil {
		return nil, fmt.Errorf("parse CRL: %w: no CA certificate to check it against", ErrBadCRL)
	}
	if len(der) > MaxCRLSize {
		return nil, fmt.Errorf("parse CRL: %w: %d bytes, at most %d allowed", ErrTooLarge, len(der), MaxCRLSize)
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, fmt.Errorf("parse CRL: %w: %v", ErrBadCRL, err)
	}
	if !bytes.Equal(rl.RawIssuer, ca.RawSubject) {
		return nil, fmt.Errorf("parse CRL: %w: issued by %q, not %q", ErrBadCRL, rl.Issuer, ca.Subject)
	}
	if err := rl.CheckSignatureFrom(ca); err != nil {
		return nil, fmt.Errorf("parse CRL: %w: not signed by %q: %v", ErrBadCRL, ca.Subject, err)
	}
	caKey, ok := ca.PublicKey.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("parse CRL: %w: CA key is not Ed25519", ErrBadKey)
	}
	c := &CRL{
		Number:     rl.Number,
		ThisUpdate: rl.ThisUpdate,
		NextUpdate: rl.NextUpdate,
		issuerKey:  caKey,
		serials:    map[string]bool{},
		peers:      map[peer.ID]bool{},
	}
	if c.Number == nil {
		return nil, fmt.Errorf("parse CRL: %w: no CRL number", ErrBadCRL)
	}
	var havePeers bool
	for _, e := range rl.Extensions {
		switch {
		case e.Id.Equal(OIDRevokedPeers):
			if havePeers {
				return nil, fmt.Errorf("parse CRL: %w: revoked-peers extension appears twice", ErrBadCRL)
			}
			havePeers = true
			if err := c.readRevokedPeers(e.Value); err != nil {
				return nil, fmt.Errorf("parse CRL: %w: revoked peers: %v", ErrBadCRL, err)
			}
		case e.Critical && !e.Id.Equal(oidAuthorityKeyID) && !e.Id.Equal(oidCRLNumber):
			return nil, fmt.Errorf("parse CRL: %w: unsupported critical extension %s", ErrBadCRL, e.Id)
		}
	}
	for _, e := range rl.RevokedCertificateEntries {
		for _, x := range e.Extensions {
			if x.Critical {
				return nil, fmt.Errorf("parse CRL: %w: unsupported critical entry extension %s", ErrBadCRL, x.Id)
			}
		}
		c.serials[e.SerialNumber.Text(16)] = true
	}
	return c, nil
}

func (c *CRL) readRevokedPeers(der []byte) error {
	var vals []asn1.RawValue
	rest, err := asn1.Unmarshal(der, &vals)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("trailing data")
	}
	for _, v := range vals {
		s, err := parseUTF8String(v.FullBytes)
		if err != nil {
			return err
		}
		p, err := peer.Decode(s)
		if err != nil || p.String() != s {
			return fmt.Errorf("%q is not a peer ID", s)
		}
		c.peers[p] = true
	}
	return nil
}

// RevokedPeer reports whether the CRL revokes peer p.
func (c *CRL) RevokedPeer(p peer.ID) bool { return c != nil && c.peers[p] }

// RevokedSerial reports whether the CRL revokes the certificate with serial n.
func (c *CRL) RevokedSerial(n *big.Int) bool {
	return c != nil && n != nil && c.serials[n.Text(16)]
}

// RevokedPeers returns the revoked peers, so a host can close connections
// to them when a new CRL arrives.
func (c *CRL) RevokedPeers() []peer.ID {
	if c == nil {
		return nil
	}
	return slices.SortedFunc(maps.Keys(c.peers), func(a, b peer.ID) int { return cmp.Compare(a, b) })
}
