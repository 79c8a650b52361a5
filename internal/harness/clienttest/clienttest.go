// Package clienttest is the testing.TB face of package testclient: a
// network of storage nodes and clients on it, stopped in t.Cleanup. Only
// _test.go files import it.
package clienttest

import (
	"context"
	"testing"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
)

// NewNetwork is nettest.New with storage nodes that store chunks: what a
// client needs.
func NewNetwork(t testing.TB, n int) *testnet.Network {
	t.Helper()
	// Placement skips suspended nodes (package p2p/standing), and a node
	// that misses a few 2 s epochs on a loaded machine (the race
	// detector, parallel builds) would be suspended behind a test's back:
	// these networks suspend only a node whose reachability falls near
	// zero (about 135 missed epochs in a row).
	o := testclient.WithCoordinator(testnet.Options{Nodes: n}, func(c *coordinator.Config) {
		c.Reputation.SuspendBelow, c.Reputation.ReinstateAbove = 0.001, 0.002
	})
	return nettest.NewWith(t, testclient.WithStorage(o))
}

// New starts a client of the network with its own key, certificate,
// master key and catalog in a new directory, and closes it in t.Cleanup.
// configure, if set, adjusts its config first.
func New(t testing.TB, net *testnet.Network, configure func(*client.Config)) *client.Client {
	t.Helper()
	c, err := testclient.Start(context.Background(), net, configure)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
