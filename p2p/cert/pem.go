package cert

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

const (
	pemCert = "CERTIFICATE"
	pemCSR  = "CERTIFICATE REQUEST"
)

// EncodeCertPEM wraps a DER certificate in a "CERTIFICATE" PEM block.
func EncodeCertPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemCert, Bytes: der})
}

// ParseCertPEM parses the first "CERTIFICATE" PEM block in data; text
// around it
// (openssl comments, a following CA certificate) is ignored. It only parses: use a
// Verifier to decide whether to trust the certificate.
func ParseCertPEM(data []byte) (*x509.Certificate, error) {
	if len(data) > 4*MaxCertSize {
		return nil, fmt.Errorf("%w: PEM certificate is %d bytes, at most %d allowed", ErrTooLarge, len(data), 4*MaxCertSize)
	}
	der, err := decodePEM(data, pemCert, ErrBadCert)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, explainParseError(der, false, ErrBadCert, err)
	}
	return c, nil
}

func decodePEM(data []byte, typ string, malformed error) ([]byte, error) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, fmt.Errorf("%w: no %q PEM block", malformed, typ)
		}
		if b.Type == typ {
			return b.Bytes, nil
		}
	}
}
