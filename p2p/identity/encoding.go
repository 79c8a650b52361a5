package identity

import (
	"bytes"
	"encoding/pem"
	"fmt"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/crypto/pb"
	"google.golang.org/protobuf/proto"
)

// pemType is the PEM block type of a key file (see doc.go).
const pemType = "SCATTERBYTES IDENTITY KEY"

// maxFileSize bounds what Load reads; a real key file is about 150 bytes.
const maxFileSize = 64 << 10

// encode returns the key file contents for k.
func encode(k Key) ([]byte, error) {
	if k.IsZero() {
		return nil, fmt.Errorf("encode: %w", ErrNoKey)
	}
	raw, err := crypto.MarshalPrivateKey(k.LibP2P())
	if err != nil {
		return nil, fmt.Errorf("encode identity key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: raw}), nil
}

// decode parses key file contents. Its errors never quote the input.
func decode(data []byte) (Key, error) {
	if len(data) > maxFileSize {
		return Key{}, fmt.Errorf("%w: file is larger than %d bytes", ErrBadKey, maxFileSize)
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return Key{}, fmt.Errorf("%w: no PEM block %q", ErrBadKey, pemType)
	}
	if block.Type != pemType {
		return Key{}, fmt.Errorf("%w: PEM block is %q, want %q", ErrBadKey, block.Type, pemType)
	}
	if len(block.Headers) != 0 {
		return Key{}, fmt.Errorf("%w: unexpected PEM headers", ErrBadKey)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return Key{}, fmt.Errorf("%w: trailing data after the PEM block", ErrBadKey)
	}
	// Check the type before handing the data to libp2p, so we never spend
	// time parsing, say, a huge RSA key we would refuse anyway.
	var msg pb.PrivateKey
	if err := proto.Unmarshal(block.Bytes, &msg); err != nil {
		return Key{}, fmt.Errorf("%w: not a libp2p private key", ErrBadKey)
	}
	if msg.Type == nil || msg.GetType() != pb.KeyType_Ed25519 {
		return Key{}, fmt.Errorf("%w: key type %s, want Ed25519", ErrBadKey, msg.GetType())
	}
	priv, err := crypto.UnmarshalEd25519PrivateKey(msg.GetData())
	if err != nil {
		return Key{}, fmt.Errorf("%w: bad Ed25519 key data (%d bytes)", ErrBadKey, len(msg.GetData()))
	}
	raw, err := priv.Raw()
	if err != nil {
		return Key{}, fmt.Errorf("%w: bad Ed25519 key data", ErrBadKey)
	}
	return FromEd25519(raw)
}
