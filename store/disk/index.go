package disk

import (
	"github.com/ipfs/go-cid"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

// Index keys, see doc.go.
var (
	usageKey   = []byte("u")
	versionKey = []byte("v")
)

const (
	chunkPrefix      = 'c'
	quarantinePrefix = 'q'
	indexVersion     = 1
)

func chunkKey(id cid.Cid) []byte      { return append([]byte{chunkPrefix}, id.Bytes()...) }
func quarantineKey(id cid.Cid) []byte { return append([]byte{quarantinePrefix}, id.Bytes()...) }

// shardRange is the index range of the chunks in one shard: every chunk ID
// starts with the same CID and multihash prefix, then the digest, so a
// shard (first digest byte) is one contiguous range.
func shardRange(prefix byte, shard byte) *util.Range {
	return util.BytesPrefix(append(append([]byte{prefix}, idPrefix...), shard))
}

// chunksAfter is the index range of the chunk entries past after, in ID
// order; all of them when after is undefined.
func chunksAfter(after cid.Cid) *util.Range {
	rng := util.BytesPrefix([]byte{chunkPrefix})
	if after.Defined() {
		rng.Start = append(chunkKey(after), 0)
	}
	return rng
}

// idPrefix is what every chunk ID's bytes start with: CIDv1, raw,
// BLAKE3, 32 bytes.
var idPrefix = []byte{0x01, 0x55, 0x1e, 0x20}

// getRecord reads the record under key; found is false if there is none.
func getRecord(db *leveldb.DB, key []byte) (r record, found bool, err error) {
	v, err := db.Get(key, nil)
	if err == leveldb.ErrNotFound {
		return record{}, false, nil
	}
	if err != nil {
		return record{}, false, err
	}
	r, err = decodeRecord(v)
	return r, err == nil, err
}
