package wire

import (
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// testInner and testSchema match testdata/test.proto.
var (
	testInner = Message{Name: "Inner", Max: 64, Fields: []Field{
		{Num: 1, Name: "id", Kind: Bytes, Required: true, Max: 8},
	}}
	testSchema = Message{Name: "Test", Max: 256, Fields: []Field{
		{Num: 1, Name: "id", Kind: Uint64, Required: true, Max: 1000},
		{Num: 2, Name: "name", Kind: String, Max: 16},
		{Num: 3, Name: "flag", Kind: Bool},
		{Num: 4, Name: "delta", Kind: Sint64},
		{Num: 5, Name: "tags", Kind: Bytes, Repeated: true, MaxCount: 3, Min: 1, Max: 8},
		{Num: 6, Name: "inner", Kind: Embed, Msg: &testInner, Max: 64},
	}}
)

// testMsg is what testSchema decodes into.
type testMsg struct {
	ID    uint64
	Name  string
	Flag  bool
	Delta int64
	Tags  [][]byte
	Inner []byte
}

func decodeTest(b []byte) (testMsg, error) {
	var m testMsg
	err := testSchema.Decode(b, func(f *Field, v Value) error {
		switch f.Num {
		case 1:
			m.ID = v.Uint()
		case 2:
			m.Name = v.String()
		case 3:
			m.Flag = v.Bool()
		case 4:
			m.Delta = v.Int()
		case 5:
			m.Tags = append(m.Tags, append([]byte(nil), v.Bytes()...))
		case 6:
			m.Inner = append([]byte(nil), v.Bytes()...)
			return testInner.Decode(v.Bytes(), nil)
		}
		return nil
	})
	return m, err
}

// encodeTest writes m canonically: id always, the rest when set.
func encodeTest(m testMsg) []byte {
	b := AppendUint(nil, 1, m.ID)
	if m.Name != "" {
		b = AppendString(b, 2, m.Name)
	}
	if m.Flag {
		b = AppendUint(b, 3, 1)
	}
	if m.Delta != 0 {
		b = AppendSint(b, 4, m.Delta)
	}
	for _, t := range m.Tags {
		b = AppendBytes(b, 5, t)
	}
	if m.Inner != nil {
		b = AppendBytes(b, 6, m.Inner)
	}
	return b
}

// good is a valid Test message with every field set.
func good() []byte {
	return encodeTest(testMsg{ID: 7, Name: "n", Flag: true, Delta: -3,
		Tags: [][]byte{[]byte("a"), []byte("b")}, Inner: AppendBytes(nil, 1, []byte("x"))})
}

// cat joins encodings.
func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func tag(num protowire.Number, typ protowire.Type) []byte { return protowire.AppendTag(nil, num, typ) }

func mustValid(t *testing.T, m *Message) {
	t.Helper()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
}
