package cert

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Member is what a verified membership certificate says about its holder.
type Member struct {
	Peer      peer.ID
	Role      Role
	Payout    string // Bitcoin payout address; "" if none
	NotBefore time.Time
	NotAfter  time.Time
	Serial    *big.Int
	// Raw is the certificate (DER) the membership was read from; nil for
	// one read from a CSR.
	Raw []byte
}

// NeedsRenewal reports whether less than a third of m's validity remains
// at now (or it has already expired).
func NeedsRenewal(m Member, now time.Time) bool {
	total := m.NotAfter.Sub(m.NotBefore)
	return m.NotAfter.Sub(now) < total/3
}

// readMember checks the parts of c that make it a membership certificate
// (Ed25519 key, CN = peer ID, role and payout extensions, no unknown
// critical extension) and returns what it says. It does not check who
// signed it, when it is valid, or revocation.
func readMember(c *x509.Certificate) (Member, error) {
	_, id, err := memberKey(c.PublicKey)
	if err != nil {
		return Member{}, err
	}
	if c.Subject.CommonName != id.String() {
		return Member{}, fmt.Errorf("%w: certificate CN %q is not the peer ID %s of its key", ErrWrongPeer, c.Subject.CommonName, id)
	}
	if len(c.UnhandledCriticalExtensions) != 0 {
		return Member{}, fmt.Errorf("%w: unknown critical extension %s", ErrBadCert, c.UnhandledCriticalExtensions[0])
	}
	if c.IsCA {
		return Member{}, fmt.Errorf("%w: a CA certificate is not a membership certificate", ErrBadCert)
	}
	role, payout, err := readMemberExtensions(c.Extensions)
	if err != nil {
		return Member{}, err
	}
	return Member{
		Peer:      id,
		Role:      role,
		Payout:    payout,
		NotBefore: c.NotBefore,
		NotAfter:  c.NotAfter,
		Serial:    new(big.Int).Set(c.SerialNumber),
		Raw:       bytes.Clone(c.Raw),
	}, nil
}
