package wire

import "google.golang.org/protobuf/encoding/protowire"

// The Append helpers write one field, tag and value, for hand-written
// encoders. They write whatever they are given, zero values included:
// whether a field is emitted is the encoder's decision.

// AppendUint appends a uint64 (or bool) field.
func AppendUint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// AppendSint appends a sint64 field (zigzag).
func AppendSint(b []byte, num protowire.Number, v int64) []byte {
	return AppendUint(b, num, protowire.EncodeZigZag(v))
}

// AppendBytes appends a bytes field.
func AppendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// AppendString appends a string field.
func AppendString(b []byte, num protowire.Number, v string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, v)
}
