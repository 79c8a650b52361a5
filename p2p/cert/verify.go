package cert

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// MaxCertSize bounds the DER certificate Verify accepts. Ours are ~500 bytes.
const MaxCertSize = 16 << 10

// Verifier decides whether a certificate presented by a peer makes it a
// member. Its fields are read on every call and must not change while a
// Verify is running; Verify itself is safe for concurrent use.
type Verifier struct {
	// CA is the network CA certificate; nil means an open network, where
	// each certificate must be self-signed by its own key.
	CA *x509.Certificate
	// CRL returns the newest verified CRL of the network CA; nil, or a nil
	// result, means no revocations are known.
	CRL func() *CRL
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Verify checks the DER certificate certDER presented by peer remote and
// returns the membership it proves. Checks, in order: size (ErrTooLarge),
// parse (ErrBadCert), Ed25519 key (ErrBadKey), issuer (ErrUnknownCA),
// membership fields (ErrWrongPeer, ErrBadRole, ErrBadPayout), validity
// (ErrNotYetValid, ErrExpired), revocation (ErrRevoked), and finally that
// the key is remote's (ErrWrongPeer).
func (v *Verifier) Verify(certDER []byte, remote peer.ID) (Member, error) {
	if len(certDER) > MaxCertSize {
		return Member{}, fmt.Errorf("verify certificate of %s: %w: %d bytes, at most %d allowed", remote, ErrTooLarge, len(certDER), MaxCertSize)
	}
	c, err := x509.ParseCertificate(certDER)
	if err != nil {
		return Member{}, fmt.Errorf("verify certificate of %s: %w", remote, explainParseError(certDER, false, ErrBadCert, err))
	}
	m, err := v.verify(c, remote)
	if err != nil {
		return Member{}, fmt.Errorf("verify certificate of %s: %w", remote, err)
	}
	return m, nil
}

func (v *Verifier) verify(c *x509.Certificate, remote peer.ID) (Member, error) {
	if _, _, err := memberKey(c.PublicKey); err != nil {
		return Member{}, err
	}
	if err := v.checkIssuer(c); err != nil {
		return Member{}, err
	}
	m, err := readMember(c)
	if err != nil {
		return Member{}, err
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	if err := checkTimes(c, now, "certificate", "renew it with `scatterbytes ca sign` or restart the node to renew"); err != nil {
		return Member{}, err
	}
	if v.CA != nil {
		if err := checkTimes(v.CA, now, "CA certificate", "the network operator must issue a new CA certificate"); err != nil {
			return Member{}, err
		}
	}
	if err := v.checkRevoked(m); err != nil {
		return Member{}, err
	}
	if m.Peer != remote {
		return Member{}, fmt.Errorf("%w: the certificate is for %s but was presented by %s", ErrWrongPeer, m.Peer, remote)
	}
	return m, nil
}

func (v *Verifier) checkIssuer(c *x509.Certificate) error {
	if v.CA == nil {
		if !bytes.Equal(c.RawIssuer, c.RawSubject) {
			return fmt.Errorf("%w: open network, but the certificate is issued by %q, not self-signed", ErrUnknownCA, c.Issuer)
		}
		if err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
			return fmt.Errorf("%w: open network, but the certificate is not self-signed by its own key", ErrUnknownCA)
		}
		return nil
	}
	if !bytes.Equal(c.RawIssuer, v.CA.RawSubject) {
		return fmt.Errorf("%w: issued by %q, but this network's CA is %q; enrol with this network's CA (`scatterbytes ca sign`)", ErrUnknownCA, c.Issuer, v.CA.Subject)
	}
	if err := c.CheckSignatureFrom(v.CA); err != nil {
		return fmt.Errorf("%w: not signed by this network's CA %q (another CA with the same name?): %v", ErrUnknownCA, v.CA.Subject, err)
	}
	return nil
}

func checkTimes(c *x509.Certificate, now time.Time, what, renew string) error {
	if now.Before(c.NotBefore) {
		return fmt.Errorf("%w: %s valid from %s, it is now %s; check the clocks", ErrNotYetValid, what,
			c.NotBefore.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if now.After(c.NotAfter) {
		return fmt.Errorf("%w: %s expired at %s; %s", ErrExpired, what, c.NotAfter.UTC().Format(time.RFC3339), renew)
	}
	return nil
}

func (v *Verifier) checkRevoked(m Member) error {
	if v.CRL == nil {
		return nil
	}
	crl := v.CRL()
	if crl == nil {
		return nil
	}
	if v.CA == nil {
		return fmt.Errorf("%w: a CRL is configured on an open network", ErrBadCRL)
	}
	if caKey, ok := v.CA.PublicKey.(ed25519.PublicKey); !ok || !caKey.Equal(crl.issuerKey) {
		return fmt.Errorf("%w: the CRL was checked against another CA", ErrBadCRL)
	}
	if crl.RevokedSerial(m.Serial) {
		return fmt.Errorf("%w: serial %x of peer %s is on CRL %s", ErrRevoked, m.Serial, m.Peer, crl.Number)
	}
	if crl.RevokedPeer(m.Peer) {
		return fmt.Errorf("%w: peer %s is on CRL %s", ErrRevoked, m.Peer, crl.Number)
	}
	return nil
}
