package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Key is an Ed25519 libp2p private key. The zero Key holds no key; use
// Generate, Load or FromEd25519.
//
// Key deliberately cannot be compared with == and prints only its peer ID,
// so it cannot leak through logs, error messages or test failures.
type Key struct {
	_    [0]func() // not comparable
	priv ed25519.PrivateKey
	id   peer.ID
}

// Generate creates a new random identity key.
func Generate() (Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, fmt.Errorf("generate identity key: %w", err)
	}
	return FromEd25519(priv)
}

// FromEd25519 wraps an Ed25519 private key. The key is copied.
func FromEd25519(priv ed25519.PrivateKey) (Key, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return Key{}, fmt.Errorf("%w: Ed25519 private key is %d bytes, want %d",
			ErrBadKey, len(priv), ed25519.PrivateKeySize)
	}
	// The public half must belong to the seed, or signatures would not
	// verify against the peer ID we derive from it.
	k := ed25519.NewKeyFromSeed(priv.Seed())
	if !k.Public().(ed25519.PublicKey).Equal(priv.Public()) {
		return Key{}, fmt.Errorf("%w: Ed25519 public half does not match the seed", ErrBadKey)
	}
	pub, err := crypto.UnmarshalEd25519PublicKey(k.Public().(ed25519.PublicKey))
	if err != nil {
		return Key{}, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		return Key{}, fmt.Errorf("%w: peer ID: %v", ErrBadKey, err)
	}
	return Key{priv: k, id: id}, nil
}

// IsZero reports whether k holds no key.
func (k Key) IsZero() bool { return k.priv == nil }

// PeerID returns the libp2p peer ID of the key.
func (k Key) PeerID() peer.ID { return k.id }

// PubKey returns the libp2p public key.
func (k Key) PubKey() crypto.PubKey {
	if k.IsZero() {
		return nil
	}
	pub, _ := crypto.UnmarshalEd25519PublicKey(k.priv.Public().(ed25519.PublicKey))
	return pub
}

// LibP2P returns the key as a libp2p private key, for libp2p.Identity.
func (k Key) LibP2P() crypto.PrivKey {
	if k.IsZero() {
		return nil
	}
	priv, _ := crypto.UnmarshalEd25519PrivateKey(k.priv)
	return priv
}

// Ed25519 returns a copy of the key as a crypto/ed25519 key, a crypto.Signer
// usable with crypto/x509.
func (k Key) Ed25519() ed25519.PrivateKey {
	if k.IsZero() {
		return nil
	}
	return append(ed25519.PrivateKey(nil), k.priv...)
}

// Sign signs msg with Ed25519 (pure, no pre-hash).
func (k Key) Sign(msg []byte) ([]byte, error) {
	if k.IsZero() {
		return nil, fmt.Errorf("sign: %w", ErrNoKey)
	}
	return ed25519.Sign(k.priv, msg), nil
}

// String returns "identity.Key(<peer ID>)".
func (k Key) String() string {
	if k.IsZero() {
		return "identity.Key(<none>)"
	}
	return "identity.Key(" + k.id.String() + ")"
}

// GoString is String, so %#v cannot dump the key material.
func (k Key) GoString() string { return k.String() }

// Format prints String for every verb and flag, including %x and %+v.
func (k Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// LogValue keeps slog from reflecting into the key.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }
