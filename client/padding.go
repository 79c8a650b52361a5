package client

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

// paddingContext derives the key of a file's shard padding.
const paddingContext = "scatterbytes shard padding v1"

// padding returns the filler of the padding in a file's data shards: an
// AES-CTR keystream under a key derived from the file key, starting at a
// counter block that names the stripe.
//
// Zeros would make every data shard that holds only padding (a small
// file's, a short last stripe's) one chunk shared by all files of that
// shard size: a node holds a chunk under one client's order, so another
// client's PUT of it was refused, and removing one file deleted a shard
// of every other file of its client that had it on the same node. Bytes
// from the file key keep every file's chunks its own, and the same on a
// resumed upload (same key, same shards). They tell nothing of the key or
// the plaintext: the derived key seals nothing else.
func padding(fileKey keys.FileKey) func(stripe int, p []byte) {
	raw := fileKey.Derive(paddingContext).Raw()
	block, err := aes.NewCipher(raw[:])
	if err != nil {
		panic(err) // a 32-byte key always makes a cipher
	}
	return func(stripe int, p []byte) {
		var iv [aes.BlockSize]byte
		binary.BigEndian.PutUint64(iv[:8], uint64(stripe))
		clear(p)
		cipher.NewCTR(block, iv[:]).XORKeyStream(p, p)
	}
}
