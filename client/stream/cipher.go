package stream

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

const (
	// SegmentSize is the plaintext size of every segment but the last.
	SegmentSize = 64 << 10
	// Overhead is the GCM tag added to each segment.
	Overhead = 16
	// SealedSegmentSize is the sealed size of a full segment.
	SealedSegmentSize = SegmentSize + Overhead

	nonceSize = 12
	// maxSegments keeps the 88-bit counter (and int64 arithmetic) safe.
	maxSegments = 1 << 46
)

// Cipher seals and opens single segments of one stream. It is safe for
// concurrent use.
type Cipher struct{ aead cipher.AEAD }

// NewCipher returns the segment cipher for key.
func NewCipher(key keys.FileKey) *Cipher {
	raw := key.Raw()
	block, err := aes.NewCipher(raw[:])
	clear(raw[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return &Cipher{aead: aead}
}

func nonce(index int64, last bool) [nonceSize]byte {
	var n [nonceSize]byte
	binary.BigEndian.PutUint64(n[3:11], uint64(index))
	if last {
		n[11] = 1
	}
	return n
}

// Seal appends the sealed form of segment index to dst. plain must be
// SegmentSize bytes unless last, and at most SegmentSize. dst and plain may
// overlap exactly (dst = plain[:0]) to seal in place.
func (c *Cipher) Seal(dst, plain []byte, index int64, last bool) []byte {
	if len(plain) > SegmentSize || (!last && len(plain) != SegmentSize) || index < 0 || index >= maxSegments {
		panic(fmt.Sprintf("stream: Seal segment %d of %d bytes (last %v)", index, len(plain), last))
	}
	n := nonce(index, last)
	return c.aead.Seal(dst, n[:], plain, nil)
}

// Open appends the plaintext of sealed segment index to dst, or returns
// ErrTampered and appends nothing. dst and sealed may overlap exactly
// (dst = sealed[:0]) to open in place.
func (c *Cipher) Open(dst, sealed []byte, index int64, last bool) ([]byte, error) {
	if len(sealed) < Overhead || len(sealed) > SealedSegmentSize || (!last && len(sealed) != SealedSegmentSize) || index < 0 || index >= maxSegments {
		return dst, fmt.Errorf("%w: segment %d has %d bytes", ErrTampered, index, len(sealed))
	}
	n := nonce(index, last)
	out, err := c.aead.Open(dst, n[:], sealed, nil)
	if err != nil {
		return dst, fmt.Errorf("%w: segment %d", ErrTampered, index)
	}
	return out, nil
}

// OpenSegment opens one sealed segment under key. Range reads that open
// many segments should keep a Cipher instead.
func OpenSegment(key keys.FileKey, index int64, last bool, sealed []byte) ([]byte, error) {
	return NewCipher(key).Open(nil, sealed, index, last)
}
