package catalog

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/client/keys"
	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// maxRedundancy bounds the "k+m" string: "127+1" is 5 bytes.
const maxRedundancy = 16

// entrySchema is Entry of catalog.proto, which TestProtoMatchesSchema
// keeps in step with it.
var entrySchema = wire.Message{Name: "Entry", Max: maxEntrySize, Fields: []wire.Field{
	{Num: fVolume, Name: "volume", Kind: wire.String, Required: true, Max: MaxNameSize},
	{Num: fName, Name: "name", Kind: wire.String, Required: true, Max: MaxNameSize},
	{Num: fManifest, Name: "manifest", Kind: wire.Bytes, Required: true, Max: 128},
	{Num: fKey, Name: "key", Kind: wire.Bytes, Required: true, Min: keys.KeySize, Max: keys.KeySize},
	{Num: fSize, Name: "size", Kind: wire.Uint64, Required: true, Max: 1<<63 - 1},
	{Num: fRedundancy, Name: "redundancy", Kind: wire.String, Required: true, Max: maxRedundancy},
	{Num: fCreated, Name: "created_unix_ms", Kind: wire.Sint64},
	{Num: fHolders, Name: "root_holders", Kind: wire.Bytes, Repeated: true, MaxCount: MaxRootHolders, Min: 1, Max: maxPeerID},
}}

// maxPeerID bounds an encoded peer ID: an identity multihash of an
// Ed25519 public key is 38 bytes, a sha2-256 one of a larger key 34.
const maxPeerID = 64

// decodeEntry parses and validates an Entry message under package wire's
// policy. Errors wrap ErrCorrupt.
func decodeEntry(b []byte) (Entry, error) {
	e, err := parseEntry(b)
	if err == nil {
		err = e.validate()
	}
	if err != nil {
		return Entry{}, fmt.Errorf("%w: entry: %v", ErrCorrupt, err)
	}
	return e, nil
}

func parseEntry(b []byte) (Entry, error) {
	var e Entry
	err := entrySchema.Decode(b, func(f *wire.Field, v wire.Value) (err error) {
		switch f.Num {
		case fVolume:
			e.Volume = v.String()
		case fName:
			e.Name = v.String()
		case fManifest:
			e.Ref.Manifest, err = cid.Cast(v.Bytes())
		case fKey:
			e.Ref.Key, err = keys.FileKeyFromBytes(v.Bytes())
		case fSize:
			e.Size = v.Int()
		case fRedundancy:
			e.Redundancy = v.String()
		case fCreated:
			e.Created = createdTime(v.Int())
		case fHolders:
			var p peer.ID
			if p, err = peer.IDFromBytes(v.Bytes()); err == nil {
				e.RootHolders = append(e.RootHolders, p)
			}
		}
		return err
	})
	return e, err
}

// createdTime turns stored milliseconds back into a time; year 1 is the
// zero time, i.e. unknown.
func createdTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
