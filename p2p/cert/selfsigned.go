package cert

import (
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/identity"
)

// SelfSigned returns a DER membership certificate for k signed by k itself,
// for open networks that have no CA. validity 0 means DefaultValidity.
func SelfSigned(k identity.Key, role Role, payout string, validity time.Duration) ([]byte, error) {
	if k.IsZero() {
		return nil, fmt.Errorf("self-signed certificate: %w: no identity key", ErrBadKey)
	}
	if validity < 0 {
		return nil, fmt.Errorf("self-signed certificate: validity %s is negative", validity)
	}
	if validity == 0 {
		validity = DefaultValidity
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, fmt.Errorf("self-signed certificate: %w", err)
	}
	now := time.Now()
	tmpl, err := memberTemplate(k.PeerID(), role, payout, serial, now.Add(-clockSkew), now.Add(validity))
	if err != nil {
		return nil, fmt.Errorf("self-signed certificate: %w", err)
	}
	priv := k.Ed25519()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		return nil, fmt.Errorf("self-signed certificate: %w", err)
	}
	return der, nil
}
