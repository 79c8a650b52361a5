package cert

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"

	"github.com/scatterbytes/scatterbytes/p2p/identity"
)

// NewCSR returns a PEM "CERTIFICATE REQUEST" asking the CA for a membership
// certificate for k with the given role and payout address. It is signed
// with k, which proves possession of the key.
func NewCSR(k identity.Key, role Role, payout string) ([]byte, error) {
	if k.IsZero() {
		return nil, fmt.Errorf("new CSR: %w: no identity key", ErrBadKey)
	}
	exts, err := memberExtensions(role, payout)
	if err != nil {
		return nil, fmt.Errorf("new CSR: %w", err)
	}
	tmpl := &x509.CertificateRequest{
		Subject:         pkix.Name{CommonName: k.PeerID().String()},
		ExtraExtensions: exts,
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, k.Ed25519())
	if err != nil {
		return nil, fmt.Errorf("new CSR: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemCSR, Bytes: der}), nil
}

// ParseCSR parses and checks a PEM certificate request as Sign does and
// returns the membership it asks for (Peer, Role, Payout; no times or
// serial). Enrolment code uses it to apply policy, such as who may be a
// coordinator, before calling Sign.
func ParseCSR(csrPEM []byte) (Member, error) {
	if len(csrPEM) > 4*MaxCertSize {
		return Member{}, fmt.Errorf("%w: request is %d bytes, at most %d allowed", ErrTooLarge, len(csrPEM), 4*MaxCertSize)
	}
	der, err := decodePEM(csrPEM, pemCSR, ErrBadCSR)
	if err != nil {
		return Member{}, err
	}
	if len(der) > MaxCertSize {
		return Member{}, fmt.Errorf("%w: request is %d bytes, at most %d allowed", ErrTooLarge, len(der), MaxCertSize)
	}
	req, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return Member{}, explainParseError(der, true, ErrBadCSR, err)
	}
	_, id, err := memberKey(req.PublicKey)
	if err != nil {
		return Member{}, err
	}
	if err := req.CheckSignature(); err != nil {
		return Member{}, fmt.Errorf("%w: signature does not verify: %v", ErrBadCSR, err)
	}
	if req.Subject.CommonName != id.String() {
		return Member{}, fmt.Errorf("%w: request CN %q is not the peer ID %s of its key", ErrWrongPeer, req.Subject.CommonName, id)
	}
	role, payout, err := readMemberExtensions(req.Extensions)
	if err != nil {
		return Member{}, err
	}
	return Member{Peer: id, Role: role, Payout: payout}, nil
}
