package catalog

import "google.golang.org/protobuf/encoding/protowire"

// Entry field numbers, see catalog.proto.
const (
	fVolume     protowire.Number = 1
	fName       protowire.Number = 2
	fManifest   protowire.Number = 3
	fKey        protowire.Number = 4
	fSize       protowire.Number = 5
	fRedundancy protowire.Number = 6
	fCreated    protowire.Number = 7
	fHolders    protowire.Number = 8
)

// maxEntrySize bounds an encoded entry: two names of 1 KiB, a CID, a key
// and small numbers fit with room to spare.
const maxEntrySize = 4 << 10

// encodeEntry writes e as doc.go specifies. e must be valid.
func encodeEntry(e *Entry) []byte {
	key := e.Ref.Key.Raw()
	defer clear(key[:])
	var b []byte
	b = protowire.AppendTag(b, fVolume, protowire.BytesType)
	b = protowire.AppendString(b, e.Volume)
	b = protowire.AppendTag(b, fName, protowire.BytesType)
	b = protowire.AppendString(b, e.Name)
	b = protowire.AppendTag(b, fManifest, protowire.BytesType)
	b = protowire.AppendBytes(b, e.Ref.Manifest.Bytes())
	b = protowire.AppendTag(b, fKey, protowire.BytesType)
	b = protowire.AppendBytes(b, key[:])
	b = protowire.AppendTag(b, fSize, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(e.Size))
	b = protowire.AppendTag(b, fRedundancy, protowire.BytesType)
	b = protowire.AppendString(b, e.Redundancy)
	if !e.Created.IsZero() {
		b = protowire.AppendTag(b, fCreated, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(e.Created.UnixMilli()))
	}
	for _, p := range e.RootHolders {
		b = protowire.AppendTag(b, fHolders, protowire.BytesType)
		b = protowire.AppendString(b, string(p))
	}
	return b
}
