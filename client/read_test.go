package client_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
)

// TestReadStreamsTheWholeFile checks File.Read, which races a ranged read
// of the first segment against the first stripe and then skips what it
// delivered: every byte once, in order, whichever wins.
func TestReadStreamsTheWholeFile(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, func(cfg *client.Config) { cfg.MaxShard = 256 << 10 })
	for _, n := range []int{100 << 10, 1<<20 + 3, 3<<20 + 65536} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			data := random(t, n)
			ref := put(t, c, data, "4+2")
			for range 3 {
				f, err := c.Open(ctxT(t), ref)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(f)
				f.Close()
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("Read: %d bytes, %v (same: %v)", len(got), err, bytes.Equal(got, data))
				}
			}
		})
	}
}
