package wire

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Kind is a field's type, as its .proto names it.
type Kind uint8

// The kinds a schema may use; see doc.go.
const (
	Uint64 Kind = iota + 1
	Sint64
	Bool
	Bytes
	String
	Embed
)

var kindNames = map[Kind]string{
	Uint64: "uint64", Sint64: "sint64", Bool: "bool", Bytes: "bytes", String: "string",
}

func (k Kind) String() string {
	if k == Embed {
		return "message"
	}
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// wireType is the one wire type a field of kind k may have.
func (k Kind) wireType() protowire.Type {
	if k == Bytes || k == String || k == Embed {
		return protowire.BytesType
	}
	return protowire.VarintType
}

// Field describes one field of a message.
type Field struct {
	Num      protowire.Number
	Name     string // as in the .proto, snake_case
	Kind     Kind
	Repeated bool
	Required bool // a repeated field must appear at least once
	// Min and Max bound a length-delimited value's length in bytes (Max
	// is then mandatory) or a uint64 value (Max 0: no limit).
	Min, Max uint64
	MaxCount int      // a repeated field appears at most this often
	Msg      *Message // Embed: the embedded message's schema
}

// Message describes one message type: its name in the .proto, its hard
// size limit in bytes, and its fields.
type Message struct {
	Name   string
	Max    int
	Fields []Field
}

// maxFields bounds a schema so that Decode can track fields in a word.
const maxFields = 64

// field returns the schema of field num and its index, or nil.
func (m *Message) field(num protowire.Number) (*Field, int) {
	for i := range m.Fields {
		if m.Fields[i].Num == num {
			return &m.Fields[i], i
		}
	}
	return nil, -1
}

// Validate checks that the schema itself is sound: a size limit, unique
// valid numbers and names, a cap on every length-delimited field and
// every repeated field, caps only where they mean something. Decode fails
// closed on a schema with a missing cap; Validate says why.
func (m *Message) Validate() error {
	if m.Name == "" || m.Max <= 0 {
		return fmt.Errorf("schema %q: needs a name and a size limit", m.Name)
	}
	if len(m.Fields) > maxFields {
		return fmt.Errorf("schema %s: %d fields, at most %d", m.Name, len(m.Fields), maxFields)
	}
	nums, names := map[protowire.Number]bool{}, map[string]bool{}
	for i := range m.Fields {
		f := &m.Fields[i]
		if nums[f.Num] || names[f.Name] {
			return fmt.Errorf("schema %s: field %d %q declared twice", m.Name, f.Num, f.Name)
		}
		nums[f.Num], names[f.Name] = true, true
		if err := f.validate(); err != nil {
			return fmt.Errorf("schema %s: field %s: %w", m.Name, f.Name, err)
		}
	}
	return nil
}

func (f *Field) validate() error {
	lengthDelimited := f.Kind.wireType() == protowire.BytesType
	switch {
	case f.Name == "" || f.Num < protowire.MinValidNumber || f.Num > protowire.MaxValidNumber:
		return fmt.Errorf("bad name or number %d", f.Num)
	case f.Kind < Uint64 || f.Kind > Embed:
		return fmt.Errorf("unknown kind %d", f.Kind)
	case (f.Kind == Embed) != (f.Msg != nil):
		return fmt.Errorf("an embedded message field names its schema, no other does")
	case lengthDelimited && (f.Max == 0 || f.Min > f.Max):
		return fmt.Errorf("a length-delimited field needs 0 < max, min ≤ max")
	case !lengthDelimited && f.Min != 0:
		return fmt.Errorf("min applies to lengths only")
	case (f.Kind == Sint64 || f.Kind == Bool) && f.Max != 0:
		return fmt.Errorf("max applies to uint64 values and lengths only")
	case f.Repeated && (!lengthDelimited || f.MaxCount <= 0):
		return fmt.Errorf("only length-delimited fields repeat, and need a max count")
	case !f.Repeated && f.MaxCount != 0:
		return fmt.Errorf("max count applies to repeated fields only")
	}
	return nil
}
