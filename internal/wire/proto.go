package wire

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// ParseProto reads the subset of proto3 our schemas use: a syntax line,
// package and option lines (ignored), and top-level messages whose fields
// are each declared on one line as
//
//	[repeated] type name = number; // clauses
//
// with the clauses of doc.go in the trailing comment. Lines holding only a
// comment are ignored. Embedded message fields get a *Message holding
// only the type's name.
func ParseProto(src []byte) ([]*Message, error) {
	var msgs []*Message
	var cur *Message
	sc := bufio.NewScanner(bytes.NewReader(src))
	for line := 1; sc.Scan(); line++ {
		code, comment, _ := strings.Cut(sc.Text(), "//")
		code = strings.TrimSpace(code)
		var err error
		switch {
		case code == "" || skipLine.MatchString(code):
		case strings.HasPrefix(code, "message "):
			cur, err = parseMessageLine(code, comment, cur)
			if err == nil {
				msgs = append(msgs, cur)
			}
		case code == "}" && cur != nil:
			cur = nil
		case cur != nil:
			var f Field
			if f, err = parseField(code, comment); err == nil {
				cur.Fields = append(cur.Fields, f)
			}
		default:
			err = fmt.Errorf("unexpected %q", code)
		}
		if err != nil {
			return nil, fmt.Errorf("proto line %d: %w", line, err)
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("proto: message %s not closed", cur.Name)
	}
	return msgs, sc.Err()
}

var (
	skipLine    = regexp.MustCompile(`^(syntax|package|option)\b[^;]*;$`)
	messageLine = regexp.MustCompile(`^message\s+([A-Za-z]\w*)\s*\{$`)
	fieldLine   = regexp.MustCompile(`^(repeated\s+)?([A-Za-z]\w*)\s+([a-z]\w*)\s*=\s*([0-9]+)\s*;$`)
)

func parseMessageLine(code, comment string, cur *Message) (*Message, error) {
	if cur != nil {
		return nil, fmt.Errorf("nested message in %s: not supported", cur.Name)
	}
	m := messageLine.FindStringSubmatch(code)
	if m == nil {
		return nil, fmt.Errorf("bad message line %q", code)
	}
	var c clauses
	if err := c.parse(comment); err != nil {
		return nil, fmt.Errorf("message %s: %w", m[1], err)
	}
	if c.required || c.maxItems != 0 || c.minBytes != 0 || c.maxValue != 0 {
		return nil, fmt.Errorf("message %s: only \"max N bytes\" applies to a message", m[1])
	}
	return &Message{Name: m[1], Max: int(c.maxBytes)}, nil
}

func parseField(code, comment string) (Field, error) {
	m := fieldLine.FindStringSubmatch(code)
	if m == nil {
		return Field{}, fmt.Errorf("bad field line %q", code)
	}
	f := Field{Name: m[3], Repeated: m[1] != "", Kind: Embed}
	for k, name := range kindNames {
		if m[2] == name {
			f.Kind = k
		}
	}
	if f.Kind == Embed {
		if strings.ToLower(m[2][:1]) == m[2][:1] {
			return Field{}, fmt.Errorf("field %s: type %s not supported", f.Name, m[2])
		}
		f.Msg = &Message{Name: m[2]}
	}
	var num int64
	if _, err := fmt.Sscan(m[4], &num); err != nil || num > int64(protowire.MaxValidNumber) {
		return Field{}, fmt.Errorf("field %s: bad number %s", f.Name, m[4])
	}
	f.Num = protowire.Number(num)
	var c clauses
	if err := c.parse(comment); err != nil {
		return Field{}, fmt.Errorf("field %s: %w", f.Name, err)
	}
	f.Required, f.MaxCount, f.Min = c.required, int(c.maxItems), c.minBytes
	f.Max = c.maxValue
	if f.Kind.wireType() == protowire.BytesType {
		if c.maxValue != 0 {
			return Field{}, fmt.Errorf("field %s: a value limit on a %s", f.Name, f.Kind)
		}
		f.Max = c.maxBytes
	} else if c.maxBytes != 0 || c.minBytes != 0 {
		return Field{}, fmt.Errorf("field %s: a byte limit on a %s", f.Name, f.Kind)
	}
	return f, nil
}
