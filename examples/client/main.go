// Command client is the smallest program that uses the ScatterBytes client
// library: it stores a file on a network and reads it back.
//
//	go run ./cmd/scatterbytes testnet up            # in one terminal, until Ctrl-C
//	go run ./examples/client -network .testnet/network.json -dir .testnet/client README.md
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/p2p/profile"
)

func main() {
	network := flag.String("network", ".testnet/network.json", "network profile")
	dir := flag.String("dir", ".testnet/client", "client directory (scatterbytes init --role client)")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: client [-network FILE] [-dir DIR] FILE")
	}
	ctx := context.Background()
	p, err := profile.Load(*network)
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.Open(ctx, client.DefaultConfig(*dir, p))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	ref, err := c.PutFile(ctx, flag.Arg(0), client.PutOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored; reference:", ref.Encode())

	f, err := c.Open(ctx, ref)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var back bytes.Buffer
	if _, err := f.WriteTo(&back); err != nil {
		log.Fatal(err)
	}
	orig, _ := os.ReadFile(flag.Arg(0))
	fmt.Println("read back", back.Len(), "bytes; identical:", bytes.Equal(orig, back.Bytes()))
}
