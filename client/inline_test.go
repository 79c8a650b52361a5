package client_test

import (
	"bytes"
	"testing"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
)

// TestSmallFileTravelsInItsManifest checks that a file up to InlineMax
// sealed bytes is stored in its manifest (one round of uploads: the
// manifest's m+2 copies, no shards) and reads back whole and in ranges,
// and that a larger one is striped.
func TestSmallFileTravelsInItsManifest(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, nil)
	for _, tc := range []struct {
		name   string
		size   int
		inline bool
	}{
		{"1 KiB", 1 << 10, true},
		{"at InlineMax", client.DefaultInlineMax - 16, true}, // 16: one segment's tag
		{"over InlineMax", client.DefaultInlineMax - 15, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := random(t, tc.size)
			sent := c.Stats().ShardsSent.Load()
			ref := put(t, c, data, "4+2")
			f, err := c.Open(ctxT(t), ref)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.Manifest().Inline(); got != tc.inline {
				t.Fatalf("file in its manifest: %v, want %v", got, tc.inline)
			}
			want := int64(4) // the manifest's m+2 copies
			if !tc.inline {
				want += 6
			}
			if n := c.Stats().ShardsSent.Load() - sent; n != want {
				t.Errorf("%d chunks uploaded, want %d", n, want)
			}
			var out bytes.Buffer
			if _, err := f.WriteTo(&out); err != nil || !bytes.Equal(out.Bytes(), data) {
				t.Fatalf("read back: %v (same: %v)", err, bytes.Equal(out.Bytes(), data))
			}
			p := make([]byte, 100)
			if _, err := f.ReadAt(p, 500); err != nil || !bytes.Equal(p, data[500:600]) {
				t.Fatalf("ReadAt: %v", err)
			}
		})
	}
}
