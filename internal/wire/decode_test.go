package wire

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestDecodeRefuses(t *testing.T) {
	mustValid(t, &testSchema)
	id := AppendUint(nil, 1, 7)
	for _, tc := range []struct {
		name, want string
		b          []byte
	}{
		{"oversized message", "Test: 257 bytes", cat(id, AppendBytes(nil, 99, make([]byte, 251)))},
		{"duplicate field", "Test.id: given twice", cat(id, id)},
		{"duplicate bool", "Test.flag: given twice", cat(id, AppendUint(nil, 3, 0), AppendUint(nil, 3, 1))},
		{"wrong wire type varint as bytes", "Test.id: wire type 2", AppendBytes(nil, 1, []byte{7})},
		{"wrong wire type bytes as varint", "Test.name: wire type 0", cat(id, AppendUint(nil, 2, 1))},
		{"wrong wire type fixed32", "Test.flag: wire type 5", cat(id, tag(3, protowire.Fixed32Type), []byte{1, 0, 0, 0})},
		{"missing required", "Test.id: required field 1 missing", AppendString(nil, 2, "n")},
		{"missing required empty input", "Test.id: required", nil},
		{"oversized field", "Test.name: 17 bytes", cat(id, AppendString(nil, 2, strings.Repeat("x", 17)))},
		{"undersized field", "Test.tags: 0 bytes", cat(id, AppendBytes(nil, 5, nil))},
		{"too many repeated", "Test.tags: more than 3", cat(id, AppendBytes(nil, 5, []byte("a")),
			AppendBytes(nil, 5, []byte("b")), AppendBytes(nil, 5, []byte("c")), AppendBytes(nil, 5, []byte("d")))},
		{"integer over its range", "Test.id: 1001 is over", AppendUint(nil, 1, 1001)},
		{"bool of 2", "Test.flag: bool 2", cat(id, AppendUint(nil, 3, 2))},
		{"invalid UTF-8 string", "Test.name: not valid UTF-8", cat(id, AppendBytes(nil, 2, []byte{0xff}))},
		{"group rejected unknown", "Test: unknown field 9: wire type 3", cat(id, tag(9, protowire.StartGroupType), tag(9, protowire.EndGroupType))},
		{"end group rejected", "Test: unknown field 9: wire type 4", cat(id, tag(9, protowire.EndGroupType))},
		{"group rejected known", "Test.inner: wire type 3", cat(id, tag(6, protowire.StartGroupType), tag(6, protowire.EndGroupType))},
		{"truncated varint", "Test.id: unexpected EOF", []byte{0x08, 0x80}},
		{"truncated bytes", "Test.name: unexpected EOF", cat(id, []byte{0x12, 0x05, 'a'})},
		{"truncated tag", "Test: tag", cat(id, []byte{0x80})},
		{"truncated unknown fixed64", "Test: unknown field 9", cat(id, tag(9, protowire.Fixed64Type), []byte{1, 2})},
		{"overlong varint", "Test.id:", []byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"field number 0", "Test: tag", []byte{0x00, 0x01}},
		{"caller refuses", "Test.inner: Inner.id: required", cat(id, AppendBytes(nil, 6, AppendBytes(nil, 2, nil)))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeTest(tc.b)
			var we *Error
			if !errors.Is(err, ErrMalformed) || !errors.As(err, &we) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %q, want it to start with %q", err, tc.want)
			}
		})
	}
}

func TestDecodeSkipsUnknownFields(t *testing.T) {
	want, err := decodeTest(good())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		extra []byte
	}{
		{"varint", AppendUint(nil, 20, 1<<40)},
		{"fixed32", cat(tag(21, protowire.Fixed32Type), []byte{1, 2, 3, 4})},
		{"fixed64", cat(tag(22, protowire.Fixed64Type), make([]byte, 8))},
		{"bytes", AppendBytes(nil, 23, []byte("later"))},
		{"bytes, large number", AppendBytes(nil, protowire.MaxValidNumber, nil)},
		{"unknown repeated", cat(AppendUint(nil, 20, 1), AppendUint(nil, 20, 2))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, b := range [][]byte{cat(tc.extra, good()), cat(good(), tc.extra)} {
				got, err := decodeTest(b)
				if err != nil || !reflect.DeepEqual(got, want) {
					t.Fatalf("decode = %+v, %v; want %+v", got, err, want)
				}
			}
		})
	}
}

func TestDecodeValues(t *testing.T) {
	got, err := decodeTest(good())
	want := testMsg{ID: 7, Name: "n", Flag: true, Delta: -3,
		Tags: [][]byte{[]byte("a"), []byte("b")}, Inner: AppendBytes(nil, 1, []byte("x"))}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("decode = %+v, %v", got, err)
	}
	if v := (Value{kind: Uint64, n: 1 << 63}); v.Int() != 1<<63-1 {
		t.Fatalf("uint64 beyond int64 does not saturate: %d", v.Int())
	}
}

func TestDecodeRefusesOversizedSchema(t *testing.T) {
	m := Message{Name: "Wide", Max: 9, Fields: make([]Field, maxFields+1)}
	for i := range m.Fields {
		m.Fields[i] = Field{Num: protowire.Number(i + 1), Name: fmt.Sprint("f", i), Kind: Bool}
	}
	if err := m.Decode(AppendUint(nil, maxFields+1, 1), nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("decode with a %d-field schema: %v", len(m.Fields), err)
	}
}

func TestCallerErrorStaysInChain(t *testing.T) {
	mine := errors.New("mine")
	err := testSchema.Decode(good(), func(f *Field, v Value) error {
		if f.Name == "name" {
			return mine
		}
		return nil
	})
	if !errors.Is(err, mine) || !errors.Is(err, ErrMalformed) || err.Error() != "Test.name: mine" {
		t.Fatalf("err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Message
	}{
		{"no size limit", Message{Name: "M"}},
		{"bytes without max", Message{Name: "M", Max: 9, Fields: []Field{{Num: 1, Name: "b", Kind: Bytes}}}},
		{"repeated without count", Message{Name: "M", Max: 9, Fields: []Field{{Num: 1, Name: "b", Kind: Bytes, Max: 1, Repeated: true}}}},
		{"repeated varint", Message{Name: "M", Max: 9, Fields: []Field{{Num: 1, Name: "b", Kind: Uint64, Repeated: true, MaxCount: 2}}}},
		{"duplicate number", Message{Name: "M", Max: 9, Fields: []Field{{Num: 1, Name: "a", Kind: Bool}, {Num: 1, Name: "b", Kind: Bool}}}},
		{"duplicate name", Message{Name: "M", Max: 9, Fields: []Field{{Num: 1, Name: "a", Kind: Bool}, {Num: 2, Name: "a", Kind: Bool}}}},
		{"embed without schema", Message{Name: "M", Max: 9, Fields: []Field{{Num: 1, Name: "a", Kind: Embed, Max: 4}}}},
		{"max on sint64", Message{Name: "M", Max: 9, Fields: []Field{{Num: 1, Name: "a", Kind: Sint64, Max: 4}}}},
		{"field number 0", Message{Name: "M", Max: 9, Fields: []Field{{Num: 0, Name: "a", Kind: Bool}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.m.Validate(); err == nil {
				t.Fatal("Validate accepted a bad schema")
			}
		})
	}
}
