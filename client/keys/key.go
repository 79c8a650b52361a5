package keys

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"log/slog"

	"github.com/zeebo/blake3"
)

// KeySize is the length of every key in bytes.
const KeySize = 32

// secret is the shared representation of a 256-bit key. The zero-length
// func array makes every struct that embeds it incomparable, so k1 == k2
// does not compile.
type secret struct {
	_ [0]func()
	b [KeySize]byte
}

// MasterKey is a client's long-lived root secret. It never leaves the
// client; the catalog is sealed with keys derived from it.
type MasterKey struct{ s secret }

// FileKey seals one stream (a file's content, a manifest chunk, a catalog).
// Whoever holds a file's key and manifest CID can read the file.
type FileKey struct{ s secret }

// GenerateMaster returns a new random master key.
func GenerateMaster() MasterKey { return MasterKey{s: random()} }

// NewFileKey returns a fresh random file key.
func NewFileKey() FileKey { return FileKey{s: random()} }

func random() secret {
	var s secret
	rand.Read(s.b[:]) // never fails (crypto/rand panics instead)
	return s
}

// FileKeyFromBytes copies b into a FileKey; b must be KeySize bytes.
func FileKeyFromBytes(b []byte) (FileKey, error) {
	var k FileKey
	if len(b) != KeySize {
		return k, fmt.Errorf("%w, got %d", ErrKeySize, len(b))
	}
	copy(k.s.b[:], b)
	return k, nil
}

// MasterKeyFromBytes copies b into a MasterKey; b must be KeySize bytes.
func MasterKeyFromBytes(b []byte) (MasterKey, error) {
	var k MasterKey
	if len(b) != KeySize {
		return k, fmt.Errorf("%w, got %d", ErrKeySize, len(b))
	}
	copy(k.s.b[:], b)
	return k, nil
}

// Raw returns the key bytes. Callers hand them to a cipher and nothing else.
func (k FileKey) Raw() [KeySize]byte { return k.s.b }

// Raw returns the key bytes. Callers hand them to a cipher and nothing else.
func (k MasterKey) Raw() [KeySize]byte { return k.s.b }

// Equal reports in constant time whether k and o are the same key.
func (k FileKey) Equal(o FileKey) bool { return k.s.equal(o.s) }

// Equal reports in constant time whether k and o are the same key.
func (k MasterKey) Equal(o MasterKey) bool { return k.s.equal(o.s) }

// IsZero reports whether k is the zero value (no key).
func (k FileKey) IsZero() bool { return k.s.equal(secret{}) }

// IsZero reports whether k is the zero value (no key).
func (k MasterKey) IsZero() bool { return k.s.equal(secret{}) }

func (s secret) equal(o secret) bool { return subtle.ConstantTimeCompare(s.b[:], o.b[:]) == 1 }

// Derive returns the sub-key of k for context, a hard-coded string unique
// to one purpose, e.g. "scatterbytes manifest v1".
func (k FileKey) Derive(context string) FileKey { return FileKey{s: k.s.derive(context, nil)} }

// DeriveWith is Derive with extra public material (e.g. a chunk index)
// mixed in after the key, for families of keys under one context.
func (k FileKey) DeriveWith(context string, extra []byte) FileKey {
	return FileKey{s: k.s.derive(context, extra)}
}

// Derive returns the sub-key of the master key for context, e.g.
// "scatterbytes catalog v1".
func (k MasterKey) Derive(context string) FileKey { return FileKey{s: k.s.derive(context, nil)} }

func (s secret) derive(context string, extra []byte) secret {
	var out secret
	material := make([]byte, 0, KeySize+len(extra))
	material = append(append(material, s.b[:]...), extra...)
	blake3.DeriveKey(context, material, out.b[:])
	clear(material)
	return out
}

const (
	fileRedacted   = "keys.FileKey(redacted)"
	masterRedacted = "keys.MasterKey(redacted)"
)

// String never shows the key.
func (k FileKey) String() string { return fileRedacted }

// String never shows the key.
func (k MasterKey) String() string { return masterRedacted }

// Format makes every verb (%x, %#v, %+v …) print the redacted form.
func (k FileKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, fileRedacted) }

// Format makes every verb (%x, %#v, %+v …) print the redacted form.
func (k MasterKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, masterRedacted) }

// LogValue keeps slog from reflecting into the key.
func (k FileKey) LogValue() slog.Value { return slog.StringValue(fileRedacted) }

// LogValue keeps slog from reflecting into the key.
func (k MasterKey) LogValue() slog.Value { return slog.StringValue(masterRedacted) }

// MarshalText makes encoding/json and friends emit the redacted form.
func (k FileKey) MarshalText() ([]byte, error) { return []byte(fileRedacted), nil }

// MarshalText makes encoding/json and friends emit the redacted form.
func (k MasterKey) MarshalText() ([]byte, error) { return []byte(masterRedacted), nil }
