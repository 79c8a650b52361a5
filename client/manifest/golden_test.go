package manifest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/scatterbytes/scatterbytes/internal/golden"
)

// TestGoldenManifest pins the manifest encoding, the chunk keys and the
// split into stripe lists. Key 0x01 × 32; manifest from testManifest.
func TestGoldenManifest(t *testing.T) {
	var out bytes.Buffer
	key := fixedKey(t, 1)
	for _, tc := range []struct {
		name    string
		size    int64
		holders int
		limit   int
	}{
		{"inline, 1000 B file 4+2, 1 holder", 1000, 1, MaxChunkSize},
		{"split, 40 MiB file 4+2, no holders, 1 KiB chunk limit", 40 << 20, 0, 1024},
		{"data, 100 B file 4+2 in its manifest", 100, -1, MaxChunkSize},
	} {
		m := testManifest(t, tc.size, 4, 2, max(tc.holders, 0))
		if tc.holders < 0 {
			m = inlineManifest(t, tc.size, 4, 2)
		}
		ref, chunks, err := seal(m, key, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "# %s\nref %s\n", tc.name, ref.Encode())
		for j, c := range chunks {
			plain, err := openChunk(key, j, c.ID, c.Data)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "chunk %d %s\nplain %x\nsealed %x\n", j, c.ID, plain, c.Data)
		}
	}
	golden.Check(t, "manifest-v1.golden", out.Bytes())
}

func TestGoldenRef(t *testing.T) {
	r := testRef(t)
	golden.Check(t, "ref-v1.golden", []byte(fmt.Sprintf("# manifest %s, key 0x42 x 32\n%s\n", r.Manifest, r.Encode())))
}
