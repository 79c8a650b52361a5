package stream

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/zeebo/blake3"

	"github.com/scatterbytes/scatterbytes/internal/golden"
)

// TestGolden pins the sealed format: key 0x07 × 32, plaintexts of 0 and 5
// bytes in full, and the BLAKE3 of longer ones (which pin the counter and
// final flag of later segments).
func TestGolden(t *testing.T) {
	key := testKey(t, 7)
	var out bytes.Buffer
	fmt.Fprintf(&out, "# stream v1, key = 07 x 32; plaintext of n bytes is byte(i) for i < n\n")
	for _, n := range []int{0, 5} {
		fmt.Fprintf(&out, "%d %x\n", n, seal(t, key, counting(n), 0))
	}
	for _, n := range []int{S, S + 1, 3*S + 5} {
		sum := blake3.Sum256(seal(t, key, counting(n), 0))
		fmt.Fprintf(&out, "%d blake3:%x\n", n, sum)
	}
	golden.Check(t, "stream-v1.golden", out.Bytes())
}

func counting(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestNonceLayout(t *testing.T) {
	n := nonce(0x0102030405, true)
	if got := hex.EncodeToString(n[:]); got != "000000000000010203040501" {
		t.Fatalf("nonce = %s", got)
	}
}
