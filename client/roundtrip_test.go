package client_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/testnet/testclient"
)

func random(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func putGet(t *testing.T, c *client.Client, data []byte, red string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ref, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), client.PutOptions{Name: "f", Redundancy: red})
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.Open(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("%d bytes came back different (%d bytes)", len(data), out.Len())
	}
}

func TestRoundTrip(t *testing.T) {
	net := testclient.NewNetwork(t, 6)
	c := testclient.New(t, net, nil)
	sizes := []int{0, 1, 1 << 10, 64<<10 - 1, 64 << 10, 64<<10 + 1, 5<<20 + 3}
	if !testing.Short() {
		sizes = append(sizes, 64<<20)
	}
	for _, red := range []string{"4+2", "1+2"} {
		for _, n := range sizes {
			t.Run(fmt.Sprintf("%s/%d", red, n), func(t *testing.T) {
				putGet(t, c, random(t, n), red)
			})
		}
	}
}
