package coordinator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
	"github.com/scatterbytes/scatterbytes/p2p/identity"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// CAValidity is the lifetime of the CA certificate Init creates, as
// `scatterbytes ca init` makes it by default.
const CAValidity = 10 * 365 * 24 * time.Hour

// ErrHasCA means Init found a CA in the directory already.
var ErrHasCA = errors.New("the directory holds a network CA already")

// Init prepares dir for the coordinator of the CA network named network:
// an identity key (kept if there is one; 0600) and a new network CA in
// dir/ca (key 0600). It refuses to replace a CA, whose loss would cut every
// member off.
func Init(dir, network string) error {
	if err := InitOpen(dir); err != nil {
		return err
	}
	ca, err := cert.NewCA(network, CAValidity)
	if err != nil {
		return fmt.Errorf("coordinator init: %w", err)
	}
	caDir := filepath.Join(dir, CADir)
	err = cert.SaveCA(caDir, ca)
	if errors.Is(err, identity.ErrExists) {
		return fmt.Errorf("coordinator init: %w: %s", ErrHasCA, caDir)
	}
	if err != nil {
		return fmt.Errorf("coordinator init: %w", err)
	}
	return nil
}

// InitOpen prepares dir for the coordinator of an open network, which has
// no CA: only the identity key (kept if there is one).
func InitOpen(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("coordinator init: %w", err)
	}
	if _, err := identity.LoadOrCreate(filepath.Join(dir, node.KeyFile)); err != nil {
		return fmt.Errorf("coordinator init: %w", err)
	}
	return nil
}

// LoadCA loads the network CA of the coordinator directory dir.
func LoadCA(dir string) (*cert.CA, error) { return cert.LoadCA(filepath.Join(dir, CADir)) }
