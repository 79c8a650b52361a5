// Command testnet embeds a whole ScatterBytes network in one program: a
// coordinator, six storage nodes and a client on loopback, then stores and
// reads back a message.
//
//	go run ./examples/testnet
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "scatterbytes-example-")
	if err != nil {
		log.Fatal(err)
	}
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

	msg := []byte("no node can read this")
	ref, err := c.Put(ctx, bytes.NewReader(msg), int64(len(msg)), client.PutOptions{Name: "hello.txt"})
	if err != nil {
		log.Fatal(err)
	}
	f, err := c.Open(ctx, ref)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	back, err := io.ReadAll(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", back)
}
