package client_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/network"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
	"github.com/scatterbytes/scatterbytes/store"
)

// A node that stopped and came back on its port is asked to delete its
// chunks at once, though the client's dialer still holds it in back-off
// from a dial that failed while it was down. Found by the soak: files
// removed while every node ran still opened, their shards and manifest
// root left on a node restarted a little earlier.
func TestRemoveReachesARestartedNode(t *testing.T) {
	net := clienttest.NewNetwork(t, 6)
	c := clienttest.New(t, net, nil)
	data := random(t, 256<<10)
	ref, err := c.Put(ctxT(t), bytes.NewReader(data), int64(len(data)), client.PutOptions{Name: "f"})
	if err != nil {
		t.Fatal(err)
	}
	p := net.Peer(1)
	for _, q := range net.Nodes() {
		if usage(t, q).Chunks > 0 {
			p = q
			break
		}
	}
	ai := p.Node().AddrInfo()
	var listen []string
	for _, a := range ai.Addrs {
		listen = append(listen, a.String())
	}
	p.Config().Listen = listen // it comes back on its port
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	err = wait.For(ctxT(t), func() error {
		if c.Node().Host().Network().Connectedness(p.ID) == network.Connected {
			return fmt.Errorf("client still connected to the stopped node")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctxT(t), 5*time.Second)
	defer cancel()
	if err := c.Node().Host().Connect(dctx, ai); err == nil {
		t.Fatal("dialled a stopped node")
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(ctxT(t), "", "f"); err != nil {
		t.Fatal(err)
	}
	// The restarted node frees the chunk at its next proof, after the
	// next beacon reaches it; under the race detector a restarted node
	// has gone more than 30 s without one (see waitChunksFor).
	wctx, wcancel := context.WithTimeout(ctxT(t), 2*time.Minute)
	defer wcancel()
	werr := wait.For(wctx, func() error {
		if n := usage(t, p).Chunks; n != 0 {
			return fmt.Errorf("%d chunks left", n)
		}
		return nil
	})
	if n := usage(t, p).Chunks; werr != nil || n != 0 {
		p.Role().(*storage.Node).Storage().Store().Iterate(ctxT(t), cid.Undef, func(i store.Info) error {
			t.Logf("left: %s (the manifest root is %s)", i.ID, ref.Manifest)
			return nil
		})
		t.Fatalf("the restarted node holds %d chunks of the removed file", n)
	}
}
