package cert

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
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
	exts, err := memberExtensions(role, payout)
	if err != nil {
		return nil, fmt.Errorf("self-signed certificate: %w", err)
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
	name := pkix.Name{CommonName: k.PeerID().String()}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               name,
		Issuer:                name,
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		ExtraExtensions:       exts,
	}
	priv := k.Ed25519()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, priv.Public(), priv)
	if err != nil {
		return nil, fmt.Errorf("self-signed certificate: %w", err)
	}
	return der, nil
}
