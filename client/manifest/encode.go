package manifest

import (
	"encoding/binary"

	"github.com/ipfs/go-cid"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers; see doc.go.
const (
	fVersion     = 1
	fName        = 2
	fSize        = 3
	fCompressed  = 4
	fSegmentSize = 5
	fCipherSize  = 6
	fK           = 7
	fM           = 8
	fShardSize   = 9
	fStripes     = 10
	fStripeLists = 11
	fCreated     = 12
	fContentType = 13

	fStripeShards = 1

	fShardID      = 1
	fShardHolders = 2

	fListVersion = 1
	fListFirst   = 2
	fListStripes = 3
)

// encodeRoot encodes m's header and either its stripes (lists == nil) or
// the list CIDs.
func encodeRoot(m *Manifest, lists []cid.Cid) []byte {
	var b []byte
	b = appendUint(b, fVersion, Version)
	if m.Name != "" {
		b = appendBytes(b, fName, []byte(m.Name))
	}
	b = appendUint(b, fSize, uint64(m.Size))
	if m.Compressed {
		b = appendUint(b, fCompressed, 1)
	}
	b = appendUint(b, fSegmentSize, uint64(m.SegmentSize))
	b = appendUint(b, fCipherSize, uint64(m.CipherSize))
	b = appendUint(b, fK, uint64(m.K))
	b = appendUint(b, fM, uint64(m.M))
	b = appendUint(b, fShardSize, uint64(m.ShardSize))
	if lists == nil {
		for i := range m.Stripes {
			b = appendStripe(b, fStripes, &m.Stripes[i])
		}
	}
	for _, id := range lists {
		b = appendBytes(b, fStripeLists, id.Bytes())
	}
	if !m.Created.IsZero() {
		b = protowire.AppendTag(b, fCreated, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(m.Created.UnixMilli()))
	}
	if m.ContentType != "" {
		b = appendBytes(b, fContentType, []byte(m.ContentType))
	}
	return b
}

func encodeList(first int, stripes []Stripe) []byte {
	var b []byte
	b = appendUint(b, fListVersion, Version)
	b = appendUint(b, fListFirst, uint64(first))
	for i := range stripes {
		b = appendStripe(b, fListStripes, &stripes[i])
	}
	return b
}

func appendStripe(b []byte, num protowire.Number, s *Stripe) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(stripeSize(s)))
	for _, sh := range s.Shards {
		b = protowire.AppendTag(b, fStripeShards, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(shardSize(&sh)))
		b = appendBytes(b, fShardID, sh.ID.Bytes())
		for _, h := range sh.Holders {
			b = appendBytes(b, fShardHolders, h)
		}
	}
	return b
}

// stripeSize is the encoded size of s's fields (without its own tag and
// length); the splitter uses it too.
func stripeSize(s *Stripe) int {
	n := 0
	for _, sh := range s.Shards {
		n += protowire.SizeTag(fStripeShards) + protowire.SizeBytes(shardSize(&sh))
	}
	return n
}

func shardSize(sh *Shard) int {
	n := protowire.SizeTag(fShardID) + protowire.SizeBytes(sh.ID.ByteLen())
	for _, h := range sh.Holders {
		n += protowire.SizeTag(fShardHolders) + protowire.SizeBytes(len(h))
	}
	return n
}

// encodedStripeSize is what appendStripe adds for s under any field < 16.
func encodedStripeSize(s *Stripe) int {
	return protowire.SizeTag(fStripes) + protowire.SizeBytes(stripeSize(s))
}

func appendUint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func chunkIndex(j int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(j)) }
