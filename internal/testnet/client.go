package testnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// NewClient starts a client of the network with its own key, certificate,
// master key and catalog in a new directory, and closes it in t.Cleanup.
// configure, if set, adjusts its config first.
func (net *Network) NewClient(t testing.TB, configure func(*client.Config)) *client.Client {
	t.Helper()
	c, err := net.StartClient(context.Background(), configure)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// StartClient is NewClient for code without a testing.TB; the caller
// closes the client.
func (net *Network) StartClient(ctx context.Context, configure func(*client.Config)) (*client.Client, error) {
	net.mu.Lock()
	net.clients++
	dir := filepath.Join(net.dir, fmt.Sprintf("client%02d", net.clients))
	prof := *net.Profile
	net.mu.Unlock()
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
	cfg.Logger = net.opts.Logger
	if configure != nil {
		configure(&cfg)
	}
	return client.Open(ctx, cfg)
}

// WriteClientDir prepares dir as a client directory of this network: an
// identity key and master key (0600) and a client certificate, so that the
// CLI's client commands work there at once.
func (net *Network) WriteClientDir(dir string) error {
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
