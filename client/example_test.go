package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

// A client stores bytes and reads them back by reference. Here the network
// is an in-process testnet; a real program calls client.Open with a network
// profile and its own directory instead (see examples/client).
func ExampleClient_Put() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	net, err := testnet.Start(ctx, testclient.WithStorage(testnet.Options{Dir: dir, Nodes: 6}))
	if err != nil {
		log.Fatal(err)
	}
	defer net.Close()
	c, err := testclient.Start(ctx, net, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	msg := []byte("hello, scattered world")
	ref, err := c.Put(ctx, bytes.NewReader(msg), int64(len(msg)), client.PutOptions{Name: "hello.txt", Redundancy: "4+2"})
	if err != nil {
		log.Fatal(err)
	}
	f, err := c.Open(ctx, ref)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	back, _ := io.ReadAll(f)
	fmt.Println(string(back))
	// Output: hello, scattered world
}

// ReadAt fetches only the segments a range needs.
func ExampleFile_ReadAt() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	net, err := testnet.Start(ctx, testclient.WithStorage(testnet.Options{Dir: dir, Nodes: 6}))
	if err != nil {
		log.Fatal(err)
	}
	defer net.Close()
	c, err := testclient.Start(ctx, net, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	msg := bytes.Repeat([]byte("0123456789"), 100000) // 1 MB
	ref, err := c.Put(ctx, bytes.NewReader(msg), int64(len(msg)), client.PutOptions{})
	if err != nil {
		log.Fatal(err)
	}
	f, err := c.Open(ctx, ref)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	p := make([]byte, 12)
	if _, err := f.ReadAt(p, 654321); err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(p))
	// Output: 123456789012
}
