package catalog

import (
	"encoding/binary"

	"github.com/zeebo/blake3"

	"github.com/scatterbytes/scatterbytes/client/keys"
)

// Database key prefixes, see doc.go.
var (
	versionKey    = []byte("v")
	entryPrefix   = []byte("e/")
	journalPrefix = []byte("j/")
	// journalPartPrefix holds the parts appended to journals.
	journalPartPrefix = []byte("k/")
)

// hashSize is the length of each keyed hash in a database key.
const hashSize = 16

// index computes the hashed database keys.
type index struct{ key keys.FileKey }

// sum returns H(tag ‖ parts...) as doc.go defines it.
func (ix index) sum(tag byte, parts ...[]byte) []byte {
	raw := ix.key.Raw()
	h, _ := blake3.NewKeyed(raw[:]) // fails only for a key that is not 32 bytes
	clear(raw[:])
	h.Write([]byte{tag})
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)[:hashSize]
}

// volumePrefix is the database key prefix shared by a volume's entries.
func (ix index) volumePrefix(volume string) []byte {
	return append(append([]byte(nil), entryPrefix...), ix.sum('v', []byte(volume))...)
}

// entryKey is the database key of volume/name.
func (ix index) entryKey(volume, name string) []byte {
	n := binary.AppendUvarint(nil, uint64(len(volume)))
	return append(ix.volumePrefix(volume), ix.sum('n', n, []byte(volume), []byte(name))...)
}

// journalKey is the database key of the journal id.
func (ix index) journalKey(id string) []byte {
	return append(append([]byte(nil), journalPrefix...), ix.sum('j', []byte(id))...)
}
