package catalog

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

// Key derivation contexts, see doc.go.
const (
	sealContext  = "scatterbytes catalog v1"
	indexContext = "scatterbytes catalog index v1"
)

const nonceSize = 12

// newAEAD returns AES-256-GCM under the catalog's seal key.
func newAEAD(mk keys.MasterKey) (cipher.AEAD, error) {
	raw := mk.Derive(sealContext).Raw()
	defer clear(raw[:])
	block, err := aes.NewCipher(raw[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal returns nonce ‖ ciphertext of plain, bound to the database key dbKey.
func seal(aead cipher.AEAD, dbKey, plain []byte) []byte {
	out := make([]byte, nonceSize, nonceSize+len(plain)+aead.Overhead())
	rand.Read(out) // never fails (crypto/rand panics instead)
	return aead.Seal(out, out[:nonceSize], plain, dbKey)
}

// open reverses seal. Any failure is ErrCorrupt: once the version record
// has verified the key, a value that does not open was altered or moved.
func open(aead cipher.AEAD, dbKey, sealed []byte) ([]byte, error) {
	if len(sealed) < nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("%w: sealed value of %d bytes is too short", ErrCorrupt, len(sealed))
	}
	plain, err := aead.Open(nil, sealed[:nonceSize], sealed[nonceSize:], dbKey)
	if err != nil {
		return nil, fmt.Errorf("%w: value does not open under its key (altered or moved)", ErrCorrupt)
	}
	return plain, nil
}
