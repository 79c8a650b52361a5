package gate

import (
	"testing"

	"github.com/scatterbytes/scatterbytes/internal/golden"
)

// TestGolden pins the CertMessage encoding.
func TestGolden(t *testing.T) {
	golden.Check(t, "cert-message.golden", encodeChain([][]byte{[]byte("leaf DER"), []byte("intermediate DER")}))
}
