package cert

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/scatterbytes/scatterbytes/p2p/identity"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
)

// Files of a CA directory (see doc.go).
const (
	keyFileName   = "ca.key"
	certFileName  = "ca.crt"
	stateFileName = "ca.state"
	lockFileName  = "ca.lock" // flock'd while a process changes ca.state
)

// SaveCA writes ca to dir (created 0700 if missing) and from then on keeps
// its state there. It refuses to replace an existing CA key.
func SaveCA(dir string, ca *CA) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save CA: %w", err)
	}
	ca.mu.Lock()
	defer ca.mu.Unlock()
	if err := identity.Save(filepath.Join(dir, keyFileName), ca.key); err != nil {
		return fmt.Errorf("save CA: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(dir, certFileName), ca.CertPEM(), 0o644); err != nil {
		return fmt.Errorf("save CA: %w", err)
	}
	if err := writeState(dir, ca.state); err != nil {
		return fmt.Errorf("save CA: %w", err)
	}
	ca.dir, ca.seen = dir, stamp(dir)
	return nil
}

// LoadCA reads the CA saved in dir. The key file must be mode 0600.
func LoadCA(dir string) (*CA, error) {
	keyPath := filepath.Join(dir, keyFileName)
	key, err := identity.Load(keyPath)
	if errors.Is(err, identity.ErrNoKey) {
		return nil, fmt.Errorf("%w in %s (no %s); run `scatterbytes ca init` to create one", ErrNoCA, dir, keyFileName)
	}
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, certFileName))
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	c, err := ParseCertPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("load CA %s: %w", certFileName, err)
	}
	if pub, ok := c.PublicKey.(ed25519.PublicKey); !ok || !pub.Equal(key.Ed25519().Public()) {
		return nil, fmt.Errorf("load CA: %w: %s does not match %s", ErrBadKey, certFileName, keyFileName)
	}
	if !c.IsCA {
		return nil, fmt.Errorf("load CA: %w: %s is not a CA certificate", ErrBadCert, certFileName)
	}
	state, err := readState(dir)
	if err != nil {
		return nil, err
	}
	return &CA{key: key, cert: c, dir: dir, state: state, seen: stamp(dir)}, nil
}

// readState reads dir/ca.state.
func readState(dir string) (caState, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFileName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Starting over would reuse CRL numbers and forget revocations.
		return caState{}, fmt.Errorf("load CA: %s is missing; restore it from a backup of %s", stateFileName, dir)
	case err != nil:
		return caState{}, fmt.Errorf("load CA: %w", err)
	}
	state, err := unmarshalState(data)
	if err != nil {
		return caState{}, fmt.Errorf("load CA %s: %w", stateFileName, err)
	}
	return state, nil
}
