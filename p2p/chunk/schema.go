package chunk

import (
	"github.com/scatterbytes/scatterbytes/internal/wire"
	"github.com/scatterbytes/scatterbytes/p2p/placement"
	"github.com/scatterbytes/scatterbytes/store"
)

// The chunk protocol's messages as package wire decodes them; chunk.proto
// is the same tables for people and other implementations, and
// TestProtoMatchesSchemas keeps the two in step.

// MaxOrder bounds an encoded order or receipt: a canonical one is under
// 200 bytes without a stripe, and under 2,600 with MaxStripe shard IDs.
// It is the store's metadata limit, as a node keeps the order as the
// chunk's metadata.
const MaxOrder = store.MaxMetaSize

const maxOrder = MaxOrder

// maxID bounds a binary CID or peer ID: chunk IDs are 36 bytes, Ed25519
// peer IDs 38.
const maxID = 128

// maxSignature is generous for Ed25519's 64 bytes.
const maxSignature = 128

var requestSchema = wire.Message{Name: "Request", Max: MaxMessage, Fields: []wire.Field{
	{Num: reqOp, Name: "op", Kind: wire.Uint64, Required: true},
	{Num: reqChunk, Name: "chunk", Kind: wire.Bytes, Max: maxID},
	{Num: reqSize, Name: "size", Kind: wire.Uint64, Max: maxInt},
	{Num: reqOrder, Name: "order", Kind: wire.Bytes, Max: maxOrder},
	{Num: reqOffset, Name: "offset", Kind: wire.Uint64, Max: maxInt},
	{Num: reqLength, Name: "length_plus_one", Kind: wire.Uint64, Max: maxInt},
	{Num: reqPlace, Name: "placement", Kind: wire.Bytes, Max: placement.MaxSize},
}}

var responseSchema = wire.Message{Name: "Response", Max: MaxMessage, Fields: []wire.Field{
	{Num: respStatus, Name: "status", Kind: wire.Uint64, Required: true},
	{Num: respMessage, Name: "message", Kind: wire.Bytes, Max: maxText},
	{Num: respSize, Name: "size", Kind: wire.Uint64, Max: maxInt},
	{Num: respLength, Name: "length", Kind: wire.Uint64, Max: maxInt},
	{Num: respReceipt, Name: "receipt", Kind: wire.Bytes, Max: maxOrder},
	{Num: respOrder, Name: "order", Kind: wire.Bytes, Max: maxOrder},
	{Num: respFree, Name: "free_plus_one", Kind: wire.Uint64, Max: maxInt},
	{Num: respCap, Name: "capacity", Kind: wire.Uint64, Max: maxInt},
	{Num: respPlace, Name: "placement", Kind: wire.Bytes, Max: placement.MaxSize},
}}

var orderSchema = wire.Message{Name: "Order", Max: maxOrder, Fields: []wire.Field{
	{Num: orderChunk, Name: "chunk", Kind: wire.Bytes, Required: true, Max: maxID},
	{Num: orderSize, Name: "size", Kind: wire.Uint64, Required: true, Max: maxInt},
	{Num: orderExpiry, Name: "expiry_unix_ms", Kind: wire.Uint64, Required: true, Max: maxUnixMilli},
	{Num: orderK, Name: "k", Kind: wire.Uint64, Required: true, Max: MaxShards},
	{Num: orderM, Name: "m", Kind: wire.Uint64, Required: true, Max: MaxShards},
	{Num: orderClient, Name: "client", Kind: wire.Bytes, Required: true, Max: maxID},
	{Num: orderCreated, Name: "created_unix_ms", Kind: wire.Uint64, Required: true, Max: maxUnixMilli},
	{Num: orderNonce, Name: "nonce", Kind: wire.Uint64, Required: true},
	{Num: orderStripe, Name: "stripe", Kind: wire.Bytes, Repeated: true, Max: maxID, MaxCount: MaxStripe},
	{Num: orderSignature, Name: "signature", Kind: wire.Bytes, Required: true, Max: maxSignature},
}}

var receiptSchema = wire.Message{Name: "Receipt", Max: maxOrder, Fields: []wire.Field{
	{Num: receiptChunk, Name: "chunk", Kind: wire.Bytes, Required: true, Max: maxID},
	{Num: receiptSize, Name: "size", Kind: wire.Uint64, Required: true, Max: maxInt},
	{Num: receiptNode, Name: "node", Kind: wire.Bytes, Required: true, Max: maxID},
	{Num: receiptStoredAt, Name: "stored_at_unix_ms", Kind: wire.Uint64, Required: true, Max: maxUnixMilli},
	{Num: receiptOrderHash, Name: "order_hash", Kind: wire.Bytes, Required: true, Min: 32, Max: 32},
	{Num: receiptSignature, Name: "signature", Kind: wire.Bytes, Required: true, Max: maxSignature},
}}
