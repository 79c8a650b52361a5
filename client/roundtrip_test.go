package client_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
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
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, nil)
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

func TestCompressedRoundTripAndRange(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, nil)
	data := bytes.Repeat([]byte("a compressible log line, again and again\n"), 50000) // 2 MB
	ctx := context.Background()
	ref, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), client.PutOptions{Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.Open(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !f.Manifest().Compressed || f.Manifest().CipherSize > int64(len(data))/10 {
		t.Fatalf("manifest: compressed %v, %d sealed bytes for %d plain", f.Manifest().Compressed, f.Manifest().CipherSize, len(data))
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("compressed round trip: %v", err)
	}
	p := make([]byte, 1000)
	if n, err := f.ReadAt(p, 777777); err != nil || n != 1000 || !bytes.Equal(p, data[777777:778777]) {
		t.Fatalf("ReadAt on a compressed file: %d, %v", n, err)
	}
	tail := make([]byte, 10)
	if n, err := f.ReadAt(tail, int64(len(data))-10); err != io.EOF || n != 10 || !bytes.Equal(tail, data[len(data)-10:]) {
		t.Fatalf("ReadAt at the end: %d, %v", n, err)
	}
}
