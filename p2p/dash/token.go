package dash

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
)

// loadOrMakeToken reads dir's token file, or makes one (0600); made says
// which.
func loadOrMakeToken(dir string) (token string, made bool, err error) {
	path := filepath.Join(dir, TokenFile)
	b, err := os.ReadFile(path)
	if err == nil {
		t := strings.TrimSpace(string(b))
		if len(t) < 32 {
			return "", false, fmt.Errorf("dashboard token %s: too short; delete it to make a new one", path)
		}
		return t, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("dashboard token: %w", err)
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	t := hex.EncodeToString(raw)
	if err := atomicfile.Write(path, []byte(t+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("dashboard token: %w", err)
	}
	return t, true, nil
}
