// Package testclient starts ScatterBytes clients and storage nodes on a
// testnet.Network. It is apart from package testnet so that the network
// harness depends on neither the client library nor the storage role,
// whose own dependencies test against the harness. Tests use its
// testing.TB face, package clienttest.
package testclient

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// WithCoordinator sets o.Coordinator to start the real coordinator role
// as peer 0 (package coordinator: enrolment, epochs, proofs, ledger), its
// config adjusted by adjust if set, unless o has a coordinator already.
func WithCoordinator(o testnet.Options, adjust func(*coordinator.Config)) testnet.Options {
	if o.Coordinator != nil {
		return o
	}
	o.Coordinator = func(ctx context.Context, s testnet.CoordinatorSetup) (testnet.Role, error) {
		cfg := coordinator.DefaultConfig(s.Dir, s.Node.Profile)
		cfg.Node = s.Node
		// One CA object for the coordinator, its restarts and Certify, so
		// that the harness's Revoke and the CRL the coordinator serves
		// share one state without rereading it.
		cfg.CA = s.CA
		cfg.Validity, cfg.CRLValidity = 24*time.Hour, time.Hour
		if s.Ledger != nil {
			cfg.Ledger, cfg.Payer = s.Ledger, s.Payer
		}
		if adjust != nil {
			adjust(&cfg)
		}
		return coordinator.New(ctx, cfg)
	}
	return o
}

// WithStorage sets o.Storage to start real storage nodes (the storage
// role, with disk stores under each node's directory) and o.Coordinator to
// start the real coordinator (WithCoordinator), unless set already.
func WithStorage(o testnet.Options) testnet.Options {
	o = WithCoordinator(o, nil)
	o.Storage = func(ctx context.Context, cfg node.Config, capacity int64) (testnet.Role, error) {
		n, err := storage.New(ctx, cfg, storage.Config{Capacity: capacity, Logger: cfg.Logger})
		if err != nil {
			return nil, err
		}
		return n, nil
	}
	return o
}

// Start starts a client of the network with its own key, certificate,
// master key and catalog in a new directory; the caller closes it.
// configure, if set, adjusts its config first.
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
