package proof

import (
	"crypto/ed25519"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// Options are what Verify and VerifyBeacon check a message against: the
// network profile's name and CA, nothing else.
type Options struct {
	// Network is the network profile's name; beacons and proofs of
	// another network are refused.
	Network string
	// CA is the network CA certificate; nil means an open network, where
	// every certificate is self-signed (and a proof shows little).
	CA *x509.Certificate
	// CRL, if set, returns the newest verified CRL: revoked coordinators
	// and nodes are refused. Clients are not judged by it (see doc.go).
	CRL func() *cert.CRL
	// Coordinator, if set, is the only peer whose beacons are accepted.
	Coordinator peer.ID
}

// member verifies a membership certificate with the given role as it
// stood at time at, and returns it with its key.
func (o Options) member(der []byte, role cert.Role, at time.Time) (cert.Member, crypto.PubKey, error) {
	pub, id, err := certKey(der)
	if err != nil {
		return cert.Member{}, nil, err
	}
	v := cert.Verifier{CA: o.CA, Now: func() time.Time { return at }}
	if role != cert.RoleClient {
		v.CRL = o.CRL
	}
	m, err := v.Verify(der, id)
	if err != nil {
		return cert.Member{}, nil, err
	}
	if m.Role != role {
		return cert.Member{}, nil, fmt.Errorf("%w: %s has role %s, want %s", cert.ErrBadRole, id, m.Role, role)
	}
	return m, pub, nil
}

// memberDuring verifies a membership certificate as it stood at the
// start of b's epoch or, if it was renewed during the epoch and so not
// yet valid at the start, at its end.
func (o Options) memberDuring(der []byte, role cert.Role, b *Beacon) (cert.Member, crypto.PubKey, error) {
	m, pub, err := o.member(der, role, b.Start)
	if errors.Is(err, cert.ErrNotYetValid) {
		m, pub, err = o.member(der, role, b.End())
	}
	return m, pub, err
}

// certKey returns the libp2p key of a DER certificate and its peer ID,
// without judging the certificate (Verifier.Verify does that).
func certKey(der []byte) (crypto.PubKey, peer.ID, error) {
	if len(der) > cert.MaxCertSize {
		return nil, "", fmt.Errorf("%w: %d bytes", cert.ErrTooLarge, len(der))
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", cert.ErrBadCert, err)
	}
	ed, ok := c.PublicKey.(ed25519.PublicKey)
	if !ok {
		return nil, "", fmt.Errorf("%w: certificate key is not Ed25519", cert.ErrBadKey)
	}
	pub, err := crypto.UnmarshalEd25519PublicKey(ed)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", cert.ErrBadKey, err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", cert.ErrBadKey, err)
	}
	return pub, id, nil
}
