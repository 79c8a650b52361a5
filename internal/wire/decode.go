package wire

import (
	"fmt"
	"math"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Value is one decoded field value that passed the policy. Its accessors
// do not check the kind: the schema did.
type Value struct {
	kind Kind
	n    uint64
	b    []byte
}

// Uint is a uint64 field's value.
func (v Value) Uint() uint64 { return v.n }

// Int is a sint64 field's value, or a uint64 field's value up to
// math.MaxInt64 (larger values saturate: cap such fields in the schema).
func (v Value) Int() int64 {
	if v.kind == Sint64 {
		return protowire.DecodeZigZag(v.n)
	}
	return int64(min(v.n, math.MaxInt64))
}

// Bool is a bool field's value.
func (v Value) Bool() bool { return v.n == 1 }

// Bytes is a length-delimited value. It aliases the input: copy it to keep
// it beyond the input's life.
func (v Value) Bytes() []byte { return v.b }

// String is a length-delimited value as a string (a copy).
func (v Value) String() string { return string(v.b) }

// Decode walks b under the policy of doc.go and calls fn for every known
// field, in wire order. fn may be nil, to check b only.
func (m *Message) Decode(b []byte, fn func(f *Field, v Value) error) error {
	if len(b) > m.Max {
		return m.errorf(nil, "%d bytes, at most %d", len(b), m.Max)
	}
	if len(m.Fields) > maxFields {
		return m.errorf(nil, "schema of %d fields, at most %d", len(m.Fields), maxFields)
	}
	var seen uint64
	var counts [maxFields]int
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return m.errorf(nil, "tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		f, i := m.field(num)
		if f == nil {
			n, err := skip(typ, b)
			if err != nil {
				return m.errorf(nil, "unknown field %d: %v", num, err)
			}
			b = b[n:]
			continue
		}
		v, n, err := m.consume(f, typ, b)
		if err != nil {
			return err
		}
		b = b[n:]
		if seen&(1<<i) != 0 && !f.Repeated {
			return m.errorf(f, "given twice")
		}
		seen |= 1 << i
		if counts[i]++; f.Repeated && counts[i] > f.MaxCount {
			return m.errorf(f, "more than %d items", f.MaxCount)
		}
		if fn == nil {
			continue
		}
		if err := fn(f, v); err != nil {
			return &Error{Message: m.Name, Field: f.Name, Err: err}
		}
	}
	return m.checkRequired(seen)
}

func (m *Message) checkRequired(seen uint64) error {
	for i := range m.Fields {
		if f := &m.Fields[i]; f.Required && seen&(1<<i) == 0 {
			return m.errorf(f, "required field %d missing", f.Num)
		}
	}
	return nil
}

// skip returns the length of an unknown field's value. Groups are refused.
func skip(typ protowire.Type, b []byte) (int, error) {
	n := -1
	switch typ {
	case protowire.VarintType:
		_, n = protowire.ConsumeVarint(b)
	case protowire.Fixed32Type:
		_, n = protowire.ConsumeFixed32(b)
	case protowire.Fixed64Type:
		_, n = protowire.ConsumeFixed64(b)
	case protowire.BytesType:
		_, n = protowire.ConsumeBytes(b)
	default:
		return 0, fmt.Errorf("wire type %d (group) not allowed", typ)
	}
	if n < 0 {
		return 0, protowire.ParseError(n)
	}
	return n, nil
}

// consume reads the value of known field f and checks it against f's
// wire type and caps.
func (m *Message) consume(f *Field, typ protowire.Type, b []byte) (Value, int, error) {
	if want := f.Kind.wireType(); typ != want {
		return Value{}, 0, m.errorf(f, "wire type %d, want %d", typ, want)
	}
	v := Value{kind: f.Kind}
	var n int
	if typ == protowire.VarintType {
		v.n, n = protowire.ConsumeVarint(b)
	} else {
		v.b, n = protowire.ConsumeBytes(b)
	}
	if n < 0 {
		return Value{}, 0, m.errorf(f, "%v", protowire.ParseError(n))
	}
	return v, n, m.check(f, v)
}

func (m *Message) check(f *Field, v Value) error {
	switch l := uint64(len(v.b)); {
	case f.Kind == Uint64 && f.Max != 0 && v.n > f.Max:
		return m.errorf(f, "%d is over the limit %d", v.n, f.Max)
	case f.Kind == Bool && v.n > 1:
		return m.errorf(f, "bool %d is neither 0 nor 1", v.n)
	case f.Kind.wireType() == protowire.BytesType && (l < f.Min || l > f.Max):
		return m.errorf(f, "%d bytes, want %d to %d", l, f.Min, f.Max)
	case f.Kind == String && !utf8.Valid(v.b):
		return m.errorf(f, "not valid UTF-8")
	}
	return nil
}
