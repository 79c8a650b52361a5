package placement

import "github.com/scatterbytes/scatterbytes/internal/wire"

// The record's messages as package wire decodes them; placement.proto is
// the same tables for people and other implementations, and
// TestProtoMatchesSchemas keeps the two in step.

const (
	maxID        = 128
	maxHolder    = 256
	maxUnixMilli = 253402300800000
)

var holderSchema = wire.Message{Name: "Holder", Max: maxHolder, Fields: []wire.Field{
	{Num: fHMember, Name: "member", Kind: wire.Uint64, Max: MaxStripe - 1},
	{Num: fHPeer, Name: "peer", Kind: wire.Bytes, Required: true, Min: 1, Max: maxID},
	{Num: fHAt, Name: "at_unix_ms", Kind: wire.Uint64, Max: maxUnixMilli},
}}

var recordSchema = wire.Message{Name: "Placement", Max: MaxSize, Fields: []wire.Field{
	{Num: fK, Name: "k", Kind: wire.Uint64, Required: true, Max: maxShards},
	{Num: fM, Name: "m", Kind: wire.Uint64, Required: true, Max: maxShards},
	{Num: fMember, Name: "member", Kind: wire.Bytes, Required: true, Repeated: true, MaxCount: MaxStripe, Max: maxID},
	{Num: fHolder, Name: "holder", Kind: wire.Embed, Msg: &holderSchema, Repeated: true, MaxCount: MaxStripe * MaxHolders, Max: maxHolder},
}}
