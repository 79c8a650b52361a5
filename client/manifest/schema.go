package manifest

import "github.com/scatterbytes/scatterbytes/internal/wire"

// The manifest's messages as package wire decodes them; manifest.proto is
// the same tables for people and other implementations, and
// TestProtoMatchesSchemas keeps the two in step.

// maxID bounds a binary CID: chunk IDs are 36 bytes.
const maxID = 128

// maxShard bounds one encoded Shard: an ID and MaxHolders holder IDs.
const maxShard = 4 << 10

var rootSchema = wire.Message{Name: "Manifest", Max: MaxChunkSize, Fields: []wire.Field{
	{Num: fVersion, Name: "version", Kind: wire.Uint64, Required: true},
	{Num: fName, Name: "name", Kind: wire.String, Max: MaxNameLen},
	{Num: fSize, Name: "size", Kind: wire.Uint64, Required: true, Max: 1<<63 - 1},
	{Num: fCompressed, Name: "compressed", Kind: wire.Bool},
	{Num: fSegmentSize, Name: "segment_size", Kind: wire.Uint64, Required: true, Max: 1<<31 - 1},
	{Num: fCipherSize, Name: "cipher_size", Kind: wire.Uint64, Required: true, Max: 1<<63 - 1},
	{Num: fK, Name: "k", Kind: wire.Uint64, Required: true, Max: maxStripeShards},
	{Num: fM, Name: "m", Kind: wire.Uint64, Required: true, Max: maxStripeShards},
	{Num: fShardSize, Name: "shard_size", Kind: wire.Uint64, Required: true, Max: 1<<63 - 1},
	{Num: fStripes, Name: "stripes", Kind: wire.Embed, Msg: &stripeSchema, Repeated: true, MaxCount: MaxStripes, Max: MaxChunkSize},
	{Num: fStripeLists, Name: "stripe_lists", Kind: wire.Bytes, Repeated: true, MaxCount: MaxStripes, Max: maxID},
	{Num: fCreated, Name: "created_unix_ms", Kind: wire.Sint64},
	{Num: fContentType, Name: "content_type", Kind: wire.String, Max: MaxContentType},
	{Num: fData, Name: "data", Kind: wire.Bytes, Max: MaxData},
}}

var listSchema = wire.Message{Name: "StripeList", Max: MaxChunkSize, Fields: []wire.Field{
	{Num: fListVersion, Name: "version", Kind: wire.Uint64, Required: true},
	{Num: fListFirst, Name: "first", Kind: wire.Uint64, Required: true, Max: MaxStripes},
	{Num: fListStripes, Name: "stripes", Kind: wire.Embed, Msg: &stripeSchema, Repeated: true, MaxCount: MaxStripes, Max: MaxChunkSize},
}}

var stripeSchema = wire.Message{Name: "Stripe", Max: MaxChunkSize, Fields: []wire.Field{
	{Num: fStripeShards, Name: "shards", Kind: wire.Embed, Msg: &shardSchema, Repeated: true, MaxCount: maxStripeShards, Max: maxShard},
}}

var shardSchema = wire.Message{Name: "Shard", Max: maxShard, Fields: []wire.Field{
	{Num: fShardID, Name: "id", Kind: wire.Bytes, Required: true, Max: maxID},
	{Num: fShardHolders, Name: "holders", Kind: wire.Bytes, Repeated: true, MaxCount: MaxHolders, Min: 1, Max: MaxHolderLen},
}}
