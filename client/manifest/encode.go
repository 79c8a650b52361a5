package manifest

import (
	"encoding/binary"

	"github.com/ipfs/go-cid"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

// Field numbers; see manifest.proto.
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
	fData        = 14

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
	b = wire.AppendUint(b, fVersion, Version)
	if m.Name != "" {
		b = wire.AppendBytes(b, fName, []byte(m.Name))
	}
	b = wire.AppendUint(b, fSize, uint64(m.Size))
	if m.Compressed {
		b = wire.AppendUint(b, fCompressed, 1)
	}
	b = wire.AppendUint(b, fSegmentSize, uint64(m.SegmentSize))
	b = wire.AppendUint(b, fCipherSize, uint64(m.CipherSize))
	b = wire.AppendUint(b, fK, uint64(m.K))
	b = wire.AppendUint(b, fM, uint64(m.M))
	b = wire.AppendUint(b, fShardSize, uint64(m.ShardSize))
	if lists == nil {
		for i := range m.Stripes {
			b = appendStripe(b, fStripes, &m.Stripes[i])
		}
	}
	for _, id := range lists {
		b = wire.AppendBytes(b, fStripeLists, id.Bytes())
	}
	if !m.Created.IsZero() {
		b = wire.AppendSint(b, fCreated, m.Created.UnixMilli())
	}
	if m.ContentType != "" {
		b = wire.AppendBytes(b, fContentType, []byte(m.ContentType))
	}
	if m.Inline() {
		b = wire.AppendBytes(b, fData, m.Data)
	}
	return b
}

func encodeList(first int, stripes []Stripe) []byte {
	var b []byte
	b = wire.AppendUint(b, fListVersion, Version)
	b = wire.AppendUint(b, fListFirst, uint64(first))
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
		b = wire.AppendBytes(b, fShardID, sh.ID.Bytes())
		for _, h := range sh.Holders {
			b = wire.AppendBytes(b, fShardHolders, h)
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

func chunkIndex(j int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(j)) }
