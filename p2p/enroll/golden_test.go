package enroll

import (
	"testing"

	"github.com/scatterbytes/scatterbytes/internal/golden"
)

// TestGolden pins the Request and Response encodings.
func TestGolden(t *testing.T) {
	for name, b := range map[string][]byte{
		"request-csr.golden":      (&Request{CSR: []byte("-----BEGIN CERTIFICATE REQUEST-----")}).marshal(),
		"request-crl-only.golden": (&Request{}).marshal(),
		"response-cert.golden":    (&Response{Cert: []byte("cert DER"), CRL: []byte("CRL DER")}).marshal(),
		"response-refused.golden": (&Response{CRL: []byte("CRL DER"), Error: "refused"}).marshal(),
	} {
		t.Run(name, func(t *testing.T) { golden.Check(t, name, b) })
	}
}
