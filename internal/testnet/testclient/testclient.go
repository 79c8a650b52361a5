// Package testclient starts ScatterBytes clients on a testnet.Network. It
// is apart from package testnet so that the network harness does not depend
// on the client library (whose own dependencies test against the harness).
package testclient

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/internal/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// NewNetwork is testnet.New with storage nodes that store chunks: what a
// client needs.
func NewNetwork(t testing.TB, n int) *testnet.Network {
	t.Helper()
	return testnet.NewWith(t, WithStorage(testnet.Options{Nodes: n}))
}

// WithStorage sets o.Storage to start real storage nodes (disk stores
// under each node's directory).
func WithStorage(o testnet.Options) testnet.Options {
	o.Storage = func(ctx context.Context, cfg node.Config, capacity int64) (*node.Node, testnet.Service, error) {
		return storage.StartNode(ctx, cfg, storage.Config{Capacity: capacity, Logger: cfg.Logger})
	}
	return o
}

// New starts a client of the network with its own key, certificate,
// master key and catalog in a new directory, and closes it in t.Cleanup.
// configure, if set, adjusts its config first.
func New(t testing.TB, net *testnet.Network, configure func(*client.Config)) *client.Client {
	t.Helper()
	c, err := Start(context.Background(), net, configure)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Start is New for code without a testing.TB; the caller
// closes the client.
func Start(ctx context.Context, net *testnet.Network, configure func(*client.Config)) (*client.Client, error) {
	dir, err := os.MkdirTemp(net.Dir(), "client")
	if err != nil {
		return nil, err
	}
	prof := *net.Profile
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	k, der, err := net.NewMember(cert.RoleClient)
	if err != nil {
		return nil, err
	}
	mk := keys.GenerateMaster()
	cfg := client.DefaultConfig(dir, &prof)
	cfg.Key, cfg.Cert, cfg.Master = &k, der, &mk
	cfg.Logger = net.Logger()
	if configure != nil {
		configure(&cfg)
	}
	return client.Open(ctx, cfg)
}

// WriteDir prepares dir as a client directory of this network: an
// identity key and master key (0600) and a client certificate, so that the
// CLI's client commands work there at once.
func WriteDir(net *testnet.Network, dir string) error {
	if err := client.Init(dir, nil); err != nil {
		return err
	}
	k, err := identity.Load(filepath.Join(dir, node.KeyFile))
	if err != nil {
		return err
	}
	der, err := net.Certify(k, cert.RoleClient)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, node.CertFile), cert.EncodeCertPEM(der), 0o644)
}
