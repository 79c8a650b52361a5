package wire

import (
	"os"
	"strings"
	"testing"
)

func readTestProto(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/test.proto")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMatchProto(t *testing.T) {
	if err := MatchProto([]byte(readTestProto(t)), &testSchema, &testInner); err != nil {
		t.Fatal(err)
	}
}

// TestMatchProtoCatchesDrift changes the .proto one way at a time; each
// change must be reported.
func TestMatchProtoCatchesDrift(t *testing.T) {
	src := readTestProto(t)
	for _, tc := range []struct{ name, old, new string }{
		{"field number", "uint64 id = 1;", "uint64 id = 9;"},
		{"field name", "string name = 2;", "string title = 2;"},
		{"field type", "sint64 delta = 4;", "uint64 delta = 4;"},
		{"embedded type", "Inner inner = 6;", "Other inner = 6;"},
		{"repeated-ness", "repeated bytes tags = 5;", "bytes tags = 5;"},
		{"required-ness", "// required; max 1000", "// max 1000"},
		{"integer cap", "max 1000", "max 1001"},
		{"byte cap", "// max 16 bytes", "// max 17 bytes"},
		{"min length", "min 1 bytes", "min 2 bytes"},
		{"item cap", "max 3 items", "max 4 items"},
		{"message limit", "message Test { // max 256 bytes", "message Test { // max 512 bytes"},
		{"extra field", "  bool flag = 3;\n", "  bool flag = 3;\n  bool more = 7;\n"},
		{"missing field", "  bool flag = 3;\n", ""},
		{"extra message", "message Inner", "message Extra { // max 1 bytes\n}\nmessage Inner"},
		{"missing message", "message Inner { // max 64 bytes\n  bytes id = 1;              // required; max 8 bytes\n}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := strings.Replace(src, tc.old, tc.new, 1)
			if changed == src {
				t.Fatalf("test does not change the .proto")
			}
			err := MatchProto([]byte(changed), &testSchema, &testInner)
			if err == nil {
				t.Fatal("MatchProto missed the drift")
			}
			t.Log(err)
		})
	}
}

func TestParseProtoRefuses(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"unknown scalar", "message M {\n  int32 a = 1;\n}"},
		{"misspelt cap", "message M {\n  bytes a = 1; // max 4 byte\n}"},
		{"misspelt required", "message M {\n  bytes a = 1; // required!\n}"},
		{"cap twice", "message M {\n  bytes a = 1; // max 4 bytes; max 5 bytes\n}"},
		{"value cap on bytes", "message M {\n  bytes a = 1; // max 4\n}"},
		{"byte cap on uint64", "message M {\n  uint64 a = 1; // max 4 bytes\n}"},
		{"nested message", "message M {\nmessage N {\n}\n}"},
		{"unclosed", "message M {\n  bytes a = 1;"},
		{"multi-line field", "message M {\n  bytes a\n  = 1;\n}"},
		{"stray line", "enum E {"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseProto([]byte(tc.src)); err == nil {
				t.Fatal("ParseProto accepted it")
			}
		})
	}
}

func TestParseNum(t *testing.T) {
	for s, want := range map[string]uint64{"0": 0, "4096": 4096, "2^62": 1 << 62, "2^63-1": 1<<63 - 1, "2^24": 1 << 24} {
		if got, err := parseNum(s); err != nil || got != want {
			t.Errorf("parseNum(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"2^64", "x", "-1", "2^0-1"} {
		if _, err := parseNum(s); err == nil {
			t.Errorf("parseNum(%q) accepted", s)
		}
	}
}
