package chunk

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"
	"google.golang.org/protobuf/encoding/protowire"
)

// The helpers below write the subset of protobuf the chunk protocol uses:
// varint fields and length-delimited fields, always emitted in field order
// (also when zero), which makes the encoding of a message canonical.

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func appendBytes(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

// appendTime writes t as milliseconds since the Unix epoch; the zero time
// (and anything before 1970) is 0.
func appendTime(b []byte, num protowire.Number, t time.Time) []byte {
	return appendVarint(b, num, uint64(max(unixMilli(t), 0)))
}

func unixMilli(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// field is one decoded protobuf field: v for varints, b for bytes.
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64
	b   []byte
}

// eachField calls fn for every field of msg in wire order. Unknown fields
// reach fn too; fn ignores them, so later versions can add fields. Groups
// and malformed input are ErrBadMessage.
func eachField(msg []byte, fn func(f field) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return fmt.Errorf("%w: %v", ErrBadMessage, protowire.ParseError(n))
		}
		msg = msg[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(msg)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(msg)
		case protowire.Fixed32Type:
			_, n = protowire.ConsumeFixed32(msg)
		case protowire.Fixed64Type:
			_, n = protowire.ConsumeFixed64(msg)
		default:
			return fmt.Errorf("%w: field %d has unsupported wire type %d", ErrBadMessage, num, typ)
		}
		if n < 0 {
			return fmt.Errorf("%w: field %d: %v", ErrBadMessage, num, protowire.ParseError(n))
		}
		msg = msg[n:]
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

func (f field) want(typ protowire.Type) error {
	if f.typ != typ {
		return fmt.Errorf("%w: field %d has wire type %d, want %d", ErrBadMessage, f.num, f.typ, typ)
	}
	return nil
}

func (f field) uint() (uint64, error) { return f.v, f.want(protowire.VarintType) }

// maxInt is the largest integer the decoders accept: far beyond any
// size or time, and safe to add to.
const maxInt = 1 << 62

// int64 reads a varint that must lie in [0, maxInt].
func (f field) int64() (int64, error) {
	if err := f.want(protowire.VarintType); err != nil {
		return 0, err
	}
	if f.v > maxInt {
		return 0, fmt.Errorf("%w: field %d: %d out of range", ErrBadMessage, f.num, f.v)
	}
	return int64(f.v), nil
}

func (f field) time() (time.Time, error) {
	ms, err := f.int64()
	if err != nil || ms == 0 {
		return time.Time{}, err
	}
	if ms > maxUnixMilli {
		return time.Time{}, fmt.Errorf("%w: field %d: time %d out of range", ErrBadMessage, f.num, ms)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// maxUnixMilli is the start of year 10000: later times are not worth signing.
const maxUnixMilli = 253402300800000

func (f field) bytes(limit int) ([]byte, error) {
	if err := f.want(protowire.BytesType); err != nil {
		return nil, err
	}
	if len(f.b) > limit {
		return nil, fmt.Errorf("%w: field %d is %d bytes, at most %d", ErrBadMessage, f.num, len(f.b), limit)
	}
	return append([]byte(nil), f.b...), nil
}

func (f field) cid() (cid.Cid, error) {
	if err := f.want(protowire.BytesType); err != nil {
		return cid.Undef, err
	}
	if len(f.b) == 0 {
		return cid.Undef, nil
	}
	c, err := cid.Cast(f.b)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: field %d: %v", ErrBadMessage, f.num, err)
	}
	return c, nil
}

func (f field) peer() (peer.ID, error) {
	if err := f.want(protowire.BytesType); err != nil {
		return "", err
	}
	if len(f.b) == 0 {
		return "", nil
	}
	id, err := peer.IDFromBytes(f.b)
	if err != nil {
		return "", fmt.Errorf("%w: field %d: %v", ErrBadMessage, f.num, err)
	}
	return id, nil
}

func cidBytes(c cid.Cid) []byte {
	if !c.Defined() {
		return nil
	}
	return c.Bytes()
}
